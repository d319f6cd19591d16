"""LEAN adapter of the screening alpha: slice -> chain snapshots -> screen -> one insight per candidate."""

from __future__ import annotations

from datetime import timedelta

from AlgorithmImports import *

from domain.config import StrategyConfig


class ScreeningAlphaModel(AlphaModel):
    """Emits ``InsightDirection.DOWN`` (sell) on each option contract that passes every screen.

    Contract: ``update`` reads ``data.option_chains``, converts each chain with ``algorithms.convert``, prices
    it with the project's pricing (not LEAN's Greeks), runs the pure screen at ``algorithm.time`` and returns one
    insight per passing candidate, the candidate id and score in the tag. No other side effects.
    """

    def __init__(self, config: StrategyConfig) -> None:
        super().__init__()
        self.config = config
        self.name = "ScreeningAlphaModel"
        self.period = timedelta(days=1)

    def update(self, algorithm: QCAlgorithm, data: Slice) -> list[Insight]:
        return []

    def on_securities_changed(self, algorithm: QCAlgorithm, changes: SecurityChanges) -> None:
        return None
