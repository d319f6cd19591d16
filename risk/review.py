"""The weekly review: every limit re-checked, drift acted on, VaR / ES / stress / correlation measured.

When: the first gate step on a Friday at or after :data:`REVIEW_TIME` exchange time (or a Friday step
stamped midnight, as daily data is), and the first step of *every* day while the VIX is above
``intraweek_vix``. One review per calendar day at most.

Drift: a measure that moved by more than ``limit_drift_pct`` of its limit since the previous review and now
sits within that margin of the limit (``|x| > (1 - limit_drift_pct) x limit``) is *adjusted*: the gate closes
positions in the REDUCING order until it is back under ``(1 - limit_drift_pct) x limit``. A drift far from
the limit is reported only.

Loss measures (VaR three ways, ES, the stress battery, the correlation check) are alerts: past their level
they are reported with action ``alert``; they never force a trade.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from domain.config import StrategyConfig
from domain.types import MarketContext
from risk.book import Book
from risk.correlation import correlation_report
from risk.limits import check_measure
from risk.scenarios import euro_greeks
from risk.stress import run_stress
from risk.var import fallback_vols, var_report

REVIEW_TIME = time(15, 30)

FloatArray = NDArray[np.float64]


def review_due(as_of: datetime, last_review: str | None, vix: float | None, intraweek_vix: float) -> bool:
    if last_review is not None and datetime.fromisoformat(last_review).date() == as_of.date():
        return False
    friday = as_of.weekday() == 4 and (as_of.time() >= REVIEW_TIME or as_of.time() == time(0))
    return friday or (vix is not None and vix > intraweek_vix)


def drift_limits(current: FloatArray, previous: FloatArray | None, limits: FloatArray,
                 drift_pct: float) -> tuple[FloatArray, list[int], list[int]]:
    """(limits to reduce to, measures adjusted, measures drifted) per the module docstring."""
    soft = limits.copy()
    if previous is None:
        return soft, [], []
    drifted = [j for j in range(len(limits)) if abs(current[j] - previous[j]) > drift_pct * limits[j]]
    adjust = [j for j in drifted if abs(current[j]) > (1.0 - drift_pct) * limits[j]]
    for j in adjust:
        soft[j] = (1.0 - drift_pct) * limits[j]
    return soft, adjust, drifted


@dataclass(frozen=True)
class Measures:
    """Results of the loss measures: JSON-ready ``report`` and ``alerts`` (rule, value, limit, detail)."""

    report: dict[str, object]
    alerts: list[tuple[str, float, float, str]]


def loss_measures(book: Book, portfolio_value: float, config: StrategyConfig, market: MarketContext,
                  closes: pd.DataFrame | None = None, sectors: dict[str, str] | None = None) -> Measures:
    """VaR (historical when ``closes`` is given, parametric, Monte Carlo), ES, stress and correlation.

    ``sectors`` (underlying -> sector) add to, and win over, the sectors of ``market.reference``."""
    cfg = config.risk
    vols = {**market.realised_vol, **market.forecast_vol}
    base = euro_greeks(book)
    var = var_report(book, portfolio_value, config, closes, vols, base)
    known = {u: r.sector for u, r in market.reference.items() if r.sector} | (sectors or {})
    stress = run_stress(book, portfolio_value, known, fallback_vols(book, vols), base=base)
    alerts: list[tuple[str, float, float, str]] = []
    for method, loss in var.var.items():
        if loss is not None and check_measure("var", loss / portfolio_value, cfg.var_limit).status == "alert":
            alerts.append((f"var_{method}", loss / portfolio_value, cfg.var_limit, f"{method} one-day VaR"))
    for s in stress:
        if check_measure("stress", s.loss_pct, cfg.stress_limit).status == "alert":
            alerts.append((f"stress_{s.name}", s.loss_pct, cfg.stress_limit, s.description))
    report: dict[str, object] = {**var.as_dict(), "stress": {s.name: s.as_dict() for s in stress}}
    names = [u for u in book.underlyings if closes is not None and u in closes.columns]
    if closes is not None and len(names) >= 2:
        corr = correlation_report(closes, market.as_of, cfg, names)
        report["correlation"] = corr.as_dict()
        alerts.extend(("correlation", corr.average or 0.0, cfg.corr_alert, a) for a in corr.alerts)
    return Measures(report, alerts)
