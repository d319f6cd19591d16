"""Compiled loop of the scenario revaluation (:func:`risk.scenarios.revalue_each`).

It is compiled with :func:`pricing._jit.njit`, whose cache directory follows every pricing kernel's source,
so a change to :func:`pricing._euro_kernels.bsm_one` (called here) is never served from a stale cache.
"""

from __future__ import annotations

import numpy as np

from pricing._euro_kernels import bsm_one
from pricing._jit import njit


@njit
def shocked_prices(spot: np.ndarray, strike: np.ndarray, t: np.ndarray, div: np.ndarray, vol: np.ndarray,
                   is_call: np.ndarray, und: np.ndarray, growth: np.ndarray, vol_growth: np.ndarray,
                   dt: np.ndarray, rate: np.ndarray, vol_floor: float, out: np.ndarray) -> None:
    """``out[s, j]``: European value (:func:`pricing._euro_kernels.bsm_one`) of leg ``j`` in scenario ``s``.

    Leg ``j`` is shocked by row ``s`` of ``growth`` (``1 + r``) and ``vol_growth`` (``1 + v``) at its
    underlying's column ``und[j]``: spot ``spot x growth``, volatility ``vol x vol_growth`` and at least
    ``vol_floor`` (0 where ``vol`` is not positive), time ``max(t - dt[s], 0)``, rate ``rate[s]``. Each step
    is the float operation of the array form (``np.maximum``'s NaN and signed-zero results included), so the
    prices are the same numbers as :func:`pricing.bsm.bsm_price` of the shocked arrays.
    """
    for s in range(out.shape[0]):
        for j in range(out.shape[1]):
            u = und[j]
            iv = 0.0
            if vol[j] > 0:
                iv = vol[j] * vol_growth[s, u]
                if not (iv > vol_floor or iv != iv):
                    iv = vol_floor
            t1 = t[j] - dt[s]
            if not (t1 > 0.0 or t1 != t1):
                t1 = 0.0
            out[s, j] = bsm_one(spot[j] * growth[s, u], strike[j], t1, rate[s], div[j], iv, is_call[j], False)[0]
