"""LEAN adapter of execution: targets -> limit orders with idempotent intent ids."""

from __future__ import annotations

from AlgorithmImports import *

from domain.config import StrategyConfig
from domain.state import StateStore


class LimitOrderExecutionModel(ExecutionModel):
    """Places day limit orders for options (never market orders), starting at mid, repricing toward the
    natural side within the slippage limit; every order's tag carries a deterministic intent id persisted in
    ``store`` so a restart never duplicates an order.
    """

    def __init__(self, config: StrategyConfig, store: StateStore) -> None:
        super().__init__()
        self.config = config
        self.store = store

    def execute(self, algorithm: QCAlgorithm, targets: list[IPortfolioTarget]) -> None:
        return None

    def on_order_event(self, algorithm: QCAlgorithm, order_event: OrderEvent) -> None:
        return None

    def on_securities_changed(self, algorithm: QCAlgorithm, changes: SecurityChanges) -> None:
        return None
