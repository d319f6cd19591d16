"""Compiled scalar kernels for European implied volatility (Black-Scholes-Merton, continuous yield).

The solver works on the normalised Black price of the out-of-the-money option,
``b(x, s) = e^{x/2} N(x/s + s/2) - e^{-x/2} N(x/s - s/2)`` with ``x = ln(F/K) <= 0`` and ``s = vol sqrt(t)``,
which is increasing in ``s``, convex below ``s_c = sqrt(-2x)`` and concave above. Newton steps run on
``ln b`` below ``s_c`` (where ``b`` is exponentially small and ``ln b`` is close to linear in ``1/s``) and on ``b``
above it, inside a bracket that falls back to bisection, so the solve cannot diverge.

Error codes (int8) are translated to reason strings by :mod:`pricing.iv`.
"""

from __future__ import annotations

import math

import numpy as np

from pricing._jit import njit

OK = 0
INVALID_INPUT = 1
EXPIRED = 2
NON_POSITIVE_PRICE = 3
BELOW_INTRINSIC = 4
ABOVE_UPPER_BOUND = 5
NO_CONVERGENCE = 6
CROSSED_QUOTE = 7
NO_TIME_VALUE = 8

S_MAX = 25.0
"""Largest total volatility ``vol * sqrt(t)`` searched; beyond it a price is indistinguishable from its bound."""

_INV_SQRT2 = 0.7071067811865476
_INV_SQRT_2PI = 0.3989422804014327
_SQRT_2PI = 2.5066282746310002


@njit
def norm_cdf(z: float) -> float:
    """Standard normal CDF with full relative accuracy in the lower tail (through erfc)."""
    return 0.5 * math.erfc(-z * _INV_SQRT2)


@njit
def norm_pdf(z: float) -> float:
    return _INV_SQRT_2PI * math.exp(-0.5 * z * z)


@njit
def normalised_otm(x: float, s: float) -> float:
    """Normalised price (over sqrt(F K), undiscounted) of the OTM call at log-moneyness ``x <= 0``."""
    if s <= 0.0:
        return 0.0
    d1 = x / s + 0.5 * s
    return math.exp(0.5 * x) * norm_cdf(d1) - math.exp(-0.5 * x) * norm_cdf(d1 - s)


@njit
def normalised_vega(x: float, s: float) -> float:
    """Derivative of :func:`normalised_otm` in ``s``."""
    if s <= 0.0:
        return 0.0
    d1 = x / s + 0.5 * s
    return math.exp(0.5 * x) * norm_pdf(d1)


@njit
def solve_total_vol(x: float, beta: float) -> float:
    """``s > 0`` with ``normalised_otm(x, s) == beta``; NaN when no such ``s <= S_MAX`` is found.

    Requires ``x <= 0`` and ``0 < beta``; the caller checks the upper bound. Halley steps (third order) on
    ``ln b`` below the inflection point and on ``b`` above it, kept inside a shrinking bracket with
    bisection as the fallback. With ``b' = e^{x/2} phi(d1)``, ``b''/b' = x^2/s^3 - s/4``.
    """
    lo = 0.0
    hi = S_MAX
    ex = math.exp(0.5 * x)
    emx = 1.0 / ex
    sc = math.sqrt(-2.0 * x)
    if sc > 0.0:
        # At the inflection point d1 = 0, so b and b' there cost one erfc; they also start the iteration.
        bc = 0.5 * ex - emx * norm_cdf(-sc)
        s = sc
        b = bc
        v = ex * _INV_SQRT_2PI
        known = True
    else:
        bc = 0.0
        s = min(beta * _SQRT_2PI, 0.5 * S_MAX)  # at the money: Brenner-Subrahmanyam guess
        b = v = 0.0
        known = False
    use_log = beta < bc
    log_beta = math.log(beta)
    x2 = x * x
    for _ in range(100):
        if not known:
            d1 = x / s + 0.5 * s
            b = ex * norm_cdf(d1) - emx * norm_cdf(d1 - s)
            v = ex * _INV_SQRT_2PI * math.exp(-0.5 * d1 * d1)
        known = False
        curv = x2 / (s * s * s) - 0.25 * s  # b'' / b'
        if use_log:
            if b <= 0.0:  # underflow: the root lies above
                lo = s
                s = 0.5 * (lo + hi)
                continue
            f = math.log(b) - log_beta
            fp = v / b
            c2 = curv - fp  # g'' / g'
        else:
            f = b - beta
            fp = v
            c2 = curv
        if f > 0.0:
            hi = s
        elif f < 0.0:
            lo = s
        else:
            return s
        if fp > 0.0:
            step = f / fp
            denom = 1.0 - 0.5 * step * c2
            s_new = s - step / denom if denom > 0.5 else s - step
        else:
            s_new = -1.0
        if not (lo < s_new < hi):
            s_new = 0.5 * (lo + hi)
        elif abs(s_new - s) <= 1e-7 * s_new:
            # Third-order convergence: after a step this small the error is far below rounding.
            return s_new
        if abs(s_new - s) <= 1e-14 * s_new:
            return s_new
        s = s_new
    if hi - lo <= 1e-10 * hi:
        return s
    return math.nan


@njit
def european_iv(price: float, spot: float, strike: float, t: float, rate: float, div: float, is_call: bool) -> tuple:
    """Implied volatility of one European price; returns ``(iv, code)``, iv NaN unless code is OK."""
    if not (
        math.isfinite(price)
        and math.isfinite(spot)
        and math.isfinite(strike)
        and math.isfinite(t)
        and math.isfinite(rate)
        and math.isfinite(div)
    ):
        return math.nan, INVALID_INPUT
    if spot <= 0.0 or strike <= 0.0:
        return math.nan, INVALID_INPUT
    if t <= 0.0:
        return math.nan, EXPIRED
    if price <= 0.0:
        return math.nan, NON_POSITIVE_PRICE
    fwd = spot * math.exp((rate - div) * t)
    undisc = price * math.exp(rate * t)
    # The out-of-the-money option's time value, by put-call parity.
    if is_call:
        intrinsic = max(fwd - strike, 0.0)
        upper = fwd
    else:
        intrinsic = max(strike - fwd, 0.0)
        upper = strike
    tol = 1e-13 * max(fwd, strike)
    if undisc < intrinsic - tol:
        return math.nan, BELOW_INTRINSIC
    if undisc >= upper:
        return math.nan, ABOVE_UPPER_BOUND
    tv = undisc - intrinsic
    if tv <= tol:
        return math.nan, NO_TIME_VALUE
    x = math.log(fwd / strike)
    x = -abs(x)  # the OTM side: a call below the forward or a put above it, same normalised price
    beta = tv / math.sqrt(fwd * strike)
    if beta >= math.exp(0.5 * x) or beta >= normalised_otm(x, S_MAX):
        return math.nan, ABOVE_UPPER_BOUND
    s = solve_total_vol(x, beta)
    if not math.isfinite(s):
        return math.nan, NO_CONVERGENCE
    return s / math.sqrt(t), OK


@njit
def european_iv_loop(
    price: np.ndarray,
    spot: np.ndarray,
    strike: np.ndarray,
    t: np.ndarray,
    rate: np.ndarray,
    div: np.ndarray,
    is_call: np.ndarray,
    out_iv: np.ndarray,
    out_code: np.ndarray,
) -> None:
    """:func:`european_iv` over flat arrays of equal length, writing into ``out_iv`` and ``out_code``."""
    for i in range(price.size):
        iv, code = european_iv(price[i], spot[i], strike[i], t[i], rate[i], div[i], is_call[i])
        out_iv[i] = iv
        out_code[i] = code


@njit
def prob_touch(spot: float, strike: float, t: float, rate: float, div: float, vol: float) -> float:
    """Risk-neutral probability that the underlying reaches ``strike`` (from either side) within ``t``.

    Reflection principle for log price, a Brownian motion with drift ``nu = r - q - vol^2/2``: with
    ``b = ln(K/S)`` and ``m = sign(b)``, ``P = N((-|b| + m nu t)/sd) + exp(2 nu b/vol^2) N((-|b| - m nu t)/sd)``.
    """
    b = math.log(strike / spot)
    if b == 0.0:
        return 1.0
    if t <= 0.0:
        return 0.0
    m = 1.0 if b > 0.0 else -1.0
    nu = rate - div - 0.5 * vol * vol
    drift = m * nu * t
    sd = vol * math.sqrt(t)
    if sd <= 0.0:  # deterministic path: touches iff the drift carries it to the strike
        return 1.0 if drift >= abs(b) else 0.0
    p1 = norm_cdf((-abs(b) + drift) / sd)
    p2 = norm_cdf((-abs(b) - drift) / sd)
    if p2 > 0.0:
        # exp() may overflow where p2 underflows; combine in logs.
        p2 = math.exp(min(2.0 * nu * b / (vol * vol) + math.log(p2), 0.0))
    return min(max(p1 + p2, 0.0), 1.0)


@njit
def bsm_one(
    spot: float, strike: float, t: float, rate: float, div: float, vol: float, is_call: bool, touch: bool = True
) -> tuple:
    """``(price, delta, gamma, vega, theta_year, rho, prob_otm, prob_touch)`` of one European contract.

    Units as in :mod:`pricing.bsm` (vega and rho per point, theta per year). ``t <= 0`` gives the payoff;
    ``vol == 0`` the deterministic forward limit; invalid inputs NaN everywhere. ``touch=False`` skips
    the touch probability (NaN), the most expensive output.
    """
    nan = math.nan
    if (
        not (
            math.isfinite(spot)
            and math.isfinite(strike)
            and math.isfinite(t)
            and math.isfinite(rate)
            and math.isfinite(div)
            and math.isfinite(vol)
        )
        or spot <= 0.0
        or strike <= 0.0
        or vol < 0.0
    ):
        return nan, nan, nan, nan, nan, nan, nan, nan
    sign = 1.0 if is_call else -1.0
    if t <= 0.0:
        payoff = max(sign * (spot - strike), 0.0)
        itm = payoff > 0.0
        return (payoff, sign if itm else 0.0, 0.0, 0.0, 0.0, 0.0, 0.0 if itm else 1.0, 1.0 if spot == strike else 0.0)
    sqrt_t = math.sqrt(t)
    dq = math.exp(-div * t)
    dr = math.exp(-rate * t)
    sd = vol * sqrt_t
    fwd_log = math.log(spot / strike) + (rate - div) * t
    if sd > 0.0:
        d1 = fwd_log / sd + 0.5 * sd
        d2 = d1 - sd
        pdf1 = norm_pdf(d1)
        gamma = dq * pdf1 / (spot * sd)
    else:
        # vol 0: N(d) becomes a step at the forward; at the forward exactly both are 1/2.
        d1 = math.inf if fwd_log > 0.0 else (-math.inf if fwd_log < 0.0 else 0.0)
        d2 = d1
        pdf1 = 0.0
        gamma = 0.0
    nd1 = norm_cdf(sign * d1)
    nd2 = norm_cdf(sign * d2)
    price = sign * (spot * dq * nd1 - strike * dr * nd2)
    delta = sign * dq * nd1
    vega = spot * dq * pdf1 * sqrt_t / 100.0
    theta_year = (
        -spot * dq * pdf1 * vol / (2.0 * sqrt_t) - sign * rate * strike * dr * nd2 + sign * div * spot * dq * nd1
    )
    rho = sign * strike * t * dr * nd2 / 100.0
    prob_otm = 1.0 - nd2 if (sd > 0.0 or fwd_log != 0.0) else 1.0
    p_touch = prob_touch(spot, strike, t, rate, div, vol) if touch else nan
    return price, delta, gamma, vega, theta_year, rho, prob_otm, p_touch


@njit
def bsm_loop(
    spot: np.ndarray,
    strike: np.ndarray,
    t: np.ndarray,
    rate: np.ndarray,
    div: np.ndarray,
    vol: np.ndarray,
    is_call: np.ndarray,
    out: np.ndarray,
) -> None:
    """:func:`bsm_one` over flat arrays; ``out`` has shape (8, n) in the tuple's order."""
    for i in range(spot.size):
        res = bsm_one(spot[i], strike[i], t[i], rate[i], div[i], vol[i], is_call[i])
        for j in range(8):
            out[j, i] = res[j]


@njit
def iv_greeks_loop(
    price: np.ndarray,
    spot: np.ndarray,
    strike: np.ndarray,
    t: np.ndarray,
    rate: np.ndarray,
    div: np.ndarray,
    is_call: np.ndarray,
    touch: bool,
    out: np.ndarray,
    out_code: np.ndarray,
) -> None:
    """Implied volatility then price and Greeks at it, fused: ``out`` rows are iv followed by the eight
    outputs of :func:`bsm_one` (NaN where the solve failed); ``touch=False`` leaves prob_touch NaN."""
    for i in range(price.size):
        iv, code = european_iv(price[i], spot[i], strike[i], t[i], rate[i], div[i], is_call[i])
        out_code[i] = code
        out[0, i] = iv
        if code != OK:
            for j in range(1, 9):
                out[j, i] = math.nan
            continue
        res = bsm_one(spot[i], strike[i], t[i], rate[i], div[i], iv, is_call[i], touch)
        for j in range(8):
            out[j + 1, i] = res[j]


@njit
def bsm_price_loop(
    spot: np.ndarray,
    strike: np.ndarray,
    t: np.ndarray,
    rate: np.ndarray,
    div: np.ndarray,
    vol: np.ndarray,
    is_call: np.ndarray,
    out: np.ndarray,
) -> None:
    """Price only of :func:`bsm_one` over flat arrays (the compiler drops the unused Greeks)."""
    for i in range(spot.size):
        out[i] = bsm_one(spot[i], strike[i], t[i], rate[i], div[i], vol[i], is_call[i], False)[0]
