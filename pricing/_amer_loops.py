"""Compiled loops over arrays of contracts: American price, price with Greeks, implied volatility.

``sch`` is always :attr:`pricing.american.Scheme.arrays`.
"""

from __future__ import annotations

import math

import numpy as np

from pricing import _euro_kernels as ek
from pricing._amer_kernels import american_value, boundary_method, premium_tier_of, scratch
from pricing._jit import njit, njit_parallel, prange

_VEGA_BUMP = 1e-4
_RHO_BUMP = 1e-4
_IV_TOL = 1e-10
"""Absolute volatility tolerance of the American IV solve (the secant's last step is far smaller)."""
_THETA_BUMP = 1e-4
"""Years (under an hour) each side for the central difference in time to expiry."""
_VOL_CAP = 20.0
"""Largest volatility (2000 %) the American solver brackets; prices needing more are above the bound."""


@njit
def american_price_loop(
    s: np.ndarray,
    k: np.ndarray,
    t: np.ndarray,
    r: np.ndarray,
    q: np.ndarray,
    vol: np.ndarray,
    is_call: np.ndarray,
    sch: tuple,
    out: np.ndarray,
    lo: int,
    hi: int,
) -> None:
    """American prices of positions ``lo:hi`` of flat arrays into ``out``."""
    h, work = scratch(sch)
    for i in range(lo, hi):
        out[i] = american_value(s[i], k[i], t[i], r[i], q[i], vol[i], is_call[i], sch, h, work)[0]


@njit
def american_greeks_loop(
    s: np.ndarray,
    k: np.ndarray,
    t: np.ndarray,
    r: np.ndarray,
    q: np.ndarray,
    vol: np.ndarray,
    is_call: np.ndarray,
    sch: tuple,
    out: np.ndarray,
    lo: int,
    hi: int,
) -> None:
    """Rows of ``out`` (6, n), positions ``lo:hi``: price, delta, gamma, vega (per point), theta (per year),
    rho (per point).

    Delta and gamma are analytic in the premium integral. Theta, vega and rho are central differences of
    full re-solves (the discretised price is a smooth function of all three); theta is zero in the exercise
    region. Theta from the Black-Scholes equation (``r V - (r - q) S delta - vol^2 S^2 gamma / 2``) was
    measured less accurate: it multiplies the small error of gamma by ``S^2 vol^2 / 2``.
    """
    h, work = scratch(sch)
    for i in range(lo, hi):
        si, ki, ti, ri, qi, vi, ci = s[i], k[i], t[i], r[i], q[i], vol[i], is_call[i]
        if not ((qi > 0.0) if ci else (ri > 0.0)):
            # Early exercise is worthless: the European values, analytic.
            e = ek.bsm_one(si, ki, ti, ri, qi, vi, ci, False)
            out[0, i], out[1, i], out[2, i], out[3, i], out[4, i], out[5, i] = e[0], e[1], e[2], e[3], e[4], e[5]
            continue
        m = boundary_method(ri, qi, vi, ci)  # held for every bump: one smooth price function
        p, d, g, tr = american_value(si, ki, ti, ri, qi, vi, ci, sch, h, work, m)  # its depth is held too
        out[0, i] = p
        out[1, i] = d
        out[2, i] = g
        if not math.isfinite(p) or ti <= 0.0:
            fill = 0.0 if math.isfinite(p) else math.nan
            out[3, i] = fill
            out[4, i] = fill
            out[5, i] = fill
            continue
        # Full re-solves: a boundary warm-started from the base one converges too little in one sweep to
        # carry the right sensitivity, and more sweeps cost more than the (coarse-started) solve.
        hv = min(_VEGA_BUMP, 0.5 * vi) if vi > 0.0 else _VEGA_BUMP
        lo_v = max(vi - hv, 0.0)
        up = american_value(si, ki, ti, ri, qi, vi + hv, ci, sch, h, work, m, tr)[0]
        dn = american_value(si, ki, ti, ri, qi, lo_v, ci, sch, h, work, m, tr)[0]
        out[3, i] = (up - dn) / (vi + hv - lo_v) / 100.0
        up = american_value(si, ki, ti, ri + _RHO_BUMP, qi, vi, ci, sch, h, work, m, tr)[0]
        dn = american_value(si, ki, ti, ri - _RHO_BUMP, qi, vi, ci, sch, h, work, m, tr)[0]
        out[5, i] = (up - dn) / (2.0 * _RHO_BUMP) / 100.0
        if g == 0.0 and abs(d) == 1.0:
            out[4, i] = 0.0  # exercise region: the value is intrinsic and does not decay
        else:
            ht = min(_THETA_BUMP, 0.25 * ti)
            later = american_value(si, ki, ti - ht, ri, qi, vi, ci, sch, h, work, m, tr)[0]
            earlier = american_value(si, ki, ti + ht, ri, qi, vi, ci, sch, h, work, m, tr)[0]
            out[4, i] = (later - earlier) / (2.0 * ht)


@njit
def american_iv_one(
    price: float,
    s: float,
    k: float,
    t: float,
    r: float,
    q: float,
    is_call: bool,
    sch: tuple,
    h: np.ndarray,
    work: np.ndarray,
) -> tuple:
    """Implied volatility of an American price; ``(iv, code)`` with the codes of :mod:`pricing._euro_kernels`.

    Bounds: spot intrinsic and the zero-volatility American value below, spot (call) or strike (put) above.
    The solve is a bracketed secant on the American price, started from the European implied volatility
    (an upper bound, since American >= European) and from the European IV of the price less the early
    exercise premium found there.
    """
    eur_iv, code = ek.european_iv(price, s, k, t, r, q, is_call)
    if code == ek.INVALID_INPUT or code == ek.EXPIRED or code == ek.NON_POSITIVE_PRICE:
        return math.nan, code
    early = (q > 0.0) if is_call else (r > 0.0)
    intrinsic = max(s - k, 0.0) if is_call else max(k - s, 0.0)
    tol = 1e-13 * max(s, k)
    if price < intrinsic - tol:
        return math.nan, ek.BELOW_INTRINSIC
    if not early:
        return eur_iv, code
    if price >= (s if is_call else k):
        return math.nan, ek.ABOVE_UPPER_BOUND
    v0 = american_value(s, k, t, r, q, 0.0, is_call, sch, h, work)[0]
    if price < v0 - tol:
        return math.nan, ek.BELOW_INTRINSIC
    if price <= v0 + tol:
        return math.nan, ek.NO_TIME_VALUE
    hi = eur_iv if code == ek.OK else _VOL_CAP
    m = boundary_method(r, q, hi, is_call)
    g_hi, _, _, tier = american_value(s, k, t, r, q, hi, is_call, sch, h, work, m)
    g_hi -= price
    if g_hi < 0.0:
        if hi >= _VOL_CAP:
            return math.nan, ek.ABOVE_UPPER_BOUND
        hi = _VOL_CAP
        m = boundary_method(r, q, hi, is_call)
        g_hi, _, _, tier = american_value(s, k, t, r, q, hi, is_call, sch, h, work, m)
        g_hi -= price
        if g_hi < 0.0:
            return math.nan, ek.ABOVE_UPPER_BOUND
    if g_hi == 0.0:
        return hi, ek.OK
    # The boundary method and the depth of the solve are held through a solve (one smooth price function);
    # if those the answer itself would get differ, the solve is repeated with them, so the volatility found
    # reprices the quote as american() prices it.
    x = _secant(price, s, k, t, r, q, is_call, sch, h, work, m, tier, hi, g_hi)
    if not math.isfinite(x):
        return math.nan, ek.NO_CONVERGENCE
    m_x = boundary_method(r, q, x, is_call)
    tier_x = premium_tier_of(s, k, t, r, q, x, is_call, sch)
    if tier_x == 4 or m_x != m:
        tier_x = american_value(s, k, t, r, q, x, is_call, sch, h, work, m_x)[3]
    if tier_x == tier and m_x == m:
        return x, ek.OK
    g = american_value(s, k, t, r, q, hi, is_call, sch, h, work, m_x, tier_x)[0] - price
    if g < 0.0:
        return x, ek.OK  # no root with the choices at x: the first answer stands
    x2 = _secant(price, s, k, t, r, q, is_call, sch, h, work, m_x, tier_x, hi, g)
    return (x2, ek.OK) if math.isfinite(x2) else (math.nan, ek.NO_CONVERGENCE)


@njit
def _secant(
    price: float,
    s: float,
    k: float,
    t: float,
    r: float,
    q: float,
    is_call: bool,
    sch: tuple,
    h: np.ndarray,
    work: np.ndarray,
    m: int,
    tier: int,
    hi: float,
    g_hi: float,
) -> float:
    """Bracketed secant for the volatility in (0, ``hi``] where the American price (method ``m``, depth
    ``tier``) equals ``price``; ``g_hi > 0`` is the excess at ``hi``. NaN without convergence."""
    lo = 0.0
    if g_hi == 0.0:
        return hi
    # Second start: take off the early exercise premium seen at the upper point, solve the European problem.
    x0, g0 = hi, g_hi
    premium = g_hi + price - ek.bsm_one(s, k, t, r, q, hi, is_call, False)[0]
    x1, c1 = ek.european_iv(price - premium, s, k, t, r, q, is_call)
    if c1 != ek.OK or not (lo < x1 < hi):
        x1 = 0.5 * (lo + hi)
    g1 = american_value(s, k, t, r, q, x1, is_call, sch, h, work, m, tier)[0] - price
    for _ in range(60):
        if g1 > 0.0:
            hi = x1
        elif g1 < 0.0:
            lo = x1
        else:
            return x1
        x2 = x1 - g1 * (x1 - x0) / (g1 - g0) if g1 != g0 else -1.0
        if not (lo < x2 < hi):
            x2 = 0.5 * (lo + hi)
        if abs(x2 - x1) <= _IV_TOL or hi - lo <= _IV_TOL:
            return x2
        x0, g0 = x1, g1
        x1 = x2
        g1 = american_value(s, k, t, r, q, x1, is_call, sch, h, work, m, tier)[0] - price
    return math.nan


@njit
def american_iv_loop(
    price: np.ndarray,
    s: np.ndarray,
    k: np.ndarray,
    t: np.ndarray,
    r: np.ndarray,
    q: np.ndarray,
    is_call: np.ndarray,
    idx: np.ndarray,
    sch: tuple,
    out_iv: np.ndarray,
    out_code: np.ndarray,
    lo: int,
    hi: int,
) -> None:
    """American implied volatility for the positions ``idx[lo:hi]`` of the flat arrays, written in place."""
    h, work = scratch(sch)
    for j in range(lo, hi):
        i = idx[j]
        iv, code = american_iv_one(price[i], s[i], k[i], t[i], r[i], q[i], is_call[i], sch, h, work)
        out_iv[i] = iv
        out_code[i] = code


@njit_parallel
def price_parallel(
    s: np.ndarray,
    k: np.ndarray,
    t: np.ndarray,
    r: np.ndarray,
    q: np.ndarray,
    vol: np.ndarray,
    is_call: np.ndarray,
    sch: tuple,
    out: np.ndarray,
    chunks: int,
) -> None:
    """:func:`american_price_loop` over ``chunks`` slices run on numba's threads (results do not depend
    on the split: every contract is priced on its own)."""
    n = s.size
    for c in prange(chunks):
        american_price_loop(s, k, t, r, q, vol, is_call, sch, out, c * n // chunks, (c + 1) * n // chunks)


@njit_parallel
def greeks_parallel(
    s: np.ndarray,
    k: np.ndarray,
    t: np.ndarray,
    r: np.ndarray,
    q: np.ndarray,
    vol: np.ndarray,
    is_call: np.ndarray,
    sch: tuple,
    out: np.ndarray,
    chunks: int,
) -> None:
    """:func:`american_greeks_loop` over ``chunks`` slices on numba's threads."""
    n = s.size
    for c in prange(chunks):
        american_greeks_loop(s, k, t, r, q, vol, is_call, sch, out, c * n // chunks, (c + 1) * n // chunks)


@njit_parallel
def iv_parallel(
    price: np.ndarray,
    s: np.ndarray,
    k: np.ndarray,
    t: np.ndarray,
    r: np.ndarray,
    q: np.ndarray,
    is_call: np.ndarray,
    idx: np.ndarray,
    sch: tuple,
    out_iv: np.ndarray,
    out_code: np.ndarray,
    chunks: int,
) -> None:
    """:func:`american_iv_loop` over ``chunks`` slices of ``idx`` on numba's threads."""
    n = idx.size
    for c in prange(chunks):
        american_iv_loop(
            price, s, k, t, r, q, is_call, idx, sch, out_iv, out_code, c * n // chunks, (c + 1) * n // chunks
        )
