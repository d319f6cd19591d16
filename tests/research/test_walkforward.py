"""Walk-forward windows, gaps and totals, on the synthetic trial."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import numpy as np
import pandas as pd
import pytest

from tests.research.trials import synthetic_trial
from wheelhouse.research import metrics
from wheelhouse.research.space import SpaceError, parse_space
from wheelhouse.research.trial import DataSpec
from wheelhouse.research.walkforward import Window, relative_gap, run_walk_forward, window_summary, windows


def test_default_windows_are_two_years_in_then_one_year_out_rolling_yearly() -> None:
    plan = windows(date(1999, 1, 4), date(2003, 6, 30))
    assert plan == [
        Window(1, date(1999, 1, 4), date(2001, 1, 3), date(2001, 1, 4), date(2002, 1, 3)),
        Window(2, date(2000, 1, 4), date(2002, 1, 3), date(2002, 1, 4), date(2003, 1, 3)),
        Window(3, date(2001, 1, 4), date(2003, 1, 3), date(2003, 1, 4), date(2003, 6, 30)),  # truncated last year
    ]


def test_short_tail_is_dropped_and_too_short_a_range_refused() -> None:
    assert len(windows(date(2000, 1, 1), date(2003, 2, 1))) == 1  # one month of a second OOS year: dropped
    with pytest.raises(SpaceError, match="too short"):
        windows(date(2000, 1, 1), date(2001, 6, 30))


@pytest.mark.parametrize(
    ("ins", "oos", "direction", "gap"),
    [(1.0, 0.85, "max", 0.15), (1.0, 1.2, "max", -0.2), (-0.5, -1.0, "max", 1.0), (0.10, 0.12, "min", 0.2)],
)
def test_relative_gap(ins: float, oos: float, direction: str, gap: float) -> None:
    assert relative_gap(ins, oos, direction) == pytest.approx(gap)


def test_relative_gap_undefined() -> None:
    assert math.isnan(relative_gap(0.0, 1.0)) and math.isnan(relative_gap(float("nan"), 1.0))


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    space = parse_space({"parameters": {"max_trade_pct": {"values": [0.01, 0.03, 0.05]}},
                         "objective": {"target": "sharpe"}})
    with ThreadPoolExecutor(2) as pool:
        return run_walk_forward(space, synthetic_trial, DataSpec(), pool, date(2010, 1, 4), date(2013, 12, 31),
                                method="grid", in_months=12, out_months=12)


def test_in_sample_choice_runs_out_of_sample_on_the_next_window(report) -> None:  # type: ignore[no-untyped-def]
    assert len(report.results) == 3
    for r in report.results:
        assert r.chosen == {"max_trade_pct": 0.03} and r.trials == 3 and r.feasible
        # The out-of-sample answer is the synthetic trial on exactly the OOS dates with the chosen setting.
        expected = synthetic_trial({"max_trade_pct": "0.03"}, DataSpec(start=r.window.out_start, end=r.window.out_end))
        assert r.out_of_sample["sharpe"] == pytest.approx(expected["sharpe"])
        assert r.benchmark["sharpe"] == pytest.approx(expected["benchmarks"]["put_write"]["sharpe"])
        assert r.gap == pytest.approx((r.in_sample["sharpe"] - r.out_of_sample["sharpe"]) / abs(r.in_sample["sharpe"]))
        assert r.flagged == (r.gap > 0.10)


def test_totals_stitch_out_of_sample_returns(report) -> None:  # type: ignore[no-untyped-def]
    parts = [synthetic_trial({"max_trade_pct": "0.03"}, DataSpec(start=r.window.out_start, end=r.window.out_end))
             ["returns"] for r in report.results]
    stitched = pd.concat(parts).to_numpy()
    assert report.total_out["sharpe"] == pytest.approx(metrics.sharpe(stitched))
    assert report.total_out["drawdown"] == pytest.approx(-metrics.max_drawdown(stitched))
    assert report.total_in["sharpe"] == pytest.approx(np.mean([r.in_sample["sharpe"] for r in report.results]))
    assert report.gap == pytest.approx(relative_gap(report.total_in["sharpe"], report.total_out["sharpe"]))
    assert report.flagged == (report.gap > 0.10)


def test_report_renders(report) -> None:  # type: ignore[no-untyped-def]
    text = report.markdown()
    assert "| window |" in text and "put_write_sharpe" in text and "out_of_sample (stitched)" in text
    assert f"{report.gap:.1%}" in text
    summary = window_summary(report)
    assert len(summary["windows"]) == 3 and summary["benchmark"] == "put_write"


def test_overfit_choice_is_flagged() -> None:
    # A trial whose in-sample Sharpe is high and out-of-sample collapses: every window's gap exceeds 10%.
    def trial(params, spec):  # type: ignore[no-untyped-def]
        answer = synthetic_trial(params, spec)
        if spec.start and spec.start.year % 2 == 0:  # in-sample windows start in even years here
            answer["sharpe"] = 3.0
        else:
            answer["sharpe"] = 0.5
        return answer

    space = parse_space({"parameters": {}})
    with ThreadPoolExecutor(1) as pool:
        rep = run_walk_forward(space, trial, DataSpec(), pool, date(2010, 1, 1), date(2014, 12, 31),
                               in_months=12, out_months=24)
    assert [r.window.in_start.year for r in rep.results] == [2010, 2012]
    assert all(r.flagged and r.gap == pytest.approx(5 / 6) for r in rep.results)
    assert rep.flagged and "flagged" in rep.markdown()


def test_benchmarks_are_run_out_of_sample_only() -> None:
    seen: list[tuple[date | None, tuple[str, ...]]] = []

    def trial(params, spec):  # type: ignore[no-untyped-def]
        seen.append((spec.start, spec.benchmarks))
        return synthetic_trial(params, spec)

    space = parse_space({"parameters": {"max_trade_pct": {"values": [0.02, 0.03]}}})
    with ThreadPoolExecutor(1) as pool:
        run_walk_forward(space, trial, DataSpec(), pool, date(2010, 1, 1), date(2012, 12, 31), method="grid",
                         in_months=12, out_months=12)
    in_sample = [b for s, b in seen if s in (date(2010, 1, 1), date(2011, 1, 1)) and b == ()]
    out_of_sample = [s for s, b in seen if b == ("put_write",)]
    assert len(in_sample) == 4 and sorted(out_of_sample) == [date(2011, 1, 1), date(2012, 1, 1)]  # type: ignore[type-var]


def test_a_failed_window_is_reported_and_left_out_of_the_totals() -> None:
    def trial(params, spec):  # type: ignore[no-untyped-def]
        if spec.start == date(2011, 1, 1) and spec.benchmarks:  # the first out-of-sample year stops
            raise RuntimeError("invariant 'max_trade_pct' violated")
        return synthetic_trial(params, spec)

    space = parse_space({"parameters": {}})
    with ThreadPoolExecutor(1) as pool:
        rep = run_walk_forward(space, trial, DataSpec(), pool, date(2010, 1, 1), date(2013, 12, 31),
                               in_months=12, out_months=12)
    assert [r.failed for r in rep.results] == [True, False, False] and rep.excluded == [1]
    assert "max_trade_pct" in rep.results[0].note
    parts = [synthetic_trial({}, DataSpec(start=r.window.out_start, end=r.window.out_end, benchmarks=("put_write",)))
             ["returns"] for r in rep.results[1:]]
    assert rep.stitched and rep.total_out["sharpe"] == pytest.approx(metrics.sharpe(pd.concat(parts).to_numpy()))
    assert rep.total_in["sharpe"] == pytest.approx(np.mean([r.in_sample["sharpe"] for r in rep.results[1:]]))
    assert "Totals cover 2 of 3 windows" in rep.markdown()
