"""Which contracts the LEAN option universe keeps: the configured DTE band, and deltas near the screens' bands.

The screens only ever narrow the configured bands (baseline, regime), so the universe keeps the configured
DTE band and deltas within :data:`DELTA_MARGIN` of the configured delta bands (the universe's Greeks are the
previous day's, so a margin keeps contracts that moved into the band overnight). A contract whose universe
delta is missing (0 or not finite, as in data without Greeks) is kept: the screen judges it on its own quote.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from domain.config import StrategyConfig

DELTA_MARGIN = 0.10


@dataclass(frozen=True)
class UniverseBands:
    """DTE band (days, inclusive) and signed delta bands for calls and puts."""

    dte_lo: int
    dte_hi: int
    call_delta: tuple[float, float]
    put_delta: tuple[float, float]


def universe_bands(config: StrategyConfig) -> UniverseBands:
    s = config.screen
    return UniverseBands(
        dte_lo=s.dte_min, dte_hi=s.dte_max,
        call_delta=(max(0.0, s.cc_delta_min - DELTA_MARGIN), min(1.0, s.cc_delta_max + DELTA_MARGIN)),
        put_delta=(max(-1.0, s.csp_delta_min - DELTA_MARGIN), min(0.0, s.csp_delta_max + DELTA_MARGIN)),
    )


def keep_contract(is_call: bool, delta: float | None, bands: UniverseBands) -> bool:
    """True when a contract's (previous-day) delta is near its band, or unknown."""
    if delta is None or not math.isfinite(delta) or delta == 0.0:
        return True
    lo, hi = bands.call_delta if is_call else bands.put_delta
    return lo <= delta <= hi
