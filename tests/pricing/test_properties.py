"""Invariants that hold for every contract: parity, monotonicity, bounds, Greeks adding up, round trips."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain.types import Greeks
from pricing.american import american, american_price
from pricing.bsm import bsm
from pricing.iv import implied_vol

spots = st.floats(5.0, 2000.0)
moneyness = st.floats(-0.8, 0.8)
times = st.floats(1.0 / (365 * 24), 3.0)
rates = st.floats(-0.01, 0.12)
yields = st.floats(0.0, 0.08)
vols = st.floats(0.02, 2.5)

FAST = settings(max_examples=150, deadline=None)


@FAST
@given(spots, moneyness, times, rates, yields, vols)
def test_put_call_parity(s: float, m: float, t: float, r: float, q: float, v: float) -> None:
    k = s * np.exp(m)
    c = bsm(s, k, t, r, q, v, True)
    p = bsm(s, k, t, r, q, v, False)
    forward = s * np.exp(-q * t) - k * np.exp(-r * t)
    assert abs((c.price - p.price) - forward) <= 1e-10 * max(s, k)
    # Greeks of call minus put are those of the forward: delta e^{-qT}, no gamma, no vega.
    assert abs((c.delta - p.delta) - np.exp(-q * t)) <= 1e-12
    assert abs(c.gamma - p.gamma) <= 1e-12 * max(c.gamma, 1e-300) + 1e-15
    assert abs(c.vega - p.vega) <= 1e-12 * max(c.vega, 1e-300) + 1e-15
    assert abs((c.rho - p.rho) - k * t * np.exp(-r * t) / 100) <= 1e-10 * k * max(t, 1.0)


@FAST
@given(spots, moneyness, times, rates, yields, vols, st.booleans())
@example(5.0, -0.798828125, 0.2109375, 0.0, 0.0, 0.203125, True)  # the higher vol rounded one ulp lower
def test_price_increases_with_volatility(
    s: float, m: float, t: float, r: float, q: float, v: float, call: bool
) -> None:
    k = s * np.exp(m)
    lo, hi = bsm(s, k, t, r, q, [v, v * 1.05], call).price
    # deep in the money the vol term is below the price's last bit: equal up to rounding there
    assert hi >= lo - 4 * np.spacing(lo)
    assert bsm(s, k, t, r, q, v, call).vega >= 0


@settings(max_examples=60, deadline=None)
@given(st.floats(50, 150), st.floats(-0.4, 0.4), st.floats(2 / 365, 2.0), st.floats(0, 0.1), st.floats(0, 0.06),
       st.floats(0.05, 1.5), st.booleans())  # fmt: skip
def test_american_bounds_and_monotone_in_vol(
    s: float, m: float, t: float, r: float, q: float, v: float, call: bool
) -> None:
    k = s * np.exp(m)
    am = american_price(s, k, t, r, q, [v, v * 1.05], call)
    eu = bsm(s, k, t, r, q, v, call).price
    intrinsic = max(s - k, 0.0) if call else max(k - s, 0.0)
    assert am[0] >= eu - 1e-9 and am[0] >= intrinsic - 1e-12
    assert am[1] >= am[0] - 1e-9
    assert am[0] <= (s if call else k)


@FAST
@given(spots, moneyness, times, rates, yields, vols, st.booleans())
def test_iv_round_trip(s: float, m: float, t: float, r: float, q: float, v: float, call: bool) -> None:
    k = s * np.exp(m)
    res = bsm(s, k, t, r, q, v, call)
    ivr = implied_vol(res.price, s, k, t, r, q, call)
    if res.vega >= 1e-4:
        assert ivr.error[()] == "" and abs(ivr.iv[()] - v) <= 1e-6
    elif ivr.error[()] == "":  # solved where the price barely moves with vol: it must reprice the quote
        assert abs(bsm(s, k, t, r, q, ivr.iv[()], call).price - res.price) <= 1e-9 * max(s, k)
    assert (ivr.error[()] == "") == np.isfinite(ivr.iv[()])


@FAST
@given(st.lists(st.tuples(st.floats(0.5, 2.0), st.floats(-0.3, 0.3), st.booleans(), st.integers(-5, 5)),
                min_size=1, max_size=6))  # fmt: skip
def test_position_greeks_add_up(legs: list[tuple[float, float, bool, int]]) -> None:
    """Per-unit Greeks scaled by quantity x multiplier and summed equal the vectorised sum."""
    s, t, r, q = 100.0, 0.25, 0.03, 0.01
    k = np.array([s * np.exp(m) for _, m, _, _ in legs])
    v = np.array([0.2 * f for f, _, _, _ in legs])
    call = np.array([c for _, _, c, _ in legs])
    qty = np.array([n for _, _, _, n in legs], dtype=float) * 100
    g = bsm(s, k, t, r, q, v, call)
    book = Greeks.total([Greeks(*(float(getattr(g, f)[i]) for f in ("delta", "gamma", "vega", "theta", "rho"))).scale(qty[i])
                         for i in range(len(legs))])  # fmt: skip
    for field in ("delta", "gamma", "vega", "theta", "rho"):
        assert abs(getattr(book, field) - float(np.sum(getattr(g, field) * qty))) <= 1e-9 * (1 + np.sum(np.abs(qty)))


def test_american_greeks_scale_with_the_contract() -> None:
    """Homogeneity: scaling spot and strike by c scales price by c, delta by 1, gamma by 1/c."""
    a = american(100.0, 105.0, 0.5, 0.05, 0.02, 0.3, False)
    b = american(200.0, 210.0, 0.5, 0.05, 0.02, 0.3, False)
    assert b.price == np.float64(b.price) and abs(b.price - 2 * a.price) <= 1e-9
    assert abs(b.delta - a.delta) <= 1e-9 and abs(b.gamma - a.gamma / 2) <= 1e-9
