"""American prices against QuantLib's high-precision QD+ fixed-point engine; Greeks against differences."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pricing._amer_kernels import american_value, premium_bound, scratch
from pricing.american import ACCURATE, DEFAULT, american, american_price
from pricing.bsm import bsm
from tests.pricing.ql_oracle import american_qdfp, make_env

# A grid over the ranges: T from 1 day to 2 years, vol 5 %-150 %, ITM to OTM, with and without yield.
# A seeded sample of it keeps the test to ~2 s (QuantLib's high-precision engine runs ~100 contracts/s).
_FULL = list(
    itertools.product(
        [70.0, 90.0, 100.0, 110.0, 140.0],  # strike, spot 100
        [1, 7, 30, 91, 365, 730],  # days
        [0.0, 0.03, 0.08],  # rate
        [0.0, 0.02, 0.06],  # dividend yield
        [0.05, 0.25, 0.6, 1.5],  # vol
        [False, True],  # call
    )
)
_rng = np.random.default_rng(11)
GRID = [_FULL[i] for i in _rng.choice(len(_FULL), 160, replace=False)]


@pytest.fixture(scope="module")
def qdfp() -> np.ndarray:
    env = make_env()
    return np.array([american_qdfp(env, 100.0, k, d, r, q, v, c) for k, d, r, q, v, c in GRID])


def _cols() -> tuple[np.ndarray, ...]:
    k, d, r, q, v, c = (np.array(x) for x in zip(*GRID, strict=True))
    return k, d / 365.0, r, q, v, c.astype(bool)


def test_within_half_a_cent_of_quantlib_high_precision(qdfp: np.ndarray) -> None:
    k, t, r, q, v, c = _cols()
    ours = american_price(100.0, k, t, r, q, v, c)
    err = np.abs(ours - qdfp)
    worst = int(np.argmax(err))
    assert err.max() <= 0.005, f"worst {GRID[worst]}: {ours[worst]} vs {qdfp[worst]}"


def test_accurate_scheme_agrees_to_a_thousandth_of_a_cent(qdfp: np.ndarray) -> None:
    k, t, r, q, v, c = _cols()
    sel = slice(0, 40)
    ours = american_price(100.0, k[sel], t[sel], r[sel], q[sel], v[sel], c[sel], ACCURATE)
    assert np.max(np.abs(ours - qdfp[sel])) <= 1e-4


def test_no_arbitrage_bounds() -> None:
    rng = np.random.default_rng(5)
    n = 2_000
    s = rng.uniform(50, 150, n)
    k = rng.uniform(50, 150, n)
    t = rng.uniform(1 / 365, 2.0, n)
    r = rng.uniform(0, 0.1, n)
    q = rng.uniform(0, 0.08, n)
    v = rng.uniform(0.05, 1.5, n)
    c = rng.random(n) < 0.5
    am = american_price(s, k, t, r, q, v, c)
    eu = bsm(s, k, t, r, q, v, c).price
    intrinsic = np.where(c, np.maximum(s - k, 0), np.maximum(k - s, 0))
    assert (am >= eu - 1e-9).all()
    assert (am >= intrinsic - 1e-12).all()
    assert (am <= np.where(c, s, k)).all()


def test_european_where_early_exercise_is_worthless() -> None:
    # Call without dividend, put with zero rate: American = European exactly.
    args = (np.array([100.0, 100.0]), np.array([90.0, 110.0]), 0.5, np.array([0.05, 0.0]), np.array([0.0, 0.02]))
    call = np.array([True, False])
    a = american(*args, 0.3, call)
    e = bsm(*args, 0.3, call)
    for name in ("price", "delta", "gamma", "vega", "theta", "rho"):
        np.testing.assert_allclose(getattr(a, name), getattr(e, name), rtol=1e-13, atol=0)


def test_greeks_match_differences_of_the_price() -> None:
    rng = np.random.default_rng(9)
    n = 300
    s = rng.uniform(60, 140, n)
    k = np.full(n, 100.0)
    t = rng.uniform(30 / 365, 2.0, n)
    r = rng.uniform(0.01, 0.1, n)
    q = rng.uniform(0, 0.06, n)
    v = rng.uniform(0.1, 1.0, n)
    c = rng.random(n) < 0.5
    g = american(s, k, t, r, q, v, c)
    alive = g.gamma > 1e-4  # away from the exercise region, where the price has a kink
    p = american_price(s, k, t, r, q, v, c)
    hs = 0.01
    up, dn = american_price(s + hs, k, t, r, q, v, c), american_price(s - hs, k, t, r, q, v, c)
    np.testing.assert_allclose(g.delta[alive], ((up - dn) / (2 * hs))[alive], atol=1e-4)
    np.testing.assert_allclose(g.gamma[alive], ((up - 2 * p + dn) / hs**2)[alive], atol=1e-4)
    dt = 1e-4
    later, earlier = american_price(s, k, t - dt, r, q, v, c), american_price(s, k, t + dt, r, q, v, c)
    np.testing.assert_allclose(g.theta_year[alive], ((later - earlier) / (2 * dt))[alive], atol=2e-3, rtol=1e-3)
    hv = 1e-4
    vega = (american_price(s, k, t, r, q, v + hv, c) - american_price(s, k, t, r, q, v - hv, c)) / (2 * hv) / 100
    np.testing.assert_allclose(g.vega[alive], vega[alive], atol=1e-4)
    hr = 1e-4
    rho = (american_price(s, k, t, r + hr, q, v, c) - american_price(s, k, t, r - hr, q, v, c)) / (2 * hr) / 100
    np.testing.assert_allclose(g.rho[alive], rho[alive], atol=1e-3)


def test_delta_against_quantlib_differences() -> None:
    env = make_env()
    cases = [
        (90.0, 182, 0.05, 0.0, 0.3, False),
        (100.0, 365, 0.04, 0.03, 0.5, True),
        (105.0, 30, 0.08, 0.0, 0.2, False),
    ]
    for k, d, r, q, v, c in cases:
        h = 0.05
        ref = (american_qdfp(env, 100 + h, k, d, r, q, v, c) - american_qdfp(env, 100 - h, k, d, r, q, v, c)) / (2 * h)
        assert american(100.0, k, d / 365, r, q, v, c).delta[()] == pytest.approx(ref, abs=5e-4)


def test_exercise_region_is_intrinsic_with_no_decay() -> None:
    g = american(60.0, 100.0, 1.0, 0.08, 0.0, 0.2, False)
    assert g.price[()] == pytest.approx(40.0)
    assert (g.delta[()], g.gamma[()], g.theta[()], g.vega[()]) == (-1.0, 0.0, 0.0, 0.0)


def test_every_depth_of_the_solve_is_on_the_accuracy_grid() -> None:
    """The QuantLib comparison above covers each depth DEFAULT picks: European, small and coarse solves, full."""
    h, work = scratch(DEFAULT.arrays)
    tiers = [american_value(100.0, k, d / 365, r, q, v, c, DEFAULT.arrays, h, work)[3] for k, d, r, q, v, c in GRID]
    assert min(np.bincount(tiers, minlength=4)) >= 10


def test_premium_bound_is_above_the_premium() -> None:
    rng = np.random.default_rng(21)
    n = 400
    s = 100.0 * np.exp(rng.uniform(-0.5, 0.5, n))
    t = rng.uniform(1 / 365, 2.0, n)
    r = rng.uniform(0.001, 0.1, n)
    q = rng.uniform(0.0, 0.08, n)
    v = rng.uniform(0.05, 1.5, n)
    premium = american_price(s, 100.0, t, r, q, v, False, ACCURATE) - bsm(s, 100.0, t, r, q, v, False).price
    bound = np.array([100.0 * premium_bound(*x) for x in zip(s, np.full(n, 100.0), t, r, q, v, strict=True)])
    assert (premium <= bound + 1e-9).all()
    assert (bound < 1e-4).sum() > 20  # the bound is tight enough to matter for some contracts


def test_price_and_greeks_calls_give_the_same_price() -> None:
    rng = np.random.default_rng(4)
    n = 2_000
    s = rng.uniform(50, 150, n)
    args = (s, s * np.exp(rng.uniform(-0.4, 0.4, n)), rng.uniform(1 / 365, 2.0, n), rng.uniform(0, 0.1, n),
            rng.uniform(0, 0.06, n), rng.uniform(0.05, 1.5, n), rng.random(n) < 0.5)  # fmt: skip
    np.testing.assert_array_equal(american(*args).price, american_price(*args))
