"""LEAN adapter of portfolio construction: reviewed insights -> sized, capped, cash-secured targets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from AlgorithmImports import *

from algorithms.convert import find_symbol, portfolio_state, quote_from_contract
from alpha.tags import parse_insight_tag
from domain.config import StrategyConfig
from domain.state import StateStore
from domain.types import Candidate, MarketContext, OptionQuote, ReviewAction, ReviewDecision, Strategy, Target
from execution.intents import IntentLedger, target_tag
from portfolio.construct import construct
from portfolio.exits import manage_exits
from portfolio.wheel import WheelBook
from portfolio.wheel_sync import reconcile


def chain_quotes(algorithm: QCAlgorithm) -> tuple[dict[str, OptionQuote], dict[str, Symbol]]:
    """Every option quote of the current slice (by symbol value) and the LEAN symbols behind them."""
    quotes: dict[str, OptionQuote] = {}
    symbols: dict[str, Symbol] = {}
    for _, chain in algorithm.current_slice.option_chains.items():
        for contract in chain:
            q = quote_from_contract(contract, algorithm, algorithm.time)
            quotes[q.symbol], symbols[q.symbol] = q, contract.symbol
    return quotes, symbols


def candidate_of(insight: Insight, quotes: dict[str, OptionQuote],
                 now: datetime) -> tuple[Candidate, ReviewDecision] | None:
    """The candidate and review decision an insight carries (tags of alpha.tags + llm.insights); None when the
    tag is not a candidate's or its contract has no quote in this slice."""
    fields = parse_insight_tag(str(insight.tag))
    quote = quotes.get(str(insight.symbol.value))
    if not fields or quote is None or "score" not in fields:
        return None
    try:
        c = Candidate(quote=quote, strategy=Strategy(fields.get("strategy", "csp")), score=float(fields["score"]),
                      as_of=now)
        # Confidence: the insight's (0-1, exact) else the tag's (0-10); a missing one counts as none (0).
        conf = (10.0 * float(insight.confidence) if insight.confidence is not None
                else float(fields.get("confidence", 0)))
        decision = ReviewDecision(c.id, ReviewAction(fields.get("review", "approve")), float(fields.get("size", 1)),
                                  conf, fields.get("source", "insight"))
    except ValueError:
        return None
    return c, decision


class WheelPortfolioConstructionModel(PortfolioConstructionModel):
    """Turns the new insights into ``PortfolioTarget``s with whole contracts (negative = sell), plus exits.

    Contract: sizing is the project's own cash-secured accounting (``portfolio.construct``), never
    ``PortfolioTarget.percent``; working orders of the intent ledger count as held, so caps hold before fills.
    Before deciding, the wheel book (``store``) is reconciled with the holdings (an assignment shows up even
    without an event). Exits (profit take, manage at DTE, rolls) run on every call. LEAN targets are holdings
    to reach, so each trade becomes ``PortfolioTarget(symbol, holding + trade, tag)`` with a
    ``execution.intents.target_tag``. ``market`` supplies VIX and reference data (e.g. the screening alpha's
    ``last_market``); without it construction sees no VIX and no sectors.
    """

    def __init__(self, config: StrategyConfig, store: StateStore,
                 market: Callable[[], MarketContext | None] | None = None) -> None:
        super().__init__()
        self.config = config
        self.store = store
        self.market = market

    def create_targets(self, algorithm: QCAlgorithm, insights: list[Insight]) -> list[PortfolioTarget]:
        now = algorithm.time
        held = portfolio_state(algorithm)
        book = WheelBook.load(self.store)
        before = book.to_json()
        for event in reconcile(book, held, now):
            algorithm.log(f"wheel: {event.kind.value} {event.symbol} {event.contracts or event.shares:g} ({event.note})")
        if book.to_json() != before:  # the ObjectStore is written only on a change
            book.save(self.store)
        basis = book.cost_basis()
        quotes, symbols = chain_quotes(algorithm)
        out: list[PortfolioTarget] = []
        pairs = [p for p in (candidate_of(i, quotes, now) for i in insights) if p is not None]
        if pairs:
            market = (self.market() if self.market else None) or MarketContext(as_of=now)
            seen = replace(held, positions=held.positions + IntentLedger(self.store).working_positions())
            result = construct([c for c, _ in pairs], {d.candidate_id: d for _, d in pairs}, seen, market,
                               self.config, basis)
            for t in result.targets:
                algorithm.log(f"construction: {t.symbol} {t.quantity:+d} {t.reason}")
                out += self._target(algorithm, symbols, t, "entry", t.candidate_id or "")
            if result.dropped:
                algorithm.debug(f"construction: {len(result.dropped)} candidates dropped, e.g. {result.dropped[0][1]}")
        for action in manage_exits(held, quotes, now, self.config, basis).actions:
            ref = action.roll_id if action.kind == "roll" else action.reason.split(":")[0]
            for t in action.targets:
                out += self._target(algorithm, symbols, t, action.kind, ref or "")
        return out

    @staticmethod
    def _target(algorithm: QCAlgorithm, symbols: dict[str, Symbol], t: Target, kind: str,
                ref: str) -> list[PortfolioTarget]:
        symbol = symbols.get(t.symbol) or find_symbol(algorithm, t.symbol)
        if symbol is None:
            return []
        holding = float(algorithm.securities[symbol].holdings.quantity) if symbol in algorithm.securities else 0.0
        strategy = t.strategy.value if t.strategy is not None else "none"
        return [PortfolioTarget(symbol, holding + t.quantity, target_tag(kind, strategy, ref))]

    def on_securities_changed(self, algorithm: QCAlgorithm, changes: SecurityChanges) -> None:
        return None
