"""Correlation matrix, average and alerts against numpy's own Pearson correlation."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from domain.config import StrategyConfig
from risk.correlation import average_correlation, correlation_matrix, correlation_report


def closes(rho_before: float, rho_after: float, n: int = 400, seed: int = 3) -> pd.DataFrame:
    """Three names with pairwise correlation ``rho_before``, switching to ``rho_after`` for the last 30 days."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        rho = rho_after if i >= n - 30 else rho_before
        common = rng.standard_normal()
        out.append([np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.standard_normal() for _ in range(3)])
    rets = 0.01 * np.array(out)
    idx = pd.bdate_range("2014-01-01", periods=n)
    return pd.DataFrame(100 * np.exp(np.cumsum(rets, axis=0)), index=idx, columns=["A", "B", "C"])


def test_matrix_matches_numpy_over_the_last_window() -> None:
    c = closes(0.3, 0.3)
    as_of = c.index[-1].to_pydatetime()
    m = correlation_matrix(c, as_of, 252)
    rets = c.tail(253).pct_change().iloc[1:].to_numpy()
    np.testing.assert_allclose(m.to_numpy(), np.corrcoef(rets.T), atol=1e-12)
    upper = np.corrcoef(rets.T)[np.triu_indices(3, k=1)]
    assert average_correlation(m) == pytest.approx(upper.mean())


def test_no_data_after_as_of_is_read() -> None:
    c = closes(0.3, 0.3)
    as_of = c.index[-50].to_pydatetime()
    spoiled = c.copy()
    spoiled.iloc[-49:] = spoiled.iloc[-49:] * np.linspace(1, 3, 49)[:, None] ** np.array([1, -1, 2])
    pd.testing.assert_frame_equal(correlation_matrix(c, as_of, 100), correlation_matrix(spoiled, as_of, 100))


def test_alerts_on_level_and_on_a_months_move() -> None:
    cfg = StrategyConfig().risk.model_copy(update={"var_lookback_days": 40})
    calm = correlation_report(closes(0.1, 0.1), closes(0.1, 0.1).index[-1].to_pydatetime(), cfg)
    assert calm.alerts == ()
    c = closes(0.1, 0.95)
    storm = correlation_report(c, c.index[-1].to_pydatetime(), cfg)
    assert storm.average is not None and storm.average > 0.6
    assert any("> 0.6" in a for a in storm.alerts) and any("in a month" in a for a in storm.alerts)


def test_one_name_has_no_average() -> None:
    c = closes(0.3, 0.3)[["A"]]
    assert average_correlation(correlation_matrix(c, datetime(2030, 1, 1), 50)) is None
