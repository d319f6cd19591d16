"""Monte Carlo intervals against textbook standard errors; crisis stress draws only crisis days."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from wheelhouse.research import metrics
from wheelhouse.research.montecarlo import (
    Crisis,
    block_length,
    bootstrap_daily,
    bootstrap_trades,
    crisis_replay,
    crisis_stress,
)

YEARS = 10
RNG = np.random.default_rng(2024)
IID = RNG.normal(0.0004, 0.01, 252 * YEARS)  # annual Sharpe about 0.635


def test_daily_bootstrap_is_seeded() -> None:
    a = bootstrap_daily(IID, reps=200, seed=1).samples
    b = bootstrap_daily(IID, reps=200, seed=1).samples
    c = bootstrap_daily(IID, reps=200, seed=2).samples
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_sharpe_interval_matches_lo_2002_standard_error() -> None:
    # For i.i.d. returns the annual Sharpe ratio's standard error is sqrt((1 + SR^2 / (2 q)) / years), q = 252.
    result = bootstrap_daily(IID, reps=2000, block=1, seed=3)
    sr = result.point["sharpe"]
    se = math.sqrt((1 + sr**2 / (2 * 252)) / YEARS)
    assert result.samples["sharpe"].std() == pytest.approx(se, rel=0.08)
    ci = result.intervals()
    assert ci.loc["sharpe", "p2.5"] < sr < ci.loc["sharpe", "p97.5"]
    assert ci.loc["sharpe", "p97.5"] - ci.loc["sharpe", "p2.5"] == pytest.approx(2 * 1.96 * se, rel=0.1)


def test_cagr_interval_matches_the_lognormal_approximation() -> None:
    # log growth per year ~ N(mu_log, sigma^2 / years): the CAGR interval follows from it.
    result = bootstrap_daily(IID, reps=2000, block=1, seed=4)
    logs = np.log1p(IID)
    sd_annual_log = logs.std(ddof=1) * math.sqrt(252) / math.sqrt(YEARS)
    centre = logs.mean() * 252
    lo, hi = math.expm1(centre - 1.96 * sd_annual_log), math.expm1(centre + 1.96 * sd_annual_log)
    ci = result.intervals()
    assert ci.loc["cagr", "p2.5"] == pytest.approx(lo, abs=0.006)
    assert ci.loc["cagr", "p97.5"] == pytest.approx(hi, abs=0.006)
    assert ci.loc["max_drawdown", "p97.5"] <= 0  # drawdowns are negative fractions


def test_block_bootstrap_keeps_serial_dependence() -> None:
    # AR(1) returns: an i.i.d. resample loses the dependence, a stationary block resample with mean block b
    # keeps it with weight (1 - 1/b)^k at lag k (Politis-Romano), so the spread of long-run growth widens by
    # sqrt(1 + 2 rho w / (1 - rho w)), w = 1 - 1/b.
    phi, n, b = 0.4, 252 * YEARS, 5
    shocks = np.random.default_rng(12).normal(0.0, 0.01, n)
    ar = np.empty(n)
    ar[0] = shocks[0]
    for t in range(1, n):
        ar[t] = phi * ar[t - 1] + shocks[t]
    ar += 0.0004
    rho, w = np.corrcoef(ar[1:], ar[:-1])[0, 1], 1 - 1 / b
    iid = bootstrap_daily(ar, reps=800, block=1, seed=5).samples["cagr"].std()
    blocks = bootstrap_daily(ar, reps=800, block=b, seed=5).samples["cagr"].std()
    assert blocks / iid == pytest.approx(math.sqrt(1 + 2 * rho * w / (1 - rho * w)), rel=0.08)
    assert 1 <= block_length(ar, "auto") <= n // 10


def test_trade_bootstrap() -> None:
    trades = np.random.default_rng(9).normal(0.002, 0.01, 480)  # 48 trades a year for 10 years
    result = bootstrap_trades(trades, years=10, reps=1000, seed=6)
    expected_cagr = np.prod(1 + trades) ** (1 / 10) - 1
    assert result.point["cagr"] == pytest.approx(expected_cagr)
    assert result.point["sharpe"] == pytest.approx(trades.mean() / trades.std(ddof=1) * math.sqrt(48))
    ci = result.intervals()
    assert ci.loc["cagr", "p2.5"] < expected_cagr < ci.loc["cagr", "p97.5"]
    with pytest.raises(ValueError, match="at least 20"):
        bootstrap_trades(trades[:5], years=1)


CRISES = (Crisis("first", date(2010, 3, 1), date(2010, 3, 31)), Crisis("second", date(2011, 6, 1), date(2011, 6, 30)),
          Crisis("outside", date(1990, 1, 1), date(1990, 12, 31)))


def _series() -> pd.Series:
    days = pd.bdate_range("2010-01-01", "2011-12-31")
    values = np.full(len(days), 0.001)
    values[(days >= "2010-03-01") & (days <= "2010-03-31")] = -0.01
    values[(days >= "2011-06-01") & (days <= "2011-06-30")] = -0.02
    return pd.Series(values, index=days)


def test_crisis_replay_hand_computed() -> None:
    table = crisis_replay(_series(), CRISES)
    assert table["crisis"].tolist() == ["first", "second"]  # the 1990 crisis is outside the history
    march = table.iloc[0]
    assert march["days"] == 23 and march["total_return"] == pytest.approx(0.99**23 - 1)
    assert march["max_drawdown"] == pytest.approx(0.99**23 - 1)


def test_crisis_stress_uses_only_crisis_days() -> None:
    result = crisis_stress(_series(), CRISES, horizon=63, reps=300, block=5, seed=8)
    cagr = result.samples["cagr"]
    # Every path is made of -1% and -2% days only: its 63-day loss lies between those extremes.
    worst, best = metrics.cagr(np.full(63, -0.02)), metrics.cagr(np.full(63, -0.01))
    assert (cagr >= worst - 1e-12).all() and (cagr <= best + 1e-12).all()
    assert cagr.min() < cagr.max()  # both crises are drawn from
    with pytest.raises(ValueError, match="no crisis"):
        crisis_stress(_series(), CRISES[2:])


def test_sharpe_with_risk_free_matches_the_stats_json_definition() -> None:
    from wheelhouse.report.stats import performance

    days = pd.bdate_range("2015-01-02", periods=600)
    returns = pd.Series(np.random.default_rng(3).normal(0.0004, 0.008, 600), index=days)
    rates = pd.Series(np.linspace(0.01, 0.03, 600), index=days)
    equity = 1e6 * (1 + returns).cumprod()
    expected = performance(equity, 1e6, rates)
    result = bootstrap_daily(returns, reps=50, seed=1, risk_free=rates)
    assert result.point["sharpe"] == pytest.approx(expected["sharpe"], rel=1e-9)
    assert result.point["max_drawdown"] == pytest.approx(expected["max_drawdown"], rel=1e-9)
    assert result.point["sharpe"] < bootstrap_daily(returns, reps=50, seed=1).point["sharpe"]  # excess < raw
    with pytest.raises(ValueError, match="one rate per return"):
        bootstrap_daily(returns, reps=10, risk_free=rates.iloc[:-1])


def test_crisis_stress_with_risk_free_lowers_sharpe() -> None:
    series = _series()
    rates = pd.Series(0.05, index=series.index)
    raw = crisis_stress(series, CRISES, horizon=63, reps=50, block=5, seed=8)
    excess = crisis_stress(series, CRISES, horizon=63, reps=50, block=5, seed=8, risk_free=rates)
    pd.testing.assert_series_equal(raw.samples["cagr"], excess.samples["cagr"])  # same paths
    assert (excess.samples["sharpe"] < raw.samples["sharpe"]).all()


def test_command_line_prints_every_interval(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.research.trials import synthetic_trial
    from wheelhouse.research import engine_trial, montecarlo

    def fake_engine(params, spec):  # type: ignore[no-untyped-def]
        answer = synthetic_trial(params, spec)
        answer["risk_free"] = pd.Series(0.02, index=answer["returns"].index)
        answer["trade_returns"] = answer["returns"].iloc[::10]
        return answer

    monkeypatch.setattr(engine_trial, "run_engine", fake_engine)
    assert montecarlo.main(["--config", "/no/such.json", "--start", "2008-01-01", "--end", "2009-12-31",
                            "--reps", "50"]) == 0
    out = capsys.readouterr().out
    for title in ("daily block bootstrap", "trade bootstrap", "crisis replay", "crisis stress"):
        assert title in out
