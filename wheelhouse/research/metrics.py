"""Performance statistics of return series, vectorised over many paths (for Monte Carlo and stitched windows).

Conventions: ``returns`` are simple daily returns (0.01 = +1%), ``periods_per_year`` 252; ``max_drawdown`` is
the worst fall from a running peak as a negative fraction (-0.20 = 20% below the peak) and ``drawdown`` its
magnitude (0.20, LEAN's "Drawdown"); the Sharpe ratio is the annualised mean excess return over the
annualised standard deviation (``rate`` an annual risk-free rate, 0 by default). Each function takes a 1-D
array (one path) or a 2-D array (one path per row) and returns a float or one value per row.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

Array = npt.NDArray[np.float64]
PERIODS_PER_YEAR = 252


def _rows(returns: npt.ArrayLike) -> tuple[Array, bool]:
    a = np.asarray(returns, dtype=float)
    return (a[None, :], True) if a.ndim == 1 else (a, False)


def _out(values: Array, single: bool) -> Array | float:
    return float(values[0]) if single else values


def cagr(returns: npt.ArrayLike, periods_per_year: int = PERIODS_PER_YEAR) -> Array | float:
    """Compound annual growth rate; -1 when a path is wiped out."""
    a, single = _rows(returns)
    n = a.shape[1]
    if n == 0:
        return _out(np.full(a.shape[0], np.nan), single)
    growth = np.prod(1.0 + a, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(growth > 0, np.power(np.maximum(growth, 0.0), periods_per_year / n) - 1.0, -1.0)
    return _out(out, single)


def annual_volatility(returns: npt.ArrayLike, periods_per_year: int = PERIODS_PER_YEAR) -> Array | float:
    a, single = _rows(returns)
    if a.shape[1] < 2:
        return _out(np.full(a.shape[0], np.nan), single)
    return _out(a.std(axis=1, ddof=1) * np.sqrt(periods_per_year), single)


def sharpe(returns: npt.ArrayLike, rate: float = 0.0, periods_per_year: int = PERIODS_PER_YEAR) -> Array | float:
    """Annualised Sharpe ratio; NaN for a flat path (zero volatility)."""
    a, single = _rows(returns)
    if a.shape[1] < 2:
        return _out(np.full(a.shape[0], np.nan), single)
    excess = a - rate / periods_per_year
    sd = excess.std(axis=1, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(sd > 0, excess.mean(axis=1) / sd * np.sqrt(periods_per_year), np.nan)
    return _out(out, single)


def max_drawdown(returns: npt.ArrayLike) -> Array | float:
    """Worst peak-to-trough fall of the compounded path, as a negative fraction (0 if it never falls)."""
    a, single = _rows(returns)
    if a.shape[1] == 0:
        return _out(np.zeros(a.shape[0]), single)
    wealth = np.cumprod(1.0 + a, axis=1)
    peak = np.maximum.accumulate(np.maximum(wealth, 1.0), axis=1)
    return _out(np.minimum((wealth / peak - 1.0).min(axis=1), 0.0), single)


def summary(returns: npt.ArrayLike, rate: float = 0.0, periods_per_year: int = PERIODS_PER_YEAR) -> dict[str, float]:
    """The headline statistics of one path, with the names trials and stats.json use."""
    r = np.asarray(returns, dtype=float)
    r = r[np.isfinite(r)]
    mdd = float(max_drawdown(r))
    return {
        "cagr": float(cagr(r, periods_per_year)),
        "annual_volatility": float(annual_volatility(r, periods_per_year)),
        "sharpe": float(sharpe(r, rate, periods_per_year)),
        "max_drawdown": mdd,
        "drawdown": -mdd,
        "days": float(r.size),
    }


def returns_from_equity(equity: pd.Series) -> pd.Series:
    """Daily simple returns of an equity curve (first day dropped)."""
    e = equity.astype(float)
    return (e / e.shift(1) - 1.0).iloc[1:]
