"""Performance statistics on hand-computed curves."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wheelhouse.report.stats import STAT_KEYS, longest_drawdown_days, max_drawdown, performance, window


def curve(values: list[float], start: str = "2020-01-01", freq: str = "D") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq=freq))


def test_cagr_volatility_and_sharpe() -> None:
    # One year (365 calendar days incl. the start) doubling at a constant daily rate.
    n = 365
    g = 2.0 ** (1 / n)
    eq = curve([1000 * g ** (i + 1) for i in range(n)])
    s = performance(eq, 1000.0)
    assert set(s) == set(STAT_KEYS)
    assert s["cagr"] == pytest.approx(2.0 ** (365.25 / 365) - 1, rel=1e-9)
    assert s["annual_volatility"] == pytest.approx(0.0, abs=1e-12)
    assert s["max_drawdown"] == 0.0 and s["longest_drawdown_days"] == 0
    assert s["sharpe"] is None  # no variation: undefined, not infinite


def test_sharpe_and_sortino_against_numpy() -> None:
    rng = np.random.default_rng(3)
    r = rng.normal(0.0004, 0.01, 500)
    eq = curve(list(100 * np.cumprod(1 + r)), freq="B")
    rf = pd.Series(0.02, index=eq.index)
    s = performance(eq, 100.0, rf)
    days = np.diff(np.concatenate([[eq.index[0].toordinal() - 1], [d.toordinal() for d in eq.index]]))
    ex = r - np.expm1(0.02 * days / 365)
    assert s["sharpe"] == pytest.approx(ex.mean() / r.std(ddof=1) * math.sqrt(252))
    assert s["sortino"] == pytest.approx(ex.mean() / np.sqrt(np.mean(np.minimum(ex, 0) ** 2)) * math.sqrt(252))
    assert s["annual_volatility"] == pytest.approx(r.std(ddof=1) * math.sqrt(252))


def test_drawdown_depth_and_length() -> None:
    eq = curve([100, 120, 90, 100, 130, 125, 126])
    assert max_drawdown(eq) == pytest.approx(90 / 120 - 1)
    # Peak on day 2 (120), recovered on day 5 (130): 3 days; then a drawdown open from day 5 to day 7: 2 days.
    assert longest_drawdown_days(eq) == 3
    assert longest_drawdown_days(curve([100, 90, 95, 96])) == 3


def test_win_rate_fees_premium_and_flags() -> None:
    s = performance(curve([100, 101]), 100.0, pnls=[10, -5, 3, 0], fees=12.5, premium=300.0, model_priced=True)
    assert s["win_rate"] == pytest.approx(0.5)
    assert (s["total_fees"], s["premium_collected"], s["model_priced"]) == (12.5, 300.0, True)
    assert performance(curve([100, 101]), 100.0)["win_rate"] is None


def test_window_starts_from_the_close_before() -> None:
    eq = curve([100, 110, 121, 133.1])
    part = window(eq, pd.Timestamp("2020-01-03").date(), pd.Timestamp("2020-01-04").date())
    assert part is not None
    inside, base = part
    assert base == 110 and list(inside) == [121, 133.1]
    assert window(eq, pd.Timestamp("2019-01-01").date(), pd.Timestamp("2019-02-01").date()) is None
