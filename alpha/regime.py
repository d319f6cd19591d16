"""The volatility regime and how it tightens the screens (the table is in ``docs/screening.md`` too).

The regime input is the VIX level (``MarketContext.vix``) or, when no VIX reading is given, the underlying's
annualised realised volatility times 100 (``MarketContext.realised_vol``, the same units as VIX). Bounds are
settings: ``low`` below ``vix_low``, ``high`` above ``vix_high``, ``extreme`` above ``vix_extreme`` (strictly),
``normal`` otherwise, ``unknown`` without any reading (screened as ``normal``, and the ``regime`` screen says
so). Each regime row only ever tightens the configured limits:

=========  ===============  ==========  ======================  ============================
regime     far delta bound  DTE max     open interest minimum   new cash-secured puts
=========  ===============  ==========  ======================  ============================
low        x 1              unchanged   x 1                     allowed
normal     x 1              unchanged   x 1                     allowed
high       x 0.8            <= 60       x 2                     allowed
extreme    x 0.6            <= 45       x 2                     blocked
=========  ===============  ==========  ======================  ============================

"Far delta bound" is the bound with the larger absolute delta (``cc_delta_max``, ``csp_delta_min``): in a high
regime contracts must sit further out of the money. The rule-based baseline (``baseline_rules``) narrows the
bands first: absolute delta within :data:`BASELINE_ABS_DELTA`, DTE within :data:`BASELINE_DTE`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from domain.config.screen import ScreenConfig


@dataclass(frozen=True)
class RegimeRow:
    """How one regime tightens the limits (scales apply to the configured values)."""

    far_delta_scale: float
    dte_max_cap: int | None
    min_oi_scale: float
    csp_allowed: bool


REGIME_TABLE: dict[str, RegimeRow] = {
    "low": RegimeRow(1.0, None, 1.0, True),
    "normal": RegimeRow(1.0, None, 1.0, True),
    "high": RegimeRow(0.8, 60, 2.0, True),
    "extreme": RegimeRow(0.6, 45, 2.0, False),
}
REGIME_TABLE["unknown"] = REGIME_TABLE["normal"]

BASELINE_ABS_DELTA = (0.20, 0.30)
"""Rule-based baseline: absolute delta band (20-30 delta)."""
BASELINE_DTE = (30, 45)
"""Rule-based baseline: days-to-expiry band."""


def classify(levels: np.ndarray | float | None, config: ScreenConfig) -> np.ndarray:
    """Regime name of each level (VIX points); NaN or None gives ``unknown``."""
    x = np.atleast_1d(np.asarray(np.nan if levels is None else levels, dtype=np.float64))
    out = np.full(x.shape, "normal", dtype=object)
    out[x < config.vix_low] = "low"
    out[x > config.vix_high] = "high"
    out[x > config.vix_extreme] = "extreme"
    out[np.isnan(x)] = "unknown"
    return out


def limits(is_call: np.ndarray, regimes: np.ndarray, config: ScreenConfig) -> pd.DataFrame:
    """Effective limits per row after the baseline and the regime table (:func:`limit_arrays` as a frame)."""
    return pd.DataFrame(limit_arrays(is_call, regimes, config))


def limit_arrays(is_call: np.ndarray, regimes: np.ndarray, config: ScreenConfig) -> dict[str, np.ndarray]:
    """Effective limits per row after the baseline and the regime table.

    Columns: ``delta_lo``, ``delta_hi`` (signed: positive for calls, negative for puts), ``dte_lo``, ``dte_hi``,
    ``min_oi`` and ``csp_allowed``. A band may come out empty (``lo > hi``); the screens then fail every row
    and say so.
    """
    call = np.asarray(is_call, dtype=bool)
    rows = [REGIME_TABLE[str(r)] for r in regimes]
    scale = np.array([r.far_delta_scale for r in rows], dtype=np.float64)
    cap = np.array([np.inf if r.dte_max_cap is None else r.dte_max_cap for r in rows], dtype=np.float64)
    oi_scale = np.array([r.min_oi_scale for r in rows], dtype=np.float64)
    allowed = np.array([r.csp_allowed for r in rows], dtype=bool)

    cc_lo, cc_hi = config.cc_delta_min, config.cc_delta_max
    csp_lo, csp_hi = config.csp_delta_min, config.csp_delta_max
    dte_lo, dte_hi = float(config.dte_min), float(config.dte_max)
    if config.baseline_rules:
        lo, hi = BASELINE_ABS_DELTA
        cc_lo, cc_hi = max(cc_lo, lo), min(cc_hi, hi)
        csp_lo, csp_hi = max(csp_lo, -hi), min(csp_hi, -lo)
        dte_lo, dte_hi = max(dte_lo, BASELINE_DTE[0]), min(dte_hi, BASELINE_DTE[1])
    return {
        "delta_lo": np.where(call, cc_lo, csp_lo * scale),
        "delta_hi": np.where(call, cc_hi * scale, csp_hi),
        "dte_lo": np.full(call.shape, dte_lo),
        "dte_hi": np.minimum(dte_hi, cap),
        "min_oi": config.min_open_interest * oi_scale,
        "csp_allowed": allowed,
    }
