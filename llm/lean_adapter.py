"""LEAN adapter of the LLM review: an AlphaModel wrapping the screening alpha."""

from __future__ import annotations

from AlgorithmImports import *

from domain.config import StrategyConfig
from domain.state import StateStore


class ReviewedAlphaModel(AlphaModel):
    """Calls the inner alpha, reviews its insights and returns only approved ones, rebuilt with the reviewed
    weight and tag (LEAN insights are read-only). It never adds an insight or raises a weight, so rejected
    candidates never reach the insight store or portfolio construction.
    """

    def __init__(self, inner: AlphaModel, config: StrategyConfig, store: StateStore) -> None:
        super().__init__()
        self.inner = inner
        self.config = config
        self.store = store
        self.name = "ReviewedAlphaModel"

    def update(self, algorithm: QCAlgorithm, data: Slice) -> list[Insight]:
        return []

    def on_securities_changed(self, algorithm: QCAlgorithm, changes: SecurityChanges) -> None:
        self.inner.on_securities_changed(algorithm, changes)
