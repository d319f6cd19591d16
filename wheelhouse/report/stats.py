"""Performance statistics of an equity curve, as written to ``stats.json``.

Definitions (daily data; ``E_0`` is the starting capital, then one value per session):

* ``cagr``: (E_end / E_0) ^ (365.25 / calendar days) - 1;
* ``annual_volatility``: standard deviation of daily returns x sqrt(252);
* ``sharpe``: mean daily excess return over the risk-free rate / standard deviation of daily returns x sqrt(252);
* ``sortino``: mean daily excess return / downside deviation (root mean square of negative excess returns)
  x sqrt(252);
* ``max_drawdown``: the worst fall from a running peak, a negative fraction (-0.327 = -32.7 %);
* ``longest_drawdown_days``: the most calendar days from a peak to the first close back at or above it (or
  to the end when it never recovers);
* ``win_rate``: share of finished option round trips (opened, then closed, expired or settled) with a
  positive P&L after commissions; null when there were none;
* ``total_fees``, ``premium_collected``: USD; ``model_priced``: whether option quotes came from a model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

STAT_KEYS = ("cagr", "annual_volatility", "sharpe", "sortino", "max_drawdown", "longest_drawdown_days", "win_rate",
             "total_fees", "premium_collected", "model_priced")


def _clean(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def max_drawdown(equity: pd.Series) -> float:
    values = equity.to_numpy(dtype=float)
    if len(values) == 0:
        return 0.0
    peaks = np.maximum.accumulate(values)
    return float(np.min(values / peaks - 1.0))


def drawdown_series(equity: pd.Series) -> pd.Series:
    return equity / equity.cummax() - 1.0


def longest_drawdown_days(equity: pd.Series) -> int:
    """Longest peak-to-recovery span in calendar days (index of dates)."""
    best = 0
    peak_value = -math.inf
    peak_day: date | None = None
    below = False
    for day, value in equity.items():
        d = day.date() if hasattr(day, "date") else day
        if value >= peak_value:
            if below and peak_day is not None:
                best = max(best, (d - peak_day).days)
            peak_value, peak_day, below = value, d, False
        else:
            below = True
    if below and peak_day is not None:
        last = equity.index[-1]
        last_d = last.date() if hasattr(last, "date") else last
        best = max(best, (last_d - peak_day).days)
    return int(best)


def performance(equity: pd.Series, start_value: float, risk_free: pd.Series | None = None,
                pnls: Sequence[float] = (), fees: float = 0.0, premium: float = 0.0,
                model_priced: bool = False) -> dict[str, object]:
    """The ``stats.json`` keys for ``equity`` (session values indexed by date) starting from ``start_value``.

    ``risk_free``: annual rate per session (same index), applied over the calendar days of each return.
    ``pnls``: P&L of each finished option round trip.
    """
    values = np.concatenate([[start_value], equity.to_numpy(dtype=float)])
    idx = pd.DatetimeIndex(equity.index)
    returns = values[1:] / values[:-1] - 1.0
    if len(idx):
        days = np.diff(np.concatenate([[idx[0].toordinal() - 1], [d.toordinal() for d in idx]]))
    else:
        days = np.array([], dtype=float)
    rf = np.zeros(len(returns))
    if risk_free is not None and len(returns):
        rates = risk_free.reindex(idx).ffill().fillna(0.0).to_numpy(dtype=float)
        rf = np.expm1(rates * days / 365.0)
    excess = returns - rf
    n = len(returns)
    std = float(np.std(returns, ddof=1)) if n > 1 else float("nan")
    if n > 1 and std < 1e-12:
        std = 0.0  # a constant-growth curve: volatility zero, ratios undefined
    span = (idx[-1] - idx[0]).days + 1 if n else 0
    cagr = (values[-1] / values[0]) ** (365.25 / span) - 1.0 if span > 0 and values[-1] > 0 else float("nan")
    downside = float(np.sqrt(np.mean(np.minimum(excess, 0.0) ** 2))) if n else float("nan")
    full = pd.concat([pd.Series([start_value], index=[idx[0] - pd.Timedelta(days=1)]), equity]) if n else equity
    wins = [p for p in pnls if p > 0]
    return {
        "cagr": _clean(cagr),
        "annual_volatility": _clean(std * math.sqrt(252.0)),
        "sharpe": _clean(float(np.mean(excess)) / std * math.sqrt(252.0)) if n > 1 and std > 0 else None,
        "sortino": _clean(float(np.mean(excess)) / downside * math.sqrt(252.0)) if n and downside > 0 else None,
        "max_drawdown": _clean(max_drawdown(full)),
        "longest_drawdown_days": longest_drawdown_days(full),
        "win_rate": _clean(len(wins) / len(pnls)) if pnls else None,
        "total_fees": _clean(fees),
        "premium_collected": _clean(premium),
        "model_priced": bool(model_priced),
    }


def window(equity: pd.Series, start: date, end: date) -> tuple[pd.Series, float] | None:
    """The part of ``equity`` from ``start`` to ``end`` and its starting value (the close before ``start``),
    for statistics over a sub-period; None when the curve does not cover it."""
    idx = pd.DatetimeIndex(equity.index)
    before = equity[idx < pd.Timestamp(start)]
    inside = equity[(idx >= pd.Timestamp(start)) & (idx <= pd.Timestamp(end))]
    if before.empty or inside.empty:
        return None
    return inside, float(before.iloc[-1])
