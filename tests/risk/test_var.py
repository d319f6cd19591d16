"""VaR and ES against independent computations: numpy percentiles, closed forms, QuantLib prices."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from domain.config import StrategyConfig
from domain.types import Right, Style
from risk.book import portfolio_book
from risk.scenarios import (
    Scenarios,
    covariance,
    historical_scenarios,
    monte_carlo_scenarios,
    revalue,
    taylor_pnl,
)
from risk.var import (
    cornish_fisher,
    cornish_fisher_es,
    parametric,
    quadratic_cumulants,
    tail_count,
    var_es,
    var_report,
)
from tests.factories import option_position, portfolio, quote, stock
from tests.risk.conftest import Row, make_book, market

CFG = StrategyConfig()


def test_tail_count() -> None:
    assert tail_count(10_000, 0.95) == 500  # not 501 from 10,000 x 0.05000000000000004
    assert tail_count(252, 0.95) == 13 and tail_count(252, 0.975) == 7
    assert tail_count(10, 0.999) == 1


def test_empirical_var_es_by_hand() -> None:
    pnl = -np.arange(1.0, 101.0)  # losses 1..100
    var, es = var_es(pnl, 0.95)
    assert var == 96.0  # the 5th largest loss
    assert es == pytest.approx(np.mean([100, 99, 98, 97, 96]))


@pytest.mark.parametrize("n", [252, 1000, 10_000])
@pytest.mark.parametrize("alpha", [0.95, 0.975, 0.99])
def test_var_matches_numpy_inverted_cdf_and_sorting(n: int, alpha: float) -> None:
    pnl = np.random.default_rng(n).standard_t(4, n) * 1000
    var, es = var_es(pnl, alpha)
    # the level is rounded first: 1 - 0.95 is 0.05000000000000004 in floating point, one scenario too many
    assert var == pytest.approx(-np.quantile(pnl, round(1 - alpha, 12), method="inverted_cdf"))
    worst = np.sort(pnl)[: int(np.ceil(round(n * (1 - alpha), 9)))]
    assert es == pytest.approx(-worst.mean())
    assert es >= var


def test_parametric_is_the_normal_closed_form_for_a_linear_book() -> None:
    book = make_book([Row("S", 300, 100.0, underlying="A"), Row("S", -100, 50.0, underlying="B")])
    cov = np.array([[0.02**2, 0.5 * 0.02 * 0.03], [0.5 * 0.02 * 0.03, 0.03**2]])
    w = np.array([300 * 100.0, -100 * 50.0])
    sigma = np.sqrt(w @ cov @ w)
    var, es = parametric(book, cov, 0.95, 0.975, vol_beta=-5.0)
    assert var == pytest.approx(norm.ppf(0.95) * sigma, rel=1e-12)
    assert es == pytest.approx(sigma * norm.pdf(norm.ppf(0.975)) / 0.025, rel=1e-12)


def test_quadratic_cumulants_one_factor_closed_form() -> None:
    b, g, s = 1200.0, -900.0, 0.02
    c = quadratic_cumulants(5.0, np.array([b]), np.array([g]), np.array([[s * s]]))
    assert c.mean == pytest.approx(5.0 + 0.5 * g * s**2)
    assert c.var == pytest.approx(b**2 * s**2 + 0.5 * g**2 * s**4)
    assert c.third == pytest.approx(3 * b**2 * g * s**4 + g**3 * s**6)
    assert c.fourth == pytest.approx(12 * b**2 * g**2 * s**6 + 3 * g**4 * s**8)


def test_cornish_fisher_es_matches_integrating_its_quantile_function() -> None:
    c = quadratic_cumulants(0.0, np.array([1000.0]), np.array([-8e5]), np.array([[0.015**2]]))
    assert c.skew < -0.1  # a short-gamma book: a fat left tail
    p = (np.arange(200_000) + 0.5) / 200_000 * 0.025
    assert cornish_fisher_es(0.975, c) == pytest.approx(-cornish_fisher(p, c).mean(), rel=1e-3)


def test_quadratic_cumulants_match_a_simulation_in_two_factors() -> None:
    b, g = np.array([800.0, -300.0]), np.array([-5e4, 2e4])
    cov = np.array([[4e-4, 1.5e-4], [1.5e-4, 2.5e-4]])
    x = np.random.default_rng(0).multivariate_normal(np.zeros(2), cov, 400_000)
    q = x @ b + 0.5 * (x * x) @ g
    c = quadratic_cumulants(0.0, b, g, cov)
    assert c.mean == pytest.approx(q.mean(), abs=4 * q.std() / np.sqrt(q.size))
    assert c.var == pytest.approx(q.var(), rel=0.01)


def _stock_history(n: int = 300, vol: float = 0.015, seed: int = 5) -> pd.DataFrame:
    r = np.random.default_rng(seed).normal(0, vol, n)
    idx = pd.bdate_range("2014-01-01", periods=n + 1)
    return pd.DataFrame({"XYZ": 100 * np.exp(np.concatenate([[0.0], np.cumsum(r)]))}, index=idx)


def test_historical_var_of_shares_is_the_return_percentile_times_notional() -> None:
    closes = _stock_history()
    book = portfolio_book(portfolio(0, (stock("XYZ", 500, 90.0),), total_value=60_000, prices={"XYZ": 110.0}),
                          {}, market())
    scen = historical_scenarios(closes, book.underlyings, 252, vol_beta=-5.0)
    pnl = revalue(book, scen)
    rets = closes["XYZ"].pct_change().dropna().tail(252).to_numpy()
    expected = -np.percentile(500 * 110.0 * rets, 5, method="inverted_cdf")
    assert len(scen) == 252
    assert var_es(pnl, 0.95)[0] == pytest.approx(expected)


def test_monte_carlo_var_of_shares_matches_the_lognormal_quantile() -> None:
    s = 0.02
    scen = monte_carlo_scenarios(np.array([[s * s]]), 200_000, seed=11, vol_beta=-5.0)
    book = make_book([Row("S", 1000, 50.0)])
    var = var_es(revalue(book, scen), 0.95)[0]
    assert var == pytest.approx(1000 * 50.0 * (1 - np.exp(-norm.ppf(0.95) * s)), rel=0.01)


def test_monte_carlo_is_seeded() -> None:
    cov = np.array([[4e-4, 1e-4], [1e-4, 9e-4]])
    a, b = monte_carlo_scenarios(cov, 1000, 7, -5.0), monte_carlo_scenarios(cov, 1000, 7, -5.0)
    np.testing.assert_array_equal(a.returns, b.returns)
    assert not np.array_equal(a.returns, monte_carlo_scenarios(cov, 1000, 8, -5.0).returns)
    assert np.cov(monte_carlo_scenarios(cov, 200_000, 1, -5.0).returns.T, bias=True) == pytest.approx(cov, rel=0.03)


def _short_put_book():  # type: ignore[no-untyped-def]
    q = quote(Right.PUT, 100.0, expiry=date(2016, 1, 23), bid=2.0, ask=2.1, underlying_price=102.0,
              style=Style.EUROPEAN, iv=0.30)
    pos = option_position(Right.PUT, 100.0, contracts=-10, premium=2.2, expiry=date(2016, 1, 23))
    from dataclasses import replace

    pf = portfolio(100_000, (replace(pos, style=Style.EUROPEAN),), prices={"XYZ": 102.0})
    return portfolio_book(pf, {q.symbol: q}, market(rate=0.01))


def test_full_revaluation_matches_quantlib_prices() -> None:
    from tests.pricing.ql_oracle import european, make_env

    book = _short_put_book()
    env = make_env()
    scen = Scenarios(np.array([[-0.05], [0.03]]), np.array([[0.25], [-0.15]]), dt=1 / 365)
    pnl = revalue(book, scen)
    base = european(env, 102.0, 100.0, 30, 0.01, 0.0, 0.30, False)["price"]
    for i, (r, v) in enumerate([(-0.05, 0.25), (0.03, -0.15)]):
        shocked = european(env, 102.0 * (1 + r), 100.0, 29, 0.01, 0.0, 0.30 * (1 + v), False)["price"]
        assert pnl[i] == pytest.approx(-10 * 100 * (shocked - base), rel=1e-7)


def test_taylor_expansion_converges_to_full_revaluation_for_small_moves() -> None:
    book = _short_put_book()
    for size in (0.02, 0.005):
        scen = Scenarios(np.array([[-size]]), np.array([[5 * size]]), dt=0.0)
        full, approx = revalue(book, scen)[0], taylor_pnl(book, scen)[0]
        assert abs(approx - full) < (0.05 if size > 0.01 else 0.005) * abs(full)


def test_dropping_vega_understates_a_short_premium_books_var() -> None:
    book = _short_put_book()
    cov = np.array([[0.015**2]])
    scen = monte_carlo_scenarios(cov, 10_000, 3, CFG.risk.vol_spot_beta)
    full = var_es(revalue(book, scen), 0.95)[0]
    with_vega = var_es(taylor_pnl(book, scen), 0.95)[0]
    without = var_es(taylor_pnl(book, scen, vega=False), 0.95)[0]
    assert abs(with_vega / full - 1) < 0.05
    assert without < 0.9 * full


def test_report_runs_three_ways_and_says_why_historical_is_missing() -> None:
    book = _short_put_book()
    cfg = CFG.replace(mc_scenarios=2000)
    r = var_report(book, 100_000, cfg)
    assert r.var["historical"] is None and "no price history" in r.notes["historical"]
    assert r.var["parametric"] > 0 and r.var["monte_carlo"] > 0
    assert r.expected_shortfall["monte_carlo"] >= r.var["monte_carlo"]
    r2 = var_report(book, 100_000, cfg, _stock_history().rename(columns={"XYZ": "ABC"}))
    assert r2.var["historical"] is None and "no history for XYZ" in r2.notes["historical"]
    r3 = var_report(book, 100_000, cfg, _stock_history())
    assert r3.var["historical"] is not None and r3.var["historical"] > 0


def test_vix_history_drives_historical_vol_moves() -> None:
    closes = _stock_history()
    closes["VIX"] = 20 * np.exp(np.random.default_rng(1).normal(0, 0.05, len(closes)).cumsum())
    scen = historical_scenarios(closes, ("XYZ",), 100, vol_beta=-5.0)
    np.testing.assert_allclose(scen.vol_rel[:, 0], closes["VIX"].pct_change().tail(100).to_numpy())


def test_historical_needs_enough_common_history() -> None:
    with pytest.raises(ValueError, match="common closes"):
        historical_scenarios(_stock_history(50), ("XYZ",), 252, -5.0)


def test_covariance_fills_missing_names_with_their_vol_and_full_correlation() -> None:
    closes = _stock_history()
    cov = covariance(closes, ("XYZ", "NEW"), 252, {"NEW": 0.32})
    sd_new = 0.32 / np.sqrt(252)
    sd_xyz = np.log(closes["XYZ"]).diff().dropna().tail(252).std(ddof=1)
    assert cov[1, 1] == pytest.approx(sd_new**2)
    assert cov[0, 1] == pytest.approx(sd_xyz * sd_new)
    assert np.all(np.linalg.eigvalsh(cov) >= -1e-15)
