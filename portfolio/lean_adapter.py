"""LEAN adapter of portfolio construction: reviewed insights -> sized, capped, cash-secured targets."""

from __future__ import annotations

from AlgorithmImports import *

from domain.config import StrategyConfig
from domain.state import StateStore


class WheelPortfolioConstructionModel(PortfolioConstructionModel):
    """Turns the active insights into ``PortfolioTarget``s with whole contracts (negative = sell).

    Contract: sizing is the project's own cash-secured accounting (strike x multiplier x contracts for puts),
    never ``PortfolioTarget.percent`` (which is margin-based); every target respects the 5% cap, the position
    and sector caps and the cash reservation; the wheel state persists through ``store``.
    """

    def __init__(self, config: StrategyConfig, store: StateStore) -> None:
        super().__init__()
        self.config = config
        self.store = store

    def create_targets(self, algorithm: QCAlgorithm, insights: list[Insight]) -> list[PortfolioTarget]:
        return []

    def on_securities_changed(self, algorithm: QCAlgorithm, changes: SecurityChanges) -> None:
        return None
