"""Weekly-loss arithmetic, kill-switch parsing, spread rules and the daily average spread."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.config import StrategyConfig
from risk.breakers import KillMode, breaker_trips, parse_kill, record_value, strongest, weekly_loss
from risk.liquidity import add_sample, check_spread, daily_average, halve_entry, reduce_held
from tests.factories import quote

T0 = datetime(2016, 1, 4, 15, 0)


def history(values: list[float], step: timedelta = timedelta(days=1)) -> list[tuple[str, float]]:
    h: list[tuple[str, float]] = []
    for i, v in enumerate(values):
        h = record_value(h, T0 + i * step, v)
    return h


def test_weekly_loss_from_the_weeks_high() -> None:
    h = history([100.0, 104.0, 101.0, 94.0])
    assert weekly_loss(h) == pytest.approx(1 - 94.0 / 104.0)  # 9.6% from the mid-week high
    assert not breaker_trips(h, 0.10)
    assert breaker_trips(history([100.0, 104.0, 93.5]), 0.10)  # 10.1% down from 104
    assert not breaker_trips(history([100.0, 90.0]), 0.10)  # exactly 10%: "more than 10%" is strict


def test_points_older_than_a_week_leave_the_window() -> None:
    h = history([120.0] + [100.0] * 8)  # the 120 high is 8 days old at the end
    assert [v for _, v in h] == [100.0] * 8
    assert weekly_loss(h) == 0.0


def test_same_time_replaces_the_point() -> None:
    h = record_value(record_value([], T0, 100.0), T0, 95.0)
    assert h == [(T0.isoformat(), 95.0)]


@pytest.mark.parametrize(("text", "mode"), [(None, KillMode.OFF), ("", KillMode.OFF), (" HALT ", KillMode.HALT),
                                            ("liquidate", KillMode.LIQUIDATE)])
def test_parse_kill(text: str | None, mode: KillMode) -> None:
    assert parse_kill(text) is mode


def test_parse_kill_names_the_source_and_value() -> None:
    with pytest.raises(ValueError, match="store flag: 'stop' is not one of off, halt, liquidate"):
        parse_kill("stop", "store flag")


def test_strongest_mode_wins() -> None:
    assert strongest(KillMode.OFF, KillMode.HALT) is KillMode.HALT
    assert strongest(KillMode.LIQUIDATE, KillMode.HALT, KillMode.OFF) is KillMode.LIQUIDATE
    assert strongest() is KillMode.OFF


CFG = StrategyConfig().risk


@pytest.mark.parametrize(("bid", "ask", "status"), [
    (1.00, 1.03, "ok"),        # 2.96% of mid
    (1.00, 1.04, "warn"),      # 3.92%
    (1.00, 1.05, "warn"),      # 4.88%
    (1.00, 1.06, "reduce"),    # 5.83%
    (1.10, 1.00, "no_quote"),  # crossed
    (0.00, 0.00, "no_quote"),
])
def test_spread_levels(bid: float, ask: float, status: str) -> None:
    assert check_spread("X", quote(bid=bid, ask=ask), CFG).status == status


def test_sizes_after_a_wide_spread() -> None:
    assert [halve_entry(n) for n in (1, 2, 5)] == [0, 1, 2]
    assert [reduce_held(n) for n in (1, 2, 5)] == [1, 1, 3]


def test_daily_average_spread_keeps_only_today() -> None:
    s = add_sample({}, "2016-01-04", "A", 0.02)
    s = add_sample(s, "2016-01-04", "A", 0.04)
    s = add_sample(s, "2016-01-04", "B", 0.10)
    assert daily_average(s) == pytest.approx({"A": 0.03, "B": 0.10})
    s = add_sample(s, "2016-01-05", "A", 0.05)
    assert daily_average(s) == pytest.approx({"A": 0.05})
