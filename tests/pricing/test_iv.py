"""Implied volatility: recovery on random contracts, QuantLib cross-check, every reason code, hard corners."""

from __future__ import annotations

import numpy as np
import pytest

from pricing.american import american
from pricing.bsm import bsm
from pricing.iv import REASONS, implied_vol
from tests.pricing.ql_oracle import TODAY, make_env, ql

HOUR = 1.0 / (365.0 * 24.0)


def _random_contracts(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    s = rng.uniform(5.0, 1000.0, n)
    return {
        "s": s,
        "k": s * np.exp(rng.uniform(-1.0, 1.0, n)),
        "t": np.where(rng.random(n) < 0.2, rng.uniform(HOUR, 2.0 / 365.0, n), rng.uniform(1 / 365, 3.0, n)),
        "r": rng.uniform(-0.01, 0.12, n),
        "q": rng.uniform(0.0, 0.08, n),
        "v": rng.uniform(0.03, 2.5, n),
        "call": rng.random(n) < 0.5,
    }


def test_european_recovery_where_vega_is_material() -> None:
    c = _random_contracts(50_000, 1)
    res = bsm(c["s"], c["k"], c["t"], c["r"], c["q"], c["v"], c["call"])
    ivr = implied_vol(res.price, c["s"], c["k"], c["t"], c["r"], c["q"], c["call"])
    material = res.vega >= 1e-4
    assert material.sum() > 30_000
    assert (ivr.error[material] == "").all()
    assert np.max(np.abs(ivr.iv[material] - c["v"][material])) <= 1e-6
    # Elsewhere: either recovered or NaN with a reason, never a silent number.
    rest = ~material
    solved = ivr.error[rest] == ""
    assert np.isnan(ivr.iv[rest][~solved]).all()
    assert set(ivr.error[rest][~solved]) <= set(REASONS) - {""}


def test_hours_to_expiry_and_deep_otm() -> None:
    # Three hours left, at the money and 3 % out; a deep OTM put a year out.
    s = np.array([100.0, 100.0, 100.0])
    k = np.array([100.0, 103.0, 40.0])
    t = np.array([3 * HOUR, 3 * HOUR, 1.0])
    v = np.array([0.35, 0.9, 0.45])
    call = np.array([True, True, False])
    price = bsm(s, k, t, 0.05, 0.0, v, call).price
    ivr = implied_vol(price, s, k, t, 0.05, 0.0, call)
    assert (ivr.error == "").all()
    np.testing.assert_allclose(ivr.iv, v, rtol=0, atol=1e-9)


def test_matches_quantlib_implied_volatility() -> None:
    env = make_env()
    c = _random_contracts(300, 2)
    days = np.maximum(np.round(c["t"] * 365), 1).astype(int)
    t = days / 365.0
    v = np.clip(c["v"], 0.05, 1.5)
    k = c["s"] * np.exp(np.clip(np.log(c["k"] / c["s"]), -0.3, 0.3))
    res = bsm(c["s"], k, t, c["r"], c["q"], v, c["call"])
    price = res.price
    ours = implied_vol(price, c["s"], k, t, c["r"], c["q"], c["call"]).iv
    checked = 0
    for i in np.flatnonzero(res.vega >= 1e-4):  # below that the price barely depends on volatility
        env.spot.setValue(float(c["s"][i]))  # type: ignore[attr-defined]
        env.rate.setValue(float(c["r"][i]))  # type: ignore[attr-defined]
        env.div.setValue(float(c["q"][i]))  # type: ignore[attr-defined]
        payoff = ql.PlainVanillaPayoff(ql.Option.Call if c["call"][i] else ql.Option.Put, float(k[i]))
        opt = ql.VanillaOption(payoff, ql.EuropeanExercise(TODAY + int(days[i])))
        opt.setPricingEngine(ql.AnalyticEuropeanEngine(env.process))
        try:
            ref = opt.impliedVolatility(float(price[i]), env.process, 1e-12, 1000, 1e-4, 5.0)
        except RuntimeError:
            continue  # QuantLib gives up on some far-wing prices; the recovery test covers those
        assert ours[i] == pytest.approx(ref, abs=1e-7)
        checked += 1
    assert checked > 200


@pytest.mark.parametrize(
    ("price", "spot", "strike", "t", "call", "reason"),
    [
        (0.0, 100.0, 100.0, 0.1, True, "non_positive_price"),
        (-1.0, 100.0, 100.0, 0.1, False, "non_positive_price"),
        (4.0, 100.0, 95.0, 0.1, True, "below_intrinsic"),  # intrinsic is 5
        (100.0, 100.0, 95.0, 0.1, True, "above_upper_bound"),  # a call is worth less than the stock
        (96.0, 100.0, 95.0, 0.1, False, "above_upper_bound"),  # a put less than the discounted strike
        (1.0, 100.0, 100.0, 0.0, True, "expired"),
        (1.0, 100.0, 100.0, -0.01, True, "expired"),
        (1.0, 0.0, 100.0, 0.1, True, "invalid_input"),
        (1.0, 100.0, float("nan"), 0.1, True, "invalid_input"),
        (float("inf"), 100.0, 100.0, 0.1, True, "invalid_input"),
    ],
)
def test_reasons(price: float, spot: float, strike: float, t: float, call: bool, reason: str) -> None:
    res = implied_vol(price, spot, strike, t, 0.0, 0.0, call)
    assert res.error[()] == reason
    assert np.isnan(res.iv[()])


def test_price_at_intrinsic_has_no_time_value() -> None:
    # Zero rates: the lower bound is exactly spot - strike.
    res = implied_vol(5.0, 100.0, 95.0, 0.1, 0.0, 0.0, True)
    assert res.error[()] == "no_time_value" and np.isnan(res.iv[()])


def test_crossed_quote_wins_over_a_solvable_mid() -> None:
    res = implied_vol([2.0, 2.0], 100.0, 100.0, 0.1, 0.01, 0.0, True, bid=[2.1, 1.9], ask=[1.9, 2.1])
    assert list(res.error) == ["crossed_quote", ""]
    assert np.isnan(res.iv[0]) and np.isfinite(res.iv[1])


def test_american_recovery_and_bounds() -> None:
    c = _random_contracts(3_000, 3)
    t = np.maximum(c["t"], 1 / 365)
    r = np.abs(c["r"])
    v = np.clip(c["v"], 0.05, 1.5)
    am = american(c["s"], c["k"], t, r, c["q"], v, c["call"])
    ivr = implied_vol(am.price, c["s"], c["k"], t, r, c["q"], c["call"], True)
    material = am.vega >= 1e-3
    assert material.sum() > 1_500
    assert (ivr.error[material] == "").all()
    assert np.max(np.abs(ivr.iv[material] - v[material])) <= 1e-6
    # In the exercise region the price is intrinsic: no volatility can be read from it.
    exercised = (am.vega == 0.0) & (am.gamma == 0.0) & (np.abs(am.delta) == 1.0)
    assert exercised.sum() > 50
    assert set(ivr.error[exercised]) <= {"no_time_value", ""}


def test_american_below_spot_intrinsic_is_rejected_where_european_would_accept() -> None:
    # Deep ITM put: 19.5 is above the European lower bound (K e^-rT - S) but below K - S = 20.
    assert implied_vol(19.5, 80.0, 100.0, 1.0, 0.05, 0.0, False).error[()] == ""
    res = implied_vol(19.5, 80.0, 100.0, 1.0, 0.05, 0.0, False, True)
    assert res.error[()] == "below_intrinsic"


def test_american_call_without_dividend_is_european() -> None:
    price = bsm(100.0, 110.0, 0.5, 0.04, 0.0, 0.3, True).price
    a = implied_vol(price, 100.0, 110.0, 0.5, 0.04, 0.0, True, True)
    e = implied_vol(price, 100.0, 110.0, 0.5, 0.04, 0.0, True, False)
    assert a.iv[()] == e.iv[()]


def test_shapes_broadcast() -> None:
    res = implied_vol(np.full((2, 3), 2.0), 100.0, np.array([95.0, 100.0, 105.0]), 0.1, 0.02, 0.0, True)
    assert res.iv.shape == (2, 3) and res.error.shape == (2, 3)
