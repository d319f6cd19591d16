"""Compiled American put pricer: the exercise boundary by spectral collocation and fixed-point iteration.

Method (Andersen, Lake and Offengenden 2016, "High-performance American option pricing"): the early
exercise premium representation of an American put gives, at every time to maturity ``tau``, an integral
equation for the exercise boundary ``B(tau)``. In the form called FP-B,

    B(tau) = K exp(-(r - q) tau) N(tau, B) / D(tau, B),
    N = phi(d-(tau, B/K)) / (vol sqrt(tau)) + r Int_0^tau e^{r u} phi(d-(tau - u, B(tau)/B(u))) / (vol sqrt(tau - u)) du,
    D = Phi(d+(tau, B/K)) + phi(d+(tau, B/K)) / (vol sqrt(tau))
        + q Int_0^tau e^{q u} [Phi(d+(tau - u, .)) + phi(d+(tau - u, .)) / (vol sqrt(tau - u))] du,

with ``d+-(t, z) = (ln z + (r - q +- vol^2/2) t) / (vol sqrt t)``. The boundary is held as
``H(xi) = ln(B/X)^2`` (``X = K min(1, r/q)``, the boundary at maturity) on Chebyshev-Lobatto nodes in
``xi = sqrt(tau)``, where it is smooth; the integrals use Gauss-Legendre after ``tau - u = tau (1 + y)^2 / 4``,
which removes the ``1/sqrt(tau - u)`` singularity; interpolation weights at every quadrature point are
scheme constants, so a sweep is a few dot products and exponentials per point. A few Jacobi sweeps from a closed-form starting guess
converge. The price is the European put plus the premium integral over the boundary; delta and gamma are
the analytic derivatives of that integral (boundary held fixed, which is exact at first order).

Not every contract needs the whole solve: an upper bound of the premium (:func:`premium_bound`) sends
contracts whose premium is negligible to the European value and small ones to the coarse solve alone, and
the coarse solve's own premium estimate stops the rest early where it is small (:func:`premium_tier`).
Normal tails in the price integral come from one exponential and a rational function (Hart's), not erfc.

Calls use put-call symmetry: ``C(S, K, r, q) = P(K, S, q, r)``.
"""

from __future__ import annotations

import math

import numpy as np

from pricing._euro_kernels import bsm_one
from pricing._jit import njit

_INV_SQRT_2PI = 0.3989422804014327
FP_A_CARRY = 5.0
"""FP-A replaces FP-B where ``r - q > FP_A_CARRY vol^2`` (measured: FP-B oscillates from about 6)."""
FP_A_EXTRA = 5
"""Extra fine and coarse sweeps FP-A gets (it contracts more slowly)."""


@njit
def _cdf_from_pdf(x: float, e: float) -> float:
    """Normal CDF from ``e = exp(-x^2/2)`` (Zelen-Severo, absolute error < 7.5e-8).

    Good enough inside the boundary iteration, where it only moves the boundary by ~1e-7 relative and the
    price by far less (the price is stationary in the boundary); prices themselves use :func:`norm_cdf`.
    """
    t = 1.0 / (1.0 + 0.2316419 * abs(x))
    poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))))
    tail = _INV_SQRT_2PI * e * poly
    return 1.0 - tail if x >= 0.0 else tail


# Rational approximation of the normal tail (Hart 1968, algorithm 5666): for ``0 <= x < 7.07``,
# ``N(-x) = exp(-x^2/2) P(x) / Q(x)`` with relative error about 1e-14.
_HART_P = (0.0352624965998911, 0.700383064443688, 6.37396220353165, 33.912866078383, 112.079291497871,
           221.213596169931, 220.206867912376)  # fmt: skip
_HART_Q = (0.0883883476483184, 1.75566716318264, 16.064177579207, 86.7807322029461, 296.564248779674,
           637.333633378831, 793.826512519948, 440.413735824752)  # fmt: skip


@njit
def _tail_from_exp(x: float, e: float) -> float:
    """``N(-x)`` for ``x >= 0`` from ``e = exp(-x^2/2)``; absolute error below 2e-16 (a continued fraction
    beyond ``x = 7.07``, where the tail is below 1e-12)."""
    if x < 7.07106781186547:
        p = _HART_P
        qq = _HART_Q
        num = ((((((p[0] * x + p[1]) * x + p[2]) * x + p[3]) * x + p[4]) * x + p[5]) * x) + p[6]
        den = (((((((qq[0] * x + qq[1]) * x + qq[2]) * x + qq[3]) * x + qq[4]) * x + qq[5]) * x + qq[6]) * x) + qq[7]
        return e * num / den
    return _INV_SQRT_2PI * e / (x + 1.0 / (x + 2.0 / (x + 3.0 / (x + 4.0 / (x + 0.65)))))


@njit
def _upper(x: float, e: float) -> float:
    """``N(-x)`` from ``e = exp(-x^2/2)``, to about 2e-16 absolute and full relative accuracy for ``x > 0``."""
    return _tail_from_exp(x, e) if x >= 0.0 else 1.0 - _tail_from_exp(-x, e)


@njit
def _dot(w: np.ndarray, h: np.ndarray) -> float:
    acc = 0.0
    for m in range(h.size):
        acc += w[m] * h[m]
    return acc


@njit
def initial_boundary(k: float, t_max: float, r: float, q: float, vol: float, zs: np.ndarray, h: np.ndarray) -> None:
    """Closed-form starting boundary ``h`` at the nodes ``zs``: from ``X`` at maturity towards the perpetual
    boundary ``K beta / (beta - 1)``, approached as ``exp(-2 vol sqrt(tau) X / (X - B_inf))`` (the shape of
    Bjerksund-Stensland's trigger price)."""
    x_b = k * min(1.0, r / q) if q > 0.0 else k
    half_v2 = 0.5 * vol * vol
    a = (r - q) / (2.0 * half_v2)
    beta = (0.5 - a) - math.sqrt((a - 0.5) ** 2 + r / half_v2)
    b_inf = k * beta / (beta - 1.0)
    if b_inf >= x_b:
        b_inf = 0.5 * x_b
    for i in range(zs.size):
        tau = t_max * 0.25 * (1.0 + zs[i]) ** 2
        bnd = b_inf + (x_b - b_inf) * math.exp(-2.0 * vol * math.sqrt(tau) * x_b / (x_b - b_inf))
        lr = math.log(bnd / x_b)
        h[i] = lr * lr
    h[zs.size - 1] = 0.0


@njit
def put_boundary(
    k: float,
    t_max: float,
    r: float,
    q: float,
    vol: float,
    zs: np.ndarray,
    lag: np.ndarray,
    yl: np.ndarray,
    wl: np.ndarray,
    iterations: int,
    h: np.ndarray,
    work: np.ndarray,
    fp_a: bool = False,
) -> float:
    """Improve ``h[i] = ln(B(tau_i)/X)^2`` at the nodes ``tau_i = t_max (1 + zs_i)^2 / 4`` by ``iterations``
    Jacobi sweeps of FP-B (of FP-A when ``fp_a``); returns ``X``.

    ``zs`` are the Chebyshev-Lobatto nodes ``cos(i pi / n)`` (``zs[0] = 1`` is ``tau = t_max``), ``yl, wl``
    Gauss-Legendre nodes and weights on [-1, 1], ``lag[i, j]`` the interpolation weights (over the nodes)
    of ``H`` at ``u = tau_i - tau_i (1 + yl_j)^2 / 4``: scheme constants. ``work`` holds at least
    ``n + n * len(yl)`` floats. Requires ``r > 0`` (otherwise a put is never exercised early).
    """
    n = zs.size - 1
    nl = yl.size
    x_b = k * min(1.0, r / q) if q > 0.0 else k
    ln_xk = math.log(x_b / k)
    drift = r - q - 0.5 * vol * vol
    cached = q != 0.0 and iterations > 1
    if cached:  # e^{q u} at every quadrature point, fixed across sweeps
        for i in range(n):
            tau = t_max * 0.25 * (1.0 + zs[i]) ** 2
            for j in range(nl):
                hy = 0.5 * (1.0 + yl[j])
                work[n + i * nl + j] = math.exp(q * tau * (1.0 - hy * hy))
    for _ in range(iterations):
        for i in range(n):
            tau = t_max * 0.25 * (1.0 + zs[i]) ** 2
            s_tau = math.sqrt(tau)
            sh_i = math.sqrt(max(h[i], 0.0))
            sd = vol * s_tau
            dm = (ln_xk - sh_i + drift * tau) / sd
            dp = dm + sd
            ep = math.exp(-0.5 * dp * dp)
            em = math.exp(-0.5 * dm * dm)
            if fp_a:
                n_val = _cdf_from_pdf(dm, em)
                d_val = _cdf_from_pdf(dp, ep)
            else:
                n_val = _INV_SQRT_2PI * em / sd
                d_val = _cdf_from_pdf(dp, ep) + _INV_SQRT_2PI * ep / sd
            n_int = 0.0
            d_sing = 0.0
            d_reg = 0.0
            for j in range(nl):
                hy = 0.5 * (1.0 + yl[j])
                dt = tau * hy * hy  # tau - u
                lr = math.sqrt(max(_dot(lag[i, j], h), 0.0)) - sh_i  # ln(B(tau) / B(u))
                st = sd * hy
                dmj = (lr + drift * dt) / st
                w = wl[j]
                if fp_a:
                    n_int += w * math.exp(r * (tau - dt)) * _cdf_from_pdf(dmj, math.exp(-0.5 * dmj * dmj)) * hy
                else:
                    n_int += w * math.exp(r * (tau - dt) - 0.5 * dmj * dmj)
                if q != 0.0:
                    dpj = dmj + st
                    pp = math.exp(-0.5 * dpj * dpj)
                    eq = work[n + i * nl + j] if cached else math.exp(q * (tau - dt))
                    d_sing += w * eq * pp
                    d_reg += w * eq * _cdf_from_pdf(dpj, pp) * hy
            if fp_a:
                n_val += r * tau * n_int
                d_val += q * tau * d_reg
            else:
                n_val += r * s_tau * _INV_SQRT_2PI * n_int / vol
                d_val += q * (s_tau * _INV_SQRT_2PI * d_sing / vol + tau * d_reg)
            f = k * math.exp(-(r - q) * tau) * n_val / d_val
            if f >= x_b or not (f > 0.0):
                work[i] = 0.0
            else:
                lf = math.log(f / x_b)
                work[i] = lf * lf
        for i in range(n):  # Jacobi: every node is updated from the previous sweep's boundary
            h[i] = work[i]
    return x_b


@njit
def put_premium(
    s: float,
    k: float,
    t_max: float,
    r: float,
    q: float,
    vol: float,
    x_b: float,
    h: np.ndarray,
    xp: np.ndarray,
    wp: np.ndarray,
    lagp: np.ndarray,
) -> tuple:
    """Early exercise premium of the put and its first two spot derivatives for the boundary ``h``.

    The premium is ``Int_0^T [r K e^{-r t} N(-d-(t, S/B(u))) - q S e^{-q t} N(-d+(t, S/B(u)))] du`` with
    ``t = T - u``. It is integrated over ``u = T sin^2(theta)``, Gauss-Legendre in ``theta``: that spacing
    follows both the square-root behaviour of the boundary near ``u = 0`` and the sharp decay of the
    integrand near ``u = T`` when the spot sits close to the boundary. ``xp`` holds ``sin(theta_j)``, ``wp``
    the weights including ``du/dtheta / T``, ``lagp`` the weights interpolating ``H`` there. Delta and gamma
    differentiate the integrand in ``S``.
    """
    ln_s = math.log(s)
    ln_x = math.log(x_b)
    half_v2 = 0.5 * vol * vol
    prem = 0.0
    dprem = 0.0
    gprem = 0.0
    for j in range(xp.size):
        sn = xp[j]
        dt = t_max * (1.0 - sn * sn)
        if dt <= 0.0:
            continue
        ln_bu = ln_x - math.sqrt(max(_dot(lagp[j], h), 0.0))
        st = vol * math.sqrt(dt)
        dm = (ln_s - ln_bu + (r - q - half_v2) * dt) / st
        dp = dm + st
        er = math.exp(-r * dt)
        eq = math.exp(-q * dt)
        e_p = math.exp(-0.5 * dp * dp)
        b_u = math.exp(ln_bu)
        # exp(-dm^2/2) = exp(-dp^2/2) (S / B) e^{(r - q) dt}; directly where exp(-dp^2/2) lost precision.
        e_m = e_p * s * eq / (b_u * er) if e_p > 1e-280 else math.exp(-0.5 * dm * dm)
        ncp = _upper(dp, e_p)
        integrand = r * k * er * _upper(dm, e_m) - q * s * eq * ncp
        pdf_p = _INV_SQRT_2PI * e_p
        c = q - r * k / b_u
        d_int = -q * eq * ncp + eq * pdf_p * c / st
        g_int = eq * pdf_p / (s * st) * (q - c * dp / st)
        wgt = wp[j] * t_max
        prem += wgt * integrand
        dprem += wgt * d_int
        gprem += wgt * g_int
    return prem, dprem, gprem


@njit
def _euro_put(s: float, k: float, t: float, r: float, q: float, vol: float) -> tuple:
    """European put price, delta, gamma (``t > 0``, ``vol > 0``)."""
    sd = vol * math.sqrt(t)
    d1 = (math.log(s / k) + (r - q) * t) / sd + 0.5 * sd
    dq = math.exp(-q * t)
    d2 = d1 - sd
    e1 = math.exp(-0.5 * d1 * d1)
    n1 = _upper(d1, e1)
    price = k * math.exp(-r * t) * _upper(d2, math.exp(-0.5 * d2 * d2)) - s * dq * n1
    return price, -dq * n1, dq * _INV_SQRT_2PI * e1 / (s * sd)


@njit
def premium_bound(s: float, k: float, t: float, r: float, q: float, vol: float) -> float:
    """An upper bound, over ``K``, of the early exercise premium of a put (``r > 0``, ``t > 0``, ``vol > 0``).

    The premium integrand grows with the boundary wherever ``B <= X <= r K / q``, so it is largest for the
    boundary held at ``X``, where it is at most ``r K e^{-r u} N(-d-(u, S/X))``; for ``S > X`` that CDF rises
    with ``u`` up to ``u* = ln(S/X) / (r - q - vol^2/2)`` (when that drift is positive) and falls after, so
    the premium is below ``K (1 - e^{-r t}) N(-d-(min(t, u*), S/X))``.
    """
    x_b = k * min(1.0, r / q) if q > 0.0 else k
    cap = -math.expm1(-r * t)
    a = math.log(s / x_b)
    if a <= 0.0:
        return cap
    m = r - q - 0.5 * vol * vol
    u = min(t, a / m) if m > 0.0 else t
    d = (a + m * u) / (vol * math.sqrt(u))
    return cap * _upper(d, math.exp(-0.5 * d * d))


@njit
def premium_tier(s: float, k: float, t: float, r: float, q: float, vol: float, sch: tuple) -> int:
    """How much of the boundary solve a put needs, from :func:`premium_bound` and ``sch``'s thresholds:
    0 none (the European value), 1 the small coarse solve alone, 2 the coarse solve alone, 3 the full
    scheme, 4 the full scheme unless the coarse solve finds a premium below the acceptance threshold."""
    bound = premium_bound(s, k, t, r, q, vol)
    if bound < sch[17]:
        return 0
    if bound < sch[27]:
        return 1
    if bound < sch[18]:
        return 2
    return 4 if sch[19] > 0.0 else 3


@njit
def put_value(
    s: float,
    k: float,
    t: float,
    r: float,
    q: float,
    vol: float,
    sch: tuple,
    h: np.ndarray,
    work: np.ndarray,
    method: int = -1,
    tier: int = -1,
) -> tuple:
    """``(price, delta, gamma, tier)`` of an American put with ``r > 0``, ``t > 0``, ``vol > 0``.

    ``sch`` is :attr:`pricing.american.Scheme.arrays`; ``h`` and ``work`` are scratch (see :func:`scratch`).
    ``method`` forces FP-B (0) or FP-A (1); -1 chooses by :func:`boundary_method`. ``tier`` forces the depth
    of the solve (see :func:`premium_tier`; -1 chooses); the tier returned is 0 to 3. Finite differences
    and solves hold both fixed, so the price they differentiate or invert is one smooth function.
    """
    zs, lag, yl, wl, iterations, xp, wp, lagp, zs_c, lag_c, yl_c, wl_c, iterations_c, c2f = sch[:14]
    if tier < 0:
        tier = premium_tier(s, k, t, r, q, vol, sch)
    if tier == 0:
        e = _euro_put(s, k, t, r, q, vol)
        if e[0] < k - s:
            return k - s, -1.0, 0.0, tier
        return e[0], e[1], e[2], tier
    # FP-B converges fastest but oscillates when the boundary stays near K for long, i.e. when the rate
    # carry dominates the variance; FP-A is stable there but slower, so it gets more sweeps.
    fp_a = (r - q) > FP_A_CARRY * vol * vol if method < 0 else method == 1
    if fp_a:
        iterations += FP_A_EXTRA
        iterations_c += FP_A_EXTRA
    if tier == 1:
        # The small coarse solve is the whole solve.
        zs_s, lag_s, yl_s, wl_s = sch[20], sch[21], sch[22], sch[23]
        h_s = work[: zs_s.size]
        initial_boundary(k, t, r, q, vol, zs_s, h_s)
        put_boundary(k, t, r, q, vol, zs_s, lag_s, yl_s, wl_s, iterations_c, h_s, work[zs_s.size :], fp_a)
        res = _put_from_boundary(s, k, t, r, q, vol, h_s, sch[24], sch[25], sch[26])
        return res[0], res[1], res[2], 1
    if iterations_c > 0:
        # Coarse solve on few nodes: the whole solve in tier 2, else the starting boundary of the fine one.
        h_c = work[: zs_c.size]
        initial_boundary(k, t, r, q, vol, zs_c, h_c)
        put_boundary(k, t, r, q, vol, zs_c, lag_c, yl_c, wl_c, iterations_c, h_c, work[zs_c.size :], fp_a)
        if tier == 2 or tier == 4:
            res = _put_from_boundary(s, k, t, r, q, vol, h_c, sch[14], sch[15], sch[16])
            # Unasked, the coarse solve is kept where its own premium is small: so is its error.
            if tier == 2 or res[3] < sch[19] * k:
                return res[0], res[1], res[2], 2
        for i in range(zs.size):
            h[i] = max(_dot(c2f[i], h_c), 0.0)
        h[zs.size - 1] = 0.0
    else:
        initial_boundary(k, t, r, q, vol, zs, h)
    put_boundary(k, t, r, q, vol, zs, lag, yl, wl, iterations, h, work, fp_a)
    res = _put_from_boundary(s, k, t, r, q, vol, h, xp, wp, lagp)
    return res[0], res[1], res[2], 3


@njit
def _put_from_boundary(
    s: float,
    k: float,
    t: float,
    r: float,
    q: float,
    vol: float,
    h: np.ndarray,
    xp: np.ndarray,
    wp: np.ndarray,
    lagp: np.ndarray,
) -> tuple:
    """``(price, delta, gamma, premium)`` of the put for the solved boundary ``h`` (premium over the
    European price; ``inf`` in the exercise region)."""
    x_b = k * min(1.0, r / q) if q > 0.0 else k
    b_now = x_b * math.exp(-math.sqrt(max(h[0], 0.0)))
    if s <= b_now:
        return k - s, -1.0, 0.0, math.inf
    e = _euro_put(s, k, t, r, q, vol)
    prem, dprem, gprem = put_premium(s, k, t, r, q, vol, x_b, h, xp, wp, lagp)
    price = e[0] + prem
    if price < k - s:
        price = k - s
    return price, e[1] + dprem, e[2] + gprem, prem


@njit
def american_value(
    s: float,
    k: float,
    t: float,
    r: float,
    q: float,
    vol: float,
    is_call: bool,
    sch: tuple,
    h: np.ndarray,
    work: np.ndarray,
    method: int = -1,
    tier: int = -1,
) -> tuple:
    """``(price, delta, gamma, tier)`` of an American call or put; European values where early exercise is
    worthless (tier 0). ``method`` and ``tier`` as in :func:`put_value`.

    A put is never exercised early when ``r <= 0`` and a call when ``q <= 0`` (for ``q >= 0`` resp. ``r >= 0``;
    the double-boundary case of negative rates below the yield is priced as European). ``t <= 0`` is the
    payoff; ``vol <= 0`` the best deterministic exercise time; invalid inputs NaN.
    """
    valid = (
        math.isfinite(s) and math.isfinite(k) and math.isfinite(t) and math.isfinite(r) and math.isfinite(q)
        and math.isfinite(vol) and s > 0.0 and k > 0.0 and vol >= 0.0
    )  # fmt: skip
    if not valid or t <= 0.0:
        e = bsm_one(s, k, t, r, q, vol, is_call, False)  # NaN, or the payoff
        return e[0], e[1], e[2], 0
    # Put-call symmetry: the call is a put with spot and strike, rate and yield swapped.
    if is_call:
        ps, pk, pr, pq = k, s, q, r
    else:
        ps, pk, pr, pq = s, k, r, q
    if pr * t <= 1e-10:  # the premium is below r K T: nothing to solve (and X = K r/q would underflow)
        e = bsm_one(s, k, t, r, q, vol, is_call, False)
        return e[0], e[1], e[2], 0
    if vol > 0.0 and tier < 0:
        tier = premium_tier(ps, pk, t, pr, pq, vol, sch)
    if vol > 0.0 and tier == 0:
        # The premium is below the scheme's threshold: the European value (at least the intrinsic one).
        e = bsm_one(s, k, t, r, q, vol, is_call, False)
        if e[0] < pk - ps:
            return pk - ps, (1.0 if is_call else -1.0), 0.0, 0
        return e[0], e[1], e[2], 0
    if vol <= 0.0:
        e = bsm_one(s, k, t, r, q, vol, is_call, False)
        # Deterministic path: the best of exercising now, at expiry, or at the stationary time t*.
        best = max(pk - ps, pk * math.exp(-pr * t) - ps * math.exp(-pq * t), 0.0)
        if pq > 0.0 and pq != pr:
            ts = math.log(pq * ps / (pr * pk)) / (pq - pr)
            if 0.0 < ts < t:
                best = max(best, pk * math.exp(-pr * ts) - ps * math.exp(-pq * ts))
        now = best <= pk - ps
        sign = 1.0 if is_call else -1.0
        return best, (sign if now else e[1]), 0.0, 0
    p, dp, gp, tier = put_value(ps, pk, t, pr, pq, vol, sch, h, work, method, tier)
    if not is_call:
        return p, dp, gp, tier
    # C(S, K) = P(K, S) and P is homogeneous of degree one in (spot, strike):
    # dC/dS = dP/dstrike = (P - K dP/dspot) / S, d2C/dS2 = (K/S)^2 d2P/dspot2.
    if gp == 0.0 and dp == -1.0:
        return p, 1.0, 0.0, tier  # exercise region (exactly, so callers can recognise it)
    return p, (p - k * dp) / s, (k / s) ** 2 * gp, tier


@njit
def scratch(sch: tuple) -> tuple:
    """Work arrays ``(h, work)`` for one thread of :func:`american_value` calls with scheme ``sch``."""
    n = sch[0].size - 1
    n_c = sch[8].size - 1
    n_s = sch[20].size - 1
    size = max(n + n * sch[2].size, (n_c + 1) + n_c + n_c * sch[10].size, (n_s + 1) + n_s + n_s * sch[22].size)
    return np.empty(n + 1), np.empty(size)


@njit
def boundary_method(r: float, q: float, vol: float, is_call: bool) -> int:
    """1 (FP-A) where the carry of the equivalent put exceeds ``FP_A_CARRY vol^2``, else 0 (FP-B)."""
    carry = (q - r) if is_call else (r - q)
    return 1 if carry > FP_A_CARRY * vol * vol else 0


@njit
def premium_tier_of(s: float, k: float, t: float, r: float, q: float, vol: float, is_call: bool, sch: tuple) -> int:
    """:func:`premium_tier` of an American call or put with ``t > 0`` and ``vol > 0`` whose early exercise has
    value (through put-call symmetry)."""
    if is_call:
        return premium_tier(k, s, t, q, r, vol, sch)
    return premium_tier(s, k, t, r, q, vol, sch)
