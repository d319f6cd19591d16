"""Price and Greeks for European or American contracts at a given volatility, in one vectorised call."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from pricing.bsm import BsmResult, bsm


def option_greeks(
    spot: ArrayLike,
    strike: ArrayLike,
    t: ArrayLike,
    rate: ArrayLike,
    div: ArrayLike,
    vol: ArrayLike,
    is_call: ArrayLike,
    american: ArrayLike = False,
) -> BsmResult:
    """:func:`pricing.bsm.bsm`, with American price and Greeks where ``american`` and early exercise has value.

    Probabilities (``prob_otm``, ``prob_touch``) are the European ones in both cases: they describe the
    underlying's path, not the exercise policy.
    """
    res = bsm(spot, strike, t, rate, div, vol, is_call)
    amer = np.broadcast_to(np.asarray(american, dtype=bool), res.price.shape)
    if not amer.any():
        return res
    from pricing.american import american_greeks_fixup

    return american_greeks_fixup(res, spot, strike, t, rate, div, vol, is_call, amer)
