"""The construction adapter through the fake LEAN module: insights -> PortfolioTargets (holdings to reach),
exits, working orders counted, wheel reconciled with holdings before deciding."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest

from domain.config import StrategyConfig
from domain.state import MemoryStore
from domain.types import MarketContext, Reference, Right, Target
from portfolio.wheel import EventKind, Stage, WheelBook, WheelEvent

CFG = StrategyConfig()
EXPIRY = datetime(2016, 1, 29)


def world(lean: ModuleType, contracts: list[tuple[Any, float, float, float]]) -> tuple[Any, dict[float, Any]]:
    """A fake algorithm holding XYZ at 52 with put contracts (right, strike, bid, ask) in the current slice."""
    algo = lean.QCAlgorithm()
    equity = algo.add_equity("XYZ")
    equity.price = 52.0
    canonical = lean.Symbol("?XYZ", lean.SecurityType.OPTION, equity.symbol)
    chain, symbols = [], {}
    for right, strike, bid, ask in contracts:
        sym = lean.Symbol.create_option(equity.symbol, "usa", lean.OptionStyle.AMERICAN, right, strike, EXPIRY)
        algo.securities[sym] = lean.Security(sym, price=(bid + ask) / 2, bid_price=bid, ask_price=ask, multiplier=100.0)
        chain.append(lean.OptionContract(sym, bid, ask, 52.0, algo.time, 500, 1000.0))
        symbols[strike] = sym
    algo.current_slice = lean.Slice(algo.time, {canonical: lean.OptionChain(canonical, chain)})
    return algo, symbols


def insight(lean: ModuleType, symbol: Any, score: float = 9.0, confidence: float = 0.9, size: float = 1.0) -> Any:
    tag = (f"wheelhouse candidate=0123456789abcdef strategy=csp score={score:.2f} contracts=1 "
           f"review=approve size={size:.2f} confidence={confidence * 10:.0f} source=offline")
    return lean.Insight.price(symbol, timedelta(days=1), lean.InsightDirection.DOWN, confidence=confidence,
                              weight=size * score / 10, tag=tag)


def test_insight_becomes_a_cash_secured_target(fake_lean: ModuleType) -> None:
    from portfolio.lean_adapter import WheelPortfolioConstructionModel

    algo, symbols = world(fake_lean, [(fake_lean.OptionRight.PUT, 10.0, 1.00, 1.02),
                                      (fake_lean.OptionRight.PUT, 60.0, 1.00, 1.02)])
    model = WheelPortfolioConstructionModel(CFG, MemoryStore())
    targets = model.create_targets(algo, [insight(fake_lean, symbols[10.0]), insight(fake_lean, symbols[60.0])])
    # Strike 10: 1,000 a contract, 5% of 100,000 -> 5 contracts; strike 60: 6,000 > cap -> none.
    assert [(t.symbol, t.quantity) for t in targets] == [(symbols[10.0], -5)]
    assert targets[0].tag.startswith("wh|entry|csp|")
    assert any("construction:" in line and "csp 5x" in line for line in algo.logs)
    # The review's size multiplier only shrinks; an unknown tag or a contract without a quote is ignored.
    half = model.create_targets(algo, [insight(fake_lean, symbols[10.0], size=0.5)])
    assert [t.quantity for t in half] == [-2]
    foreign = fake_lean.Insight.price(symbols[10.0], timedelta(days=1), fake_lean.InsightDirection.DOWN, tag="x")
    assert model.create_targets(algo, [foreign]) == []


def test_working_orders_count_and_targets_are_holdings_to_reach(fake_lean: ModuleType) -> None:
    from execution.intents import IntentLedger
    from execution.orders import plan_orders
    from portfolio.lean_adapter import WheelPortfolioConstructionModel, chain_quotes

    algo, symbols = world(fake_lean, [(fake_lean.OptionRight.PUT, 10.0, 1.00, 1.02)])
    store = MemoryStore()
    sectors = {"XYZ": Reference("XYZ", sector="Tech"), "OTH": Reference("OTH", sector="Energy")}
    model = WheelPortfolioConstructionModel(CFG, store, lambda: MarketContext(as_of=algo.time, reference=sectors))
    # A working (unfilled) sell of 1 put K=470 on another name commits 47,000 of the 50,000 margin-use cap:
    # construction sees it and cuts this trade to 3 contracts of 1,000.
    quotes, _ = chain_quotes(algo)
    other = replace(quotes[str(symbols[10.0].value)], symbol="OTH   160129P00470000", underlying="OTH", strike=470.0)
    ledger = IntentLedger(store)
    (o,) = plan_orders([Target(other.symbol, "OTH", -1)], {other.symbol: other}, CFG, algo.time, ledger)
    ledger.record(o, {})
    targets = model.create_targets(algo, [insight(fake_lean, symbols[10.0])])
    assert [t.quantity for t in targets] == [-3]
    # Without it, and holding -2 already, the trade is -5 and the LEAN target (holdings to reach) is -7.
    store.data.clear()
    algo.securities[symbols[10.0]].holdings = fake_lean.SecurityHolding(-2, 1.01)
    targets = model.create_targets(algo, [insight(fake_lean, symbols[10.0])])
    assert [t.quantity for t in targets] == [-7]


def test_exits_and_assignment_seen_in_holdings(fake_lean: ModuleType) -> None:
    from portfolio.lean_adapter import WheelPortfolioConstructionModel

    algo, symbols = world(fake_lean, [(fake_lean.OptionRight.PUT, 50.0, 0.45, 0.55)])
    store = MemoryStore()
    put = symbols[50.0]
    algo.securities[put].holdings = fake_lean.SecurityHolding(-1, 1.20)  # sold at 1.20, now 0.50: 58% captured
    book = WheelBook()
    book.apply(WheelEvent(EventKind.SELL, "XYZ", str(put.value), contracts=1, price=1.20, right=Right.PUT, strike=50.0,
                          expiry=date(2016, 1, 29), multiplier=100))
    book.save(store)
    model = WheelPortfolioConstructionModel(CFG, store)
    (close,) = model.create_targets(algo, [])
    assert (close.symbol, close.quantity, close.tag) == (put, 0, "wh|close|csp|profit take")
    # Overnight the put was assigned: no event, the holdings show 100 shares and no put.
    algo.securities[put].holdings = fake_lean.SecurityHolding(0, 0)
    algo.securities[fake_lean.Symbol("XYZ")].holdings = fake_lean.SecurityHolding(100, 50.0)
    assert model.create_targets(algo, []) == []
    state = WheelBook.load(store).state("XYZ")
    assert (state.stage, state.shares, state.cost_basis) == (Stage.SHARES, 100, pytest.approx(48.80))
    assert any("assignment inferred from holdings" in line for line in algo.logs)
