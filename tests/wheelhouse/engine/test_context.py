"""The market context of a step: nothing known after as_of; VIX proxy; IV history; forecasts."""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from domain.config import StrategyConfig
from tests.wheelhouse.engine.synthetic import SyntheticMarket, weekdays
from wheelhouse.engine.context import ContextBuilder
from wheelhouse.engine.market import holiday_week, realised_vol, realised_vols

CFG = StrategyConfig().replace(underlyings="XYZ")


def builder(market: SyntheticMarket) -> ContextBuilder:
    days = frozenset(market.trading_days(date(2019, 12, 1), date(2020, 6, 30)))
    return ContextBuilder(market, CFG, ("XYZ",), days)


def test_realised_vol_matches_numpy() -> None:
    closes = 100 * np.exp(np.cumsum(np.r_[0.0, np.random.default_rng(1).normal(0, 0.01, 30)]))
    r = np.diff(np.log(closes[-22:]))
    assert realised_vol(closes) == pytest.approx(r.std(ddof=1) * math.sqrt(252))
    assert realised_vol(closes[:10]) is None


def test_holiday_week() -> None:
    trading = frozenset(weekdays(date(2020, 1, 1), date(2020, 1, 31), holidays=[date(2020, 1, 20)]))
    assert holiday_week(date(2020, 1, 22), trading) and not holiday_week(date(2020, 1, 15), trading)


def test_before_the_close_only_the_previous_close_is_known() -> None:
    m = SyntheticMarket.path(date(2020, 1, 1), date(2020, 3, 31), seed=2, vix={date(2020, 3, 2): 30.0,
                                                                              date(2020, 3, 3): 40.0})
    b = builder(m)
    noon, close = datetime(2020, 3, 3, 12, 0), datetime(2020, 3, 3, 16, 0)
    assert b.vix(noon, at_close=False) == 30.0 and b.vix(close, at_close=True) == 40.0
    hist = b.history_frame(date(2020, 3, 3), 5, inclusive=False)
    assert hist.index[-1] == pd.Timestamp("2020-03-02") and len(hist) == 5
    assert b.history_frame(date(2020, 3, 3), 5, inclusive=True).index[-1] == pd.Timestamp("2020-03-03")


def test_vix_proxy_without_a_vix_series() -> None:
    m = SyntheticMarket.path(date(2020, 1, 1), date(2020, 3, 31), seed=2)
    b = builder(m)
    closes = b.history("XYZ", date(2020, 3, 3), inclusive=True)
    expected = realised_vol(closes)
    assert expected is not None
    assert b.vix(datetime(2020, 3, 3, 16), True) == pytest.approx(expected * CFG.backtest.implied_realised_ratio * 100)


def test_iv_history_records_once_per_session() -> None:
    b = builder(SyntheticMarket.path(date(2020, 1, 1), date(2020, 3, 31)))
    b.record_iv({"XYZ": 0.2}, date(2020, 1, 2))
    b.record_iv({"XYZ": 0.3}, date(2020, 1, 2))
    b.record_iv({"XYZ": float("nan")}, date(2020, 1, 3))
    b.record_iv({"XYZ": 0.25}, date(2020, 1, 6))
    ctx = b.build(datetime(2020, 1, 6, 16), True, {})
    assert ctx.iv_history["XYZ"] == (0.2, 0.25)


class WithForecast(SyntheticMarket):
    """A source with its own forecast path (as the default data has)."""

    def forecast_vol(self, underlying: str, day: date, at_close: bool) -> float | None:
        return 0.30 if at_close else 0.25


def test_source_forecast_is_used() -> None:
    m = WithForecast.path(date(2020, 1, 1), date(2020, 3, 31))
    b = builder(m)
    assert b.build(datetime(2020, 3, 2, 16), True, {}).forecast_vol == {"XYZ": 0.30}
    assert b.build(datetime(2020, 3, 2, 12), False, {}).forecast_vol == {"XYZ": 0.25}


def test_realised_vols_equal_realised_vol_of_every_prefix() -> None:
    rng = np.random.default_rng(7)
    for trial in range(40):
        closes = 100 * np.exp(np.cumsum(rng.normal(0, rng.uniform(0.002, 0.05), int(rng.integers(1, 120)))))
        if trial % 2:
            hit = rng.integers(0, len(closes), size=2)
            closes[hit] = rng.choice([0.0, -1.0, np.nan, np.inf], size=2)
        table = realised_vols(closes)
        assert len(table) == len(closes)
        for n in range(1, len(closes) + 1):
            expected = realised_vol(closes[:n])
            assert (math.isnan(table[n - 1]) if expected is None else table[n - 1] == expected), (trial, n)


def test_context_realised_vol_is_the_history_s() -> None:
    b = builder(SyntheticMarket.path(date(2020, 1, 1), date(2020, 3, 31), seed=4))
    for day in (date(2020, 1, 2), date(2020, 1, 31), date(2020, 2, 3), date(2020, 3, 31)):
        for inclusive in (False, True):
            assert b.realised_vol("XYZ", day, inclusive) == realised_vol(b.history("XYZ", day, inclusive))


class Closes:
    """Just the closes of several underlyings (all a builder reads when it is made)."""

    def __init__(self, closes: dict[str, pd.Series]) -> None:
        self._closes = closes

    def closes(self, underlying: str) -> pd.Series:
        return self._closes[underlying]


def _series(days: list[date], start: float) -> pd.Series:
    return pd.Series(start + np.arange(len(days), dtype=float), index=pd.DatetimeIndex(days))


def _expected_frame(closes: dict[str, pd.Series], day: date, sessions: int, inclusive: bool) -> pd.DataFrame:
    cols = {}
    for u, s in closes.items():
        known = s[s.index <= pd.Timestamp(day)] if inclusive else s[s.index < pd.Timestamp(day)]
        cols[u] = known.iloc[-sessions:]
    return pd.DataFrame(cols)


@pytest.mark.parametrize("same_sessions", [True, False])
def test_history_frame_of_several_underlyings(same_sessions: bool) -> None:
    days = weekdays(date(2020, 1, 1), date(2020, 2, 28))
    other = days if same_sessions else [d for d in days if d.day % 7] + [date(2020, 2, 29)]
    closes = {"AAA": _series(days, 10.0), "BBB": _series(other, 500.0)}
    b = ContextBuilder(Closes(closes), CFG, ("AAA", "BBB"), frozenset(days))  # type: ignore[arg-type]
    for day in (date(2020, 1, 1), date(2020, 1, 14), date(2020, 2, 7), date(2020, 3, 2)):
        for inclusive in (False, True):
            got = b.history_frame(day, 6, inclusive)
            pd.testing.assert_frame_equal(got, _expected_frame(closes, day, 6, inclusive), check_freq=False)
    frame = b.history_frame(date(2020, 2, 7), 6, True)
    frame.iloc[:, :] = -1.0  # a reader changing its frame changes nothing the builder keeps
    frame.index.name, frame.columns.name = "day", "symbol"
    pd.testing.assert_frame_equal(b.history_frame(date(2020, 2, 7), 6, True),
                                  _expected_frame(closes, date(2020, 2, 7), 6, True), check_freq=False)


class DailyRate(SyntheticMarket):
    """A rate that changes every day, counting how often it is read."""

    reads = 0

    def rate(self, day: date) -> float:
        self.reads += 1
        return day.day / 1000.0


def test_rate_is_the_day_s() -> None:
    b = builder(DailyRate.path(date(2020, 1, 1), date(2020, 3, 31)))
    b.config = CFG.replace(use_rate_file=True)
    days = [date(2020, 1, 2), date(2020, 1, 2), date(2020, 1, 3), date(2020, 1, 2), date(2020, 2, 3)]
    assert [b.rate(d) for d in days] == [d.day / 1000.0 for d in days]
    assert b.data.reads == 4  # type: ignore[attr-defined]  # the same day twice in a row is read once
    assert b.build(datetime(2020, 2, 4, 16), True, {}).rate == 0.004
    b.config = CFG.replace(use_rate_file=False, risk_free_rate=0.03)
    assert b.rate(date(2020, 2, 4)) == 0.03  # same day, other settings
