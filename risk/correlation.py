"""The monthly correlation check: Pearson correlation of daily returns over the last ``var_lookback_days``.

The *average correlation* is the mean of the off-diagonal entries (each pair once). Alerts: the average
above ``corr_alert``, or its change against the matrix of one month earlier (the same window ending a
calendar month before) larger than ``corr_change_alert`` in absolute value. Data after ``as_of`` is never
read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from domain.config.risk import RiskConfig


def correlation_matrix(closes: pd.DataFrame, as_of: datetime, lookback: int) -> pd.DataFrame:
    """Pearson correlation of simple daily returns over the last ``lookback`` returns up to ``as_of``.

    ``closes`` is a date x symbol table; dates where any symbol is missing are dropped first.
    """
    table = closes.loc[closes.index <= pd.Timestamp(as_of)].dropna().tail(lookback + 1)
    return table.pct_change().iloc[1:].corr(method="pearson")


def average_correlation(matrix: pd.DataFrame) -> float | None:
    """Mean pairwise correlation (None with fewer than two names)."""
    m = matrix.to_numpy(dtype=np.float64)
    n = m.shape[0]
    if n < 2:
        return None
    upper = m[np.triu_indices(n, k=1)]
    upper = upper[np.isfinite(upper)]
    return float(upper.mean()) if upper.size else None


@dataclass(frozen=True)
class CorrelationReport:
    matrix: pd.DataFrame
    average: float | None
    previous_average: float | None
    alerts: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "average": self.average,
            "previous_month_average": self.previous_average,
            "alerts": list(self.alerts),
            "matrix": {str(r): {str(c): float(v) for c, v in row.items()} for r, row in self.matrix.iterrows()},
        }


def correlation_report(closes: pd.DataFrame, as_of: datetime, cfg: RiskConfig,
                       symbols: list[str] | None = None) -> CorrelationReport:
    """The matrix at ``as_of`` and one month earlier, with the alerts of the module docstring."""
    table = closes[symbols] if symbols is not None else closes
    now = correlation_matrix(table, as_of, cfg.var_lookback_days)
    before = correlation_matrix(table, as_of - pd.DateOffset(months=1), cfg.var_lookback_days)
    avg, prev = average_correlation(now), average_correlation(before)
    alerts = []
    if avg is not None and avg > cfg.corr_alert:
        alerts.append(f"average correlation {avg:.2f} > {cfg.corr_alert:g}")
    if avg is not None and prev is not None and abs(avg - prev) > cfg.corr_change_alert:
        alerts.append(f"average correlation moved {avg - prev:+.2f} in a month (limit {cfg.corr_change_alert:g})")
    return CorrelationReport(now, avg, prev, tuple(alerts))
