"""The quantitative score, 0 to 10: the weighted sum of six components, each in [0, 1].

=================  ======  ==========================================================================
component          weight  1 when ... / 0 when ...
=================  ======  ==========================================================================
``yield``          0.25    annualised premium yield / max(5 x the strategy's minimum yield, 5 %), capped
``delta``          0.20    delta at the middle of its effective band / at either end (linear)
``iv_percentile``  0.15    IV percentile / 100; 0 when unknown
``vrp``            0.15    volatility risk premium (contract IV - forecast vol) / 10 vol points, capped;
                           0 when negative or unknown (forecast falls back to realised vol)
``liquidity``      0.15    half spread (1 - spread / max_spread_pct), half open interest
                           (log10(OI / max(min_oi, 1)) / 2: the minimum gives 0, 100 x the minimum 1)
``dte``            0.10    DTE at the middle of its effective band / at either end (linear)
=================  ======  ==========================================================================

``score = 10 x sum(weight x component)``. Rejected quotes get NaN (never scored); the score of a contract
that fails a screen is still shown, but only passing contracts become candidates.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from domain.config.screen import ScreenConfig

WEIGHTS: dict[str, float] = {
    "yield": 0.25, "delta": 0.20, "iv_percentile": 0.15, "vrp": 0.15, "liquidity": 0.15, "dte": 0.10,
}
YIELD_FULL_MULTIPLE = 5.0
YIELD_FULL_FLOOR = 0.05
VRP_FULL = 0.10
OI_FULL_DECADES = 2.0


def _zero_nan(x: np.ndarray) -> np.ndarray:
    """``x`` with NaN as 0 (the components are clipped to [0, 1] first, so no infinity is left to replace)."""
    return np.where(np.isnan(x), 0.0, x)


def _band_fit(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """1 at the middle of [lo, hi], falling linearly to 0 at the ends and beyond; 0 for an empty band."""
    mid, half = 0.5 * (lo + hi), 0.5 * (hi - lo)
    with np.errstate(invalid="ignore", divide="ignore"):
        fit = np.where(half > 0, 1.0 - np.abs(x - mid) / np.where(half > 0, half, 1.0), 0.0)
    return _zero_nan(np.clip(fit, 0.0, 1.0))


def components(f: pd.DataFrame, cfg: ScreenConfig) -> pd.DataFrame:
    """Score components (columns ``score_<name>``) of every row of a screened frame."""
    return pd.DataFrame(component_arrays(f, cfg), index=f.index)


def component_arrays(f: Mapping[str, ArrayLike], cfg: ScreenConfig) -> dict[str, np.ndarray]:
    """:func:`components` as arrays, from any column mapping (a frame or a dict of arrays)."""
    col = {c: np.asarray(f[c], dtype=np.float64) for c in (
        "premium_yield", "delta", "delta_lo", "delta_hi", "iv_percentile", "vrp", "spread_pct", "open_interest",
        "min_oi", "dte", "dte_lo", "dte_hi")}
    is_call = np.asarray(f["strategy"]) == "cc"
    min_yield = np.where(is_call, cfg.cc_min_yield, cfg.csp_min_yield)
    full = np.maximum(YIELD_FULL_MULTIPLE * min_yield, YIELD_FULL_FLOOR)
    with np.errstate(invalid="ignore", divide="ignore"):
        spread_part = np.clip(1.0 - col["spread_pct"] / cfg.max_spread_pct, 0.0, 1.0)
        oi_part = np.clip(np.log10(col["open_interest"] / np.maximum(col["min_oi"], 1.0)) / OI_FULL_DECADES, 0.0, 1.0)
    out = {
        "yield": np.clip(col["premium_yield"] / full, 0.0, 1.0),
        "delta": _band_fit(col["delta"], col["delta_lo"], col["delta_hi"]),
        "iv_percentile": np.clip(col["iv_percentile"] / 100.0, 0.0, 1.0),
        "vrp": np.clip(col["vrp"] / VRP_FULL, 0.0, 1.0),
        "liquidity": 0.5 * _zero_nan(spread_part) + 0.5 * _zero_nan(oi_part),
        "dte": _band_fit(col["dte"], col["dte_lo"], col["dte_hi"]),
    }
    return {f"score_{k}": _zero_nan(v) for k, v in out.items()}


def score_arrays(f: Mapping[str, ArrayLike], cfg: ScreenConfig) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """:func:`score` as arrays: (score per row, NaN where the quote is not valid; the components)."""
    comp = component_arrays(f, cfg)
    total = 10.0 * sum(WEIGHTS[k] * comp[f"score_{k}"] for k in WEIGHTS)
    return np.where(np.asarray(f["valid"], dtype=bool), total, np.nan), comp


def score(f: pd.DataFrame, cfg: ScreenConfig) -> tuple[pd.Series, pd.DataFrame]:
    """(score 0-10 per row, NaN where the quote is not valid; the components frame)."""
    total, comp = score_arrays(f, cfg)
    return pd.Series(total, index=f.index, name="score"), pd.DataFrame(comp, index=f.index)
