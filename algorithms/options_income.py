"""The options-income (wheel) strategy as a LEAN framework algorithm."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from AlgorithmImports import *

from algorithms.convert import ObjectStoreState, read_config
from alpha.lean_adapter import LeanFundamentalsSource, ScreeningAlphaModel, option_filter
from alpha.reference import ChainedReferenceSource, CsvReferenceSource, ReferenceSource
from domain.types import MarketContext
from execution.lean_adapter import LimitOrderExecutionModel
from llm.lean_adapter import ReviewedAlphaModel
from portfolio.lean_adapter import WheelPortfolioConstructionModel
from risk.lean_adapter import RiskCommand, WheelRiskManagementModel

RESOLUTIONS = {"minute": Resolution.MINUTE, "hour": Resolution.HOUR, "daily": Resolution.DAILY}
REFERENCE_CSV = Path(__file__).resolve().parents[1] / "data" / "reference.csv"


def reference_source(algorithm: QCAlgorithm) -> ReferenceSource:
    """``data/reference.csv`` when the project has one, then LEAN fundamentals (sector) for what it lacks."""
    fundamentals = LeanFundamentalsSource(algorithm)
    if REFERENCE_CSV.is_file():
        return ChainedReferenceSource([CsvReferenceSource(REFERENCE_CSV), fundamentals])
    return fundamentals


class OptionsIncomeAlgorithm(QCAlgorithm):
    """Sells cash-secured puts and covered calls on the configured underlyings.

    Pipeline: screening alpha -> LLM review (wraps the alpha) -> cash-secured construction -> risk gate ->
    limit-order execution. Every stage's logic is in the pure packages; this class only wires them, forwards
    assignment events and live commands, and shares the screen's market context with the later stages.
    """

    def initialize(self) -> None:
        self.config = read_config(self)
        general = self.config.general
        self.set_start_date(general.start_date.year, general.start_date.month, general.start_date.day)
        self.set_end_date(general.end_date.year, general.end_date.month, general.end_date.day)
        self.set_cash(general.initial_cash)
        resolution = RESOLUTIONS[general.resolution]
        for ticker in general.underlyings:
            equity = self.add_equity(ticker, resolution)
            equity.set_data_normalization_mode(DataNormalizationMode.RAW)
            option = self.add_option(ticker, resolution)
            option.set_filter(option_filter(self.config))
        store = ObjectStoreState(self)
        self.screening = ScreeningAlphaModel(self.config, reference=reference_source(self), store=store)
        self.review = ReviewedAlphaModel(self.screening, self.config, store)
        self.execution_model = LimitOrderExecutionModel(self.config, store)
        self.set_alpha(self.review)
        self.set_portfolio_construction(
            WheelPortfolioConstructionModel(self.config, store, market=lambda: self.screening.last_market)
        )
        self.set_risk_management(WheelRiskManagementModel(self.config, store, market=self.market_context))
        self.set_execution(self.execution_model)
        self.add_command(RiskCommand)
        self.debug(f"Wheelhouse settings: {self.config.to_parameters()}")

    def market_context(self, algorithm: QCAlgorithm) -> MarketContext:
        """What the screen last saw (VIX or proxy, vols, reference); before the first screen, time and rate."""
        last = self.screening.last_market
        if last is not None:
            return last
        general = self.config.general
        return MarketContext(as_of=algorithm.time, rate=general.risk_free_rate)

    def on_assignment_order_event(self, assignment_event: OrderEvent) -> None:
        """Assignments update the wheel and the intent ledger (each is booked once, whatever the order)."""
        self.execution_model.on_assignment_order_event(self, assignment_event)

    def on_command(self, data: Any) -> bool | None:
        """Human approval of a reviewed candidate: ``{"candidate_id": "...", "approve": true}``."""
        candidate_id = getattr(data, "candidate_id", None)
        if candidate_id is None:
            self.error("command without candidate_id ignored")
            return False
        return self.review.answer(str(candidate_id), bool(getattr(data, "approve", False)))
