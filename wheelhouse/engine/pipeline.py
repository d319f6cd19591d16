"""The five stage calls of the strategy, in one small object: the same pure functions the LEAN adapters call.

screen (``alpha.screen.screen_many``) -> review (``llm.review.review_candidates`` with the reviewer of
``review_mode_backtest``) -> construction (``portfolio.construct.construct``) and exits
(``portfolio.exits.manage_exits``) -> risk (``risk.gate.RiskGate.apply``) -> execution
(``execution.orders.plan_orders`` / ``plan_roll`` with an ``execution.intents.IntentLedger``).

Stateful pieces (the reviewer's cache and budget, the risk gate's memory, the intent ledger) persist through
the run's :class:`domain.state.StateStore`. The review never touches the network unless the configured mode
is ``live`` or ``record`` *and* the host allowed it (``allow_network``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, MutableMapping, Sequence
from datetime import datetime

import pandas as pd

from alpha.screen import Prepared, ScreenResult, screen_many
from domain.config import StrategyConfig
from domain.state import StateStore
from domain.types import Candidate, ChainSnapshot, MarketContext, OptionQuote, PortfolioState, ReviewDecision, Target
from execution.intents import IntentLedger, OrderIntent, Status
from execution.orders import plan_orders, plan_roll
from llm.review import ReviewBatch, make_reviewer, review_candidates
from portfolio.construct import ConstructionResult, construct
from portfolio.exits import ExitPlan, manage_exits
from risk.gate import RiskGate, RiskResult


class NetworkNotAllowed(ValueError):
    """The config asks for network reviews in a backtest that was not allowed to use the network."""


class _Timer:
    """Adds the wall time of a ``with`` block to ``totals[name]`` (host-side profiling, not strategy logic)."""

    def __init__(self, totals: dict[str, float], name: str) -> None:
        self.totals, self.name = totals, name

    def __enter__(self) -> None:
        self.t0 = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.totals[self.name] = self.totals.get(self.name, 0.0) + time.perf_counter() - self.t0


class Pipeline:
    """Stage calls with their state; one instance per simulated run. ``timings``: seconds spent per stage."""

    def __init__(self, config: StrategyConfig, store: StateStore, allow_network: bool = False,
                 screen_memo: MutableMapping[tuple[object, ...], Prepared] | None = None,
                 recorded_reviews: bool = True) -> None:
        """``recorded_reviews=False``: ``store`` holds no recorded reviews, so a replay looks none up."""
        mode = config.review.review_mode_backtest
        if mode in ("live", "record") and not allow_network:
            raise NetworkNotAllowed(
                f"review_mode_backtest is '{mode}', which calls the Anthropic API; pass --network to allow it, "
                "or set review_mode_backtest to 'replay' or 'offline'")
        self.config = config
        self.store = store
        self.reviewer = make_reviewer(config, mode, store, recorded=recorded_reviews)
        self.gate = RiskGate(config, store)
        self.intents = IntentLedger(store)
        self.timings: dict[str, float] = {}
        self.screen_memo = screen_memo

    def screen(self, chains: Sequence[ChainSnapshot], portfolio: PortfolioState, market: MarketContext) -> ScreenResult:
        with _Timer(self.timings, "screen"):
            return screen_many(chains, portfolio, market, self.config, self.screen_memo)

    def review(self, candidates: Sequence[Candidate], portfolio: PortfolioState,
               market: MarketContext) -> ReviewBatch:
        with _Timer(self.timings, "review"):
            return review_candidates(candidates, portfolio, market, self.config, self.reviewer, historical=True)

    def construct(self, candidates: Sequence[Candidate], decisions: Mapping[str, ReviewDecision],
                  portfolio: PortfolioState, market: MarketContext,
                  cost_basis: Mapping[str, float]) -> ConstructionResult:
        with _Timer(self.timings, "construct"):
            return construct(candidates, decisions, portfolio, market, self.config, cost_basis)

    def exits(self, portfolio: PortfolioState, quotes: Mapping[str, OptionQuote], as_of: datetime,
              cost_basis: Mapping[str, float]) -> ExitPlan:
        with _Timer(self.timings, "exits"):
            return manage_exits(portfolio, quotes, as_of, self.config, cost_basis)

    def risk(self, targets: Sequence[Target], portfolio: PortfolioState, quotes: Mapping[str, OptionQuote],
             market: MarketContext, history: pd.DataFrame | None) -> RiskResult:
        with _Timer(self.timings, "risk"):
            return self.gate.apply(targets, portfolio, quotes, market, history)

    def plan(self, targets: Sequence[Target], quotes: Mapping[str, OptionQuote], as_of: datetime,
             rolls: Sequence[tuple[Target, Target]] = ()) -> list[OrderIntent]:
        """Single orders for ``targets``, one combo per roll (when ``use_combo_rolls``; else two singles)."""
        with _Timer(self.timings, "execution"):
            out = list(plan_orders(targets, quotes, self.config, as_of, self.intents))
            for close, open_ in rolls:
                if self.config.portfolio.use_combo_rolls:
                    made = plan_roll(close, open_, quotes, self.config, as_of, self.intents)
                    if not isinstance(made, str):
                        out.append(made)
                else:
                    out.extend(plan_orders((close, open_), quotes, self.config, as_of, self.intents))
            return out

    def placed(self, intent: OrderIntent, holding_before: Mapping[str, float]) -> None:
        """Record an intent before it is sent (the ledger dedupes it across restarts)."""
        with _Timer(self.timings, "execution"):
            self.intents.record(intent, holding_before)

    def done(self, intent_id: str, filled: bool) -> None:
        """The engine fills or cancels every order on the step it is placed."""
        with _Timer(self.timings, "execution"):
            self.intents.set_status(intent_id, Status.FILLED if filled else Status.CANCELLED)

    def save(self) -> None:
        self.intents.save()
