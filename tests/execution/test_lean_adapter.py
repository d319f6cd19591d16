"""The execution adapter through the fake LEAN module: day limit orders tagged with intent ids, repricing,
cancel, combo rolls, no duplicate after a restart, fills and assignments reaching the wheel book."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

from domain.config import StrategyConfig
from domain.state import MemoryStore
from execution.intents import IntentLedger, Status, parse_tag, target_tag
from portfolio.wheel import Stage, WheelBook

CFG = StrategyConfig()
EXPIRY = datetime(2016, 1, 29)
LATER = datetime(2016, 3, 18)


def world(lean: ModuleType, quotes: list[tuple[float, datetime, float, float]]) -> tuple[Any, dict[float, Any]]:
    """A fake algorithm with XYZ puts (strike, expiry, bid, ask) in the current slice."""
    algo = lean.QCAlgorithm()
    equity = algo.add_equity("XYZ")
    canonical = lean.Symbol("?XYZ", lean.SecurityType.OPTION, equity.symbol)
    chain, symbols = [], {}
    for strike, expiry, bid, ask in quotes:
        sym = lean.Symbol.create_option(equity.symbol, "usa", lean.OptionStyle.AMERICAN, lean.OptionRight.PUT,
                                        strike, expiry)
        algo.securities[sym] = lean.Security(sym, bid_price=bid, ask_price=ask, multiplier=100.0)
        chain.append(lean.OptionContract(sym, bid, ask, 52.0, algo.time, 500, 1000.0))
        symbols[strike] = sym
    algo.current_slice = lean.Slice(algo.time, {canonical: lean.OptionChain(canonical, chain)})
    return algo, symbols


def test_day_limit_order_at_mid_then_reprice_then_cancel(fake_lean: ModuleType) -> None:
    from execution.lean_adapter import LimitOrderExecutionModel

    algo, symbols = world(fake_lean, [(50.0, EXPIRY, 1.00, 1.10)])
    store = MemoryStore()
    model = LimitOrderExecutionModel(CFG, store)
    put = symbols[50.0]
    target = fake_lean.PortfolioTarget(put, -3, target_tag("entry", "csp", "abc"))
    model.execute(algo, [target])
    (ticket,) = algo.transactions.tickets
    assert (ticket.quantity, ticket.get(fake_lean.OrderField.LIMIT_PRICE)) == (-3, 1.05)
    assert ticket.submit_request.order_properties.time_in_force == fake_lean.TimeInForce.DAY
    iid = parse_tag(ticket.tag)[0]  # type: ignore[index]
    assert IntentLedger(store).get(iid).status is Status.WORKING  # type: ignore[union-attr]
    # The same target again: the working order already covers it.
    model.execute(algo, [target])
    assert len(algo.transactions.tickets) == 1
    # Every 5 minutes one step toward the bid (1.04, 1.03 ... floor 1.029), then cancel after 4 steps.
    prices = []
    for _ in range(5):
        algo.time += timedelta(minutes=5)
        model.execute(algo, [])
        prices.append(ticket.get(fake_lean.OrderField.LIMIT_PRICE))
    assert prices == [1.04, 1.03, 1.03, 1.03, 1.03]
    assert ticket.status == fake_lean.OrderStatus.CANCELED
    assert IntentLedger(store).get(iid).status is Status.CANCELLED  # type: ignore[union-attr]
    # Cancelled today means not re-sent today: the intent id is in the ledger.
    model.execute(algo, [target])
    assert len(algo.transactions.tickets) == 1


def test_restart_reconciles_and_never_duplicates(fake_lean: ModuleType) -> None:
    from execution.lean_adapter import LimitOrderExecutionModel

    algo, symbols = world(fake_lean, [(50.0, EXPIRY, 1.00, 1.10)])
    store = MemoryStore()
    target = fake_lean.PortfolioTarget(symbols[50.0], -3, target_tag("entry", "csp", "abc"))
    LimitOrderExecutionModel(CFG, store).execute(algo, [target])
    (ticket,) = algo.transactions.tickets
    # The process restarts; LEAN still holds the open ticket. Then the broker cancels it (day ended early,
    # reconnect...): the order is gone, the holdings unchanged. A fresh model must not send it again today.
    restarted = LimitOrderExecutionModel(CFG, store)
    restarted.execute(algo, [target])
    assert len(algo.transactions.tickets) == 1
    assert restarted.tickets == {parse_tag(ticket.tag)[0]: [ticket]}  # type: ignore[index]
    ticket.cancel()
    again = LimitOrderExecutionModel(CFG, store)
    again.execute(algo, [target])
    assert len(algo.transactions.tickets) == 1
    assert IntentLedger(store).get(parse_tag(ticket.tag)[0]).status is Status.EXPIRED  # type: ignore[index,union-attr]
    # The next day the same decision is a new intent.
    algo.time += timedelta(days=1)
    again.execute(algo, [target])
    assert len(algo.transactions.tickets) == 2


def test_roll_goes_as_one_combo_with_a_credit(fake_lean: ModuleType) -> None:
    from execution.lean_adapter import LimitOrderExecutionModel

    algo, symbols = world(fake_lean, [(50.0, EXPIRY, 1.45, 1.55), (47.5, LATER, 1.80, 1.90)])
    old, new = symbols[50.0], symbols[47.5]
    algo.securities[old].holdings = fake_lean.SecurityHolding(-2, 2.00)
    tag = target_tag("roll", "csp", "r1")
    LimitOrderExecutionModel(CFG, MemoryStore()).execute(
        algo, [fake_lean.PortfolioTarget(old, 0, tag), fake_lean.PortfolioTarget(new, -2, tag)])
    a, b = algo.transactions.tickets
    assert [(t.symbol, t.quantity) for t in (a, b)] == [(old, 2), (new, -2)]
    assert a.tag == b.tag and parse_tag(a.tag)[1] == "roll"  # type: ignore[index]
    assert a.get(fake_lean.OrderField.LIMIT_PRICE) == -0.35  # net credit of 0.35 a share


def test_fills_and_assignments_reach_the_wheel_once(fake_lean: ModuleType) -> None:
    from execution.lean_adapter import LimitOrderExecutionModel

    algo, symbols = world(fake_lean, [(50.0, EXPIRY, 1.00, 1.10)])
    store = MemoryStore()
    model = LimitOrderExecutionModel(CFG, store)
    put = symbols[50.0]
    model.execute(algo, [fake_lean.PortfolioTarget(put, -1, target_tag("entry", "csp", "abc"))])
    (ticket,) = algo.transactions.tickets
    # Filled at 1.05: LEAN updates the holding, then fires the event.
    algo.securities[put].holdings = fake_lean.SecurityHolding(-1, 1.05)
    fill = fake_lean.OrderEvent(ticket.order_id, put, algo.utc_time, fake_lean.OrderStatus.FILLED,
                                fill_price=1.05, fill_quantity=-1)
    model.on_order_event(algo, fill)
    model.on_order_event(algo, fill)  # delivered twice: booked once (the holding already matches)
    s = WheelBook.load(store).state("XYZ")
    assert (s.stage, s.cash_flow) == (Stage.SHORT_PUT, 105.0)
    assert IntentLedger(store).get(parse_tag(ticket.tag)[0]).status is Status.FILLED  # type: ignore[index,union-attr]
    # Assigned: the event arrives before the shares; through both hooks.
    algo.securities[put].holdings = fake_lean.SecurityHolding(0, 0)
    assigned = fake_lean.OrderEvent(99, put, algo.utc_time, fake_lean.OrderStatus.FILLED, fill_price=0.0,
                                    fill_quantity=1)
    assigned.is_assignment = True
    model.on_order_event(algo, assigned)
    model.on_assignment_order_event(algo, assigned)
    s = WheelBook.load(store).state("XYZ")
    assert (s.stage, s.shares, s.pending_shares, s.cost_basis) == (Stage.SHARES, 100, 100, 48.95)
