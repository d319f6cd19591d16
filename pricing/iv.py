"""Implied volatility, vectorised and safe: NaN plus a reason code instead of a silent 0 or an exception.

Reason codes in :attr:`IvResult.error` (empty string when the solve succeeded):

``invalid_input``       spot/strike not positive, or a non-finite input;
``expired``             ``t <= 0``;
``non_positive_price``  price zero or negative;
``crossed_quote``       bid above ask (only when ``bid``/``ask`` are given);
``below_intrinsic``     price below the no-arbitrage lower bound (discounted forward intrinsic for European,
                        also spot intrinsic for American);
``no_time_value``       price equal to that lower bound (the implied volatility would be 0);
``above_upper_bound``   price at or above the upper bound (spot for calls, discounted strike for puts);
``no_convergence``      the solver did not reach the tolerance (not expected inside the bounds).

European solves are exact to about 1e-12 in volatility wherever vega is not vanishing. American solves
(``american=True`` where early exercise has value) invert :mod:`pricing.american`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pricing import _euro_kernels as ek
from pricing._arrays import flat_broadcast

FloatArray = NDArray[np.float64]

REASONS: tuple[str, ...] = (
    "",
    "invalid_input",
    "expired",
    "non_positive_price",
    "below_intrinsic",
    "above_upper_bound",
    "no_convergence",
    "crossed_quote",
    "no_time_value",
)
"""Reason string of each kernel error code (index = code)."""

_REASONS_ARRAY = np.array(REASONS, dtype=object)


@dataclass(frozen=True)
class IvResult:
    """``iv`` (float array, NaN where unsolved), ``error`` (object array of reason strings, '' when fine)."""

    iv: FloatArray
    error: NDArray[np.object_]
    code: NDArray[np.int8]

    @property
    def ok(self) -> NDArray[np.bool_]:
        return self.code == ek.OK


def implied_vol(
    price: ArrayLike,
    spot: ArrayLike,
    strike: ArrayLike,
    t: ArrayLike,
    rate: ArrayLike,
    div: ArrayLike,
    is_call: ArrayLike,
    american: ArrayLike = False,
    *,
    bid: ArrayLike | None = None,
    ask: ArrayLike | None = None,
) -> IvResult:
    """Volatility that reproduces ``price`` under BSM (or the American model where ``american``).

    All arguments broadcast; units as in :mod:`pricing.bsm`. ``bid``/``ask`` are optional: when given, a
    crossed quote (bid > ask) is reported as ``crossed_quote`` whatever ``price`` is. Never raises for bad
    values; every unsolvable element gets NaN and a reason.
    """
    shape, (p, s, k, tt, r, q), (call, amer) = flat_broadcast((price, spot, strike, t, rate, div), (is_call, american))
    iv = np.empty(p.size, dtype=np.float64)
    code = np.empty(p.size, dtype=np.int8)
    ek.european_iv_loop(p, s, k, tt, r, q, call, iv, code)
    if amer.any():
        from pricing.american import american_iv_fixup

        american_iv_fixup(p, s, k, tt, r, q, call, amer, iv, code)
    mark_crossed(shape, bid, ask, iv, code)
    return IvResult(iv=iv.reshape(shape), error=reasons(code).reshape(shape), code=code.reshape(shape))


def reasons(code: NDArray[np.int8]) -> NDArray[np.object_]:
    """Reason strings of kernel error codes ('' for success)."""
    return _REASONS_ARRAY[code]  # type: ignore[no-any-return]


def mark_crossed(
    shape: tuple[int, ...], bid: ArrayLike | None, ask: ArrayLike | None, iv: FloatArray, code: NDArray[np.int8]
) -> NDArray[np.bool_]:
    """Set NaN and ``crossed_quote`` in place (flat ``iv``/``code``) where bid > ask; returns that mask."""
    if bid is None and ask is None:
        return np.zeros(iv.size, dtype=bool)
    b = np.broadcast_to(np.asarray(bid if bid is not None else -np.inf, dtype=np.float64), shape).reshape(-1)
    a = np.broadcast_to(np.asarray(ask if ask is not None else np.inf, dtype=np.float64), shape).reshape(-1)
    crossed = b > a
    iv[crossed] = np.nan
    code[crossed] = ek.CROSSED_QUOTE
    return crossed
