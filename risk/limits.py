"""Limit checks and the one rule every trade the gate passes must obey.

The rule (:func:`allowed_units`): after a trade, each measure ``x`` must stay inside
``[min(-L, x_before), max(L, x_before)]``: never pushed past its limit ``L``, and when already past it, never
further out. Exposures are linear in the traded quantity (Greeks held at the current prices), so the set of
allowed quantities is an interval containing zero and the largest allowed quantity is found exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from domain.config.risk import RiskConfig
from risk.exposures import MEASURES, Exposures

TOL = 1e-12
"""Slack on exposure ratios against float rounding (1e-12 of portfolio value)."""

UNITS = {
    "net_delta": "share of portfolio value per unit relative move ($ delta / V)",
    "gamma": "share of portfolio value of delta change per 1% move ($ gamma per 1% / V)",
    "vega": "share of portfolio value per 1 vol point ($ vega / V)",
    "var": "share of portfolio value (one-day loss)",
    "expected_shortfall": "share of portfolio value (one-day loss)",
    "stress": "share of portfolio value (scenario loss)",
}


@dataclass(frozen=True, slots=True)
class LimitStatus:
    """One measure against its limit: ``status`` is ``ok``, ``alert`` (past the alert level) or ``breach``."""

    name: str
    value: float
    limit: float
    status: str
    alert: float | None = None
    unit: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"value": self.value, "limit": self.limit, "alert": self.alert, "status": self.status,
                "unit": self.unit}


def limit_vector(cfg: RiskConfig) -> NDArray[np.float64]:
    """Absolute limits of (net delta, gamma, vega) exposure, the order of :data:`MEASURES`."""
    return np.array([cfg.max_net_delta, cfg.max_gamma_exposure, cfg.max_vega_exposure])


def alert_vector(cfg: RiskConfig) -> NDArray[np.float64]:
    """Alert levels (the limit itself where the settings name none)."""
    return np.array([cfg.max_net_delta, cfg.max_gamma_exposure, cfg.vega_alert])


def status_of(value: float, limit: float, alert: float | None = None) -> str:
    """``breach`` when ``|value| > limit``, ``alert`` when above ``alert``, else ``ok``."""
    if abs(value) > limit + TOL:
        return "breach"
    if alert is not None and abs(value) > alert + TOL:
        return "alert"
    return "ok"


def check_greeks(exp: Exposures, cfg: RiskConfig) -> tuple[LimitStatus, ...]:
    """The three Greek limits of ``exp``."""
    limits, alerts, values = limit_vector(cfg), alert_vector(cfg), exp.vector()
    out = []
    for j, name in enumerate(MEASURES):
        alert = float(alerts[j]) if alerts[j] < limits[j] else None
        out.append(LimitStatus(name, float(values[j]), float(limits[j]), status_of(values[j], limits[j], alert),
                               alert, UNITS[name]))
    return tuple(out)


def check_measure(name: str, loss_fraction: float, limit: float) -> LimitStatus:
    """A loss measure (VaR, ES, stress) as a share of portfolio value against its alert level.

    These are alerts: past the level the status is ``alert``, never ``breach`` (no trade is forced by them).
    """
    status = "alert" if loss_fraction > limit + TOL else "ok"
    return LimitStatus(name, float(loss_fraction), float(limit), status, float(limit), UNITS.get(name, ""))


def bounds(current: NDArray[np.float64], limits: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The interval each measure may end in: ``[min(-L, x), max(L, x)]``."""
    return np.minimum(-limits, current), np.maximum(limits, current)


def allowed_units(current: NDArray[np.float64], per_unit: NDArray[np.float64], limits: NDArray[np.float64],
                  requested: int, require_reduction: bool = False) -> int:
    """Largest ``k`` in ``[0, requested]`` such that ``current + k * per_unit`` stays within :func:`bounds`.

    ``per_unit`` is the exposure change of one unit traded in the requested direction. With
    ``require_reduction`` (the REDUCING state) a trade must also strictly shrink at least one breached
    measure, else 0.
    """
    if requested <= 0:
        return 0
    lo, hi = bounds(current, limits)
    k_max = float(requested)
    for j in range(len(current)):
        c = float(per_unit[j])
        if abs(c) < 1e-18:  # no effect worth a division (k x c stays far below TOL)
            continue
        if c > 0:
            k_max = min(k_max, (hi[j] - current[j] + TOL) / c)
        elif c < 0:
            k_max = min(k_max, (lo[j] - current[j] - TOL) / c)
    k = max(0, min(requested, math.floor(k_max)))
    while k > 0 and not within(current + k * per_unit, lo, hi):
        k -= 1  # guard against rounding in the division above
    if k > 0 and require_reduction:
        breached = np.abs(current) > limits + TOL
        shrinks = np.abs(current + k * per_unit) < np.abs(current) - TOL
        if not (breached & shrinks).any():
            return 0
    return k


def within(value: NDArray[np.float64], lo: NDArray[np.float64], hi: NDArray[np.float64]) -> bool:
    return bool(np.all(value >= lo - TOL) and np.all(value <= hi + TOL))


def breached(current: NDArray[np.float64], limits: NDArray[np.float64]) -> NDArray[np.bool_]:
    return np.abs(current) > limits + TOL
