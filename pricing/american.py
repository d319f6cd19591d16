"""American options on a stock with a continuous dividend yield: price, Greeks and implied volatility.

The exercise boundary is solved by the spectral fixed-point method of Andersen, Lake and Offengenden
(see :mod:`pricing._amer_kernels`); a :class:`Scheme` fixes its discretisation. :data:`DEFAULT` was chosen
by measurement against QuantLib's high-precision ``QdFpAmericanEngine`` (``docs/pricing.md``): it stays
well inside $0.005 across S, K, T from 1 day to 2 years, r, q and vol from 5 % to 150 %.

Where early exercise is worthless (calls without a dividend yield, puts with a non-positive rate) every
function returns the European value exactly. Units as in :mod:`pricing.bsm`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pricing import _euro_kernels as ek
from pricing._arrays import flat_broadcast
from pricing.bsm import DAYS_PER_YEAR, BsmResult, bsm

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Scheme:
    """Discretisation of the boundary solve, and how much of it a contract gets.

    ``nodes`` Chebyshev nodes in sqrt(time), ``legendre`` Gauss-Legendre points per boundary integral,
    ``iterations`` fixed-point sweeps, ``final`` Gauss-Legendre points of the price integral. When
    ``coarse_iterations`` > 0 the sweeps start from a solve on ``coarse_nodes`` nodes with
    ``coarse_legendre`` points (cheap, and much closer than the closed-form start).

    Per contract, an upper bound of the early exercise premium (over the strike of the equivalent put) picks
    the depth: below ``european_below`` the European value is returned, below ``small_below`` a coarse solve
    on ``small_nodes`` nodes with ``small_legendre`` points is the answer, below ``coarse_below`` the coarse
    solve (both with ``coarse_iterations`` sweeps and their price integral on ``coarse_final`` points); above
    it the full scheme runs, unless ``coarse_accept`` > 0 and the coarse solve's own premium estimate is
    below ``coarse_accept`` times the strike. Thresholds of 0 turn a level off.
    """

    nodes: int
    legendre: int
    iterations: int
    final: int
    coarse_nodes: int = 3
    coarse_legendre: int = 3
    coarse_iterations: int = 0
    coarse_final: int = 8
    european_below: float = 0.0
    coarse_below: float = 0.0
    coarse_accept: float = 0.0
    small_nodes: int = 3
    small_legendre: int = 3
    small_below: float = 0.0

    @cached_property
    def arrays(self) -> tuple:
        """The tuple the kernels take: ``(zs, lag, yl, wl, iterations, xp, wp, lagp)`` of this scheme,
        ``(zs, lag, yl, wl, iterations)`` of the coarse solve, the coarse-to-fine weights, ``(xp, wp, lagp)``
        of the coarse price integral, ``european_below``, ``coarse_below``, ``coarse_accept``, then
        ``(zs, lag, yl, wl, xp, wp, lagp)`` of the small solve and ``small_below``."""
        zs, lag, yl, wl, cmat = _nodes(self.nodes, self.legendre)
        xp, wp, lagp = _price_quadrature(self.final, self.nodes, cmat)
        zs_c, lag_c, yl_c, wl_c, cmat_c = _nodes(self.coarse_nodes, self.coarse_legendre)
        xp_c, wp_c, lagp_c = _price_quadrature(self.coarse_final, self.coarse_nodes, cmat_c)
        c2f = np.polynomial.chebyshev.chebvander(zs, self.coarse_nodes) @ cmat_c
        coarse_below = self.coarse_below if self.coarse_iterations > 0 else 0.0
        small_below = min(self.small_below, coarse_below)
        zs_s, lag_s, yl_s, wl_s, cmat_s = _nodes(self.small_nodes, self.small_legendre)
        xp_s, wp_s, lagp_s = _price_quadrature(self.coarse_final, self.small_nodes, cmat_s)
        return (
            zs, lag, yl, wl, self.iterations, xp, wp, lagp,
            zs_c, lag_c, yl_c, wl_c, self.coarse_iterations, np.ascontiguousarray(c2f),
            xp_c, wp_c, lagp_c, float(self.european_below), float(coarse_below), float(self.coarse_accept),
            zs_s, lag_s, yl_s, wl_s, xp_s, wp_s, lagp_s, float(small_below),
        )  # fmt: skip


def _price_quadrature(final: int, n: int, cmat: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Price integral over ``u = T sin^2(theta)``, ``theta`` Gauss-Legendre on [0, pi/2]: ``sin(theta_j)``, the
    weights (with ``du / dtheta / T``) and the weights interpolating ``H`` there from ``n + 1`` nodes."""
    xg, wg = np.polynomial.legendre.leggauss(final)
    theta = 0.25 * np.pi * (1.0 + xg)
    xp = np.sin(theta)
    wp = 0.25 * np.pi * wg * np.sin(2.0 * theta)
    lagp = np.polynomial.chebyshev.chebvander(2.0 * xp - 1.0, n) @ cmat
    return xp, wp, np.ascontiguousarray(lagp)


def _nodes(n: int, legendre: int) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Chebyshev-Lobatto nodes ``cos(i pi / n)``, the weights ``lag[i, j]`` interpolating ``H`` where the
    boundary integrals of node ``i`` read it, Gauss-Legendre points, and the node-to-coefficient matrix."""
    idx = np.arange(n + 1)
    zs = np.cos(idx * np.pi / n)
    # Coefficients c = C h of the interpolant sum c_k T_k, both sums halved at their ends.
    half = np.ones(n + 1)
    half[[0, -1]] = 0.5
    cmat = (2.0 / n) * half[:, None] * np.cos(np.outer(idx, idx) * np.pi / n) * half[None, :]
    yl, wl = np.polynomial.legendre.leggauss(legendre)
    hy = 0.5 * (1.0 + yl)
    zij = np.outer(1.0 + zs[:-1], np.sqrt(1.0 - hy * hy)) - 1.0  # sqrt(u / T) mapped to [-1, 1]
    lag = np.ascontiguousarray(np.polynomial.chebyshev.chebvander(zij, n) @ cmat)
    return zs, lag, yl, wl, cmat


DEFAULT = Scheme(
    nodes=5,
    legendre=6,
    iterations=1,
    final=12,
    coarse_nodes=4,
    coarse_legendre=4,
    coarse_iterations=3,
    european_below=1e-6,
    coarse_below=1e-2,
    coarse_accept=5e-3,
    small_below=3e-3,
)
"""The scheme every caller gets: within about $0.0025 per $100 of strike of QuantLib's high-precision engine
on the test grids."""
FAST = replace(DEFAULT, coarse_final=6, european_below=1e-5)
"""A few per cent faster than :data:`DEFAULT` (6 points in the coarse price integrals, European below a
premium bound of 1e-5 K); errors up to about $0.0035 per $100 of strike on the test grids."""
ACCURATE = Scheme(nodes=32, legendre=48, iterations=16, final=64)
"""Close to the exact boundary (agrees with QuantLib's high-precision engine to about 1e-5); for checks."""


def american_price(
    spot: ArrayLike,
    strike: ArrayLike,
    t: ArrayLike,
    rate: ArrayLike,
    div: ArrayLike,
    vol: ArrayLike,
    is_call: ArrayLike,
    scheme: Scheme = DEFAULT,
    parallel: bool | None = None,
) -> FloatArray:
    """American option prices; all arguments broadcast.

    ``parallel=None`` splits arrays of :data:`PARALLEL_MIN` contracts or more over numba's threads
    (``numba.set_num_threads`` limits them); results are identical either way.
    """
    from pricing import _amer_loops as al

    shape, (s, k, tt, r, q, v), (call,) = flat_broadcast((spot, strike, t, rate, div, vol), (is_call,))
    out = np.empty(s.size, dtype=np.float64)
    chunks = _chunks(s.size, parallel)
    if chunks > 1:
        al.price_parallel(s, k, tt, r, q, v, call, scheme.arrays, out, chunks)
    else:
        al.american_price_loop(s, k, tt, r, q, v, call, scheme.arrays, out, 0, s.size)
    return out.reshape(shape)


PARALLEL_MIN = 256
"""Arrays at least this long are split over numba's threads (unless ``parallel=False``)."""


def _chunks(n: int, parallel: bool | None) -> int:
    """How many slices to split ``n`` contracts into: 1 runs serially on the calling thread."""
    from pricing._jit import threads

    if parallel is False or (parallel is None and n < PARALLEL_MIN) or threads() < 2:
        return 1
    return min(n, 16 * threads())


def american(
    spot: ArrayLike,
    strike: ArrayLike,
    t: ArrayLike,
    rate: ArrayLike,
    div: ArrayLike,
    vol: ArrayLike,
    is_call: ArrayLike,
    scheme: Scheme = DEFAULT,
    parallel: bool | None = None,
) -> BsmResult:
    """American price and Greeks in the units of :class:`pricing.bsm.BsmResult` (``parallel`` as in
    :func:`american_price`).

    ``prob_otm`` and ``prob_touch`` are the European (path) probabilities.
    """
    from pricing import _amer_loops as al

    shape, (s, k, tt, r, q, v), (call,) = flat_broadcast((spot, strike, t, rate, div, vol), (is_call,))
    out = np.empty((6, s.size), dtype=np.float64)
    chunks = _chunks(s.size, parallel)
    if chunks > 1:
        al.greeks_parallel(s, k, tt, r, q, v, call, scheme.arrays, out, chunks)
    else:
        al.american_greeks_loop(s, k, tt, r, q, v, call, scheme.arrays, out, 0, s.size)
    eu = bsm(s, k, tt, r, q, v, call)
    price, delta, gamma, vega, theta_year, rho = (a.reshape(shape) for a in out)
    return BsmResult(
        price=price,
        delta=delta,
        gamma=gamma,
        vega=vega,
        theta=theta_year / DAYS_PER_YEAR,
        theta_year=theta_year,
        rho=rho,
        prob_otm=eu.prob_otm.reshape(shape),
        prob_touch=eu.prob_touch.reshape(shape),
    )


def early_exercise_matters(is_call: ArrayLike, rate: ArrayLike, div: ArrayLike) -> NDArray[np.bool_]:
    """Where an American contract can be worth more than the European one (call with yield, put with rate)."""
    call = np.asarray(is_call, dtype=bool)
    return np.where(call, np.asarray(div) > 0.0, np.asarray(rate) > 0.0)


def american_iv_fixup(
    p: FloatArray,
    s: FloatArray,
    k: FloatArray,
    t: FloatArray,
    r: FloatArray,
    q: FloatArray,
    call: NDArray[np.bool_],
    amer: NDArray[np.bool_],
    iv: FloatArray,
    code: NDArray[np.int8],
    scheme: Scheme = DEFAULT,
    parallel: bool | None = None,
) -> None:
    """Re-solve, in place, the flat positions where ``amer`` and early exercise has value (elsewhere the
    European solve is the American one, and its bounds are the tighter ones)."""
    from pricing import _amer_loops as al

    idx = np.flatnonzero(amer & early_exercise_matters(call, r, q) & (code != ek.INVALID_INPUT) & (code != ek.EXPIRED))
    chunks = _chunks(idx.size, parallel)
    if chunks > 1:
        al.iv_parallel(p, s, k, t, r, q, call, idx.astype(np.int64), scheme.arrays, iv, code, chunks)
    elif idx.size:
        al.american_iv_loop(p, s, k, t, r, q, call, idx.astype(np.int64), scheme.arrays, iv, code, 0, idx.size)


def american_greeks_fixup(
    res: BsmResult,
    spot: ArrayLike,
    strike: ArrayLike,
    t: ArrayLike,
    rate: ArrayLike,
    div: ArrayLike,
    vol: ArrayLike,
    is_call: ArrayLike,
    amer: NDArray[np.bool_],
    scheme: Scheme = DEFAULT,
) -> BsmResult:
    """``res`` with American values where ``amer`` and early exercise has value (European elsewhere)."""
    shape = res.price.shape
    _, (s, k, tt, r, q, v), (call,) = flat_broadcast((spot, strike, t, rate, div, vol), (is_call,))
    sel = np.flatnonzero(amer.reshape(-1) & early_exercise_matters(call, r, q) & np.isfinite(v))
    if sel.size == 0:
        return res
    a = american(s[sel], k[sel], tt[sel], r[sel], q[sel], v[sel], call[sel], scheme)
    fields = {}
    for name in ("price", "delta", "gamma", "vega", "theta", "theta_year", "rho"):
        col = getattr(res, name).reshape(-1).copy()
        col[sel] = getattr(a, name)
        fields[name] = col.reshape(shape)
    return BsmResult(prob_otm=res.prob_otm, prob_touch=res.prob_touch, **fields)
