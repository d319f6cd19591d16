"""American options (placeholder: European values with American no-arbitrage bounds)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from pricing import _euro_kernels as ek
from pricing.bsm import BsmResult


def american_iv_fixup(
    p: np.ndarray,
    s: np.ndarray,
    k: np.ndarray,
    t: np.ndarray,
    r: np.ndarray,
    q: np.ndarray,
    call: np.ndarray,
    amer: np.ndarray,
    iv: np.ndarray,
    code: np.ndarray,
) -> None:
    """Apply the American lower bound (spot intrinsic) in place."""
    intrinsic = np.where(call, np.maximum(s - k, 0.0), np.maximum(k - s, 0.0))
    below = amer & (code != ek.INVALID_INPUT) & (code != ek.EXPIRED) & (p > 0) & (p < intrinsic)
    iv[below] = np.nan
    code[below] = ek.BELOW_INTRINSIC


def american_greeks_fixup(
    res: BsmResult,
    spot: ArrayLike,
    strike: ArrayLike,
    t: ArrayLike,
    rate: ArrayLike,
    div: ArrayLike,
    vol: ArrayLike,
    is_call: ArrayLike,
    amer: np.ndarray,
) -> BsmResult:
    """Replace European values by American ones where ``amer`` (placeholder: unchanged)."""
    return res
