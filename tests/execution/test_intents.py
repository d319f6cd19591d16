"""Idempotent intents: deterministic ids in tags, a persisted ledger, reconciliation with the broker, and a
restart mid-way through a day that rebuilds from the store plus holdings without a duplicate order."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import date, datetime, timedelta

from domain.config import StrategyConfig
from domain.state import MemoryStore
from domain.types import PortfolioState, Position, Right
from execution.intents import (
    INTENTS_KEY,
    BrokerOrder,
    IntentLedger,
    IntentRecord,
    Leg,
    Status,
    intent_id,
    make_tag,
    parse_tag,
)
from execution.orders import OrderIntent, plan_orders
from portfolio.construct import construct
from portfolio.wheel import EventKind, Stage, WheelBook, WheelEvent
from portfolio.wheel_sync import reconcile
from tests.factories import AS_OF, approve, candidate, market, option_position

CFG = StrategyConfig()


def test_intent_id_is_deterministic_per_day() -> None:
    a = intent_id("csp", "XYZ", "XYZ   160129P00050000", "sell", datetime(2016, 1, 4, 10, 0))
    assert a == intent_id("csp", "XYZ", "XYZ   160129P00050000", "sell", datetime(2016, 1, 4, 15, 59))
    assert a == intent_id("csp", "XYZ", "XYZ   160129P00050000", "sell", date(2016, 1, 4))
    others = {intent_id("cc", "XYZ", "XYZ   160129P00050000", "sell", date(2016, 1, 4)),
              intent_id("csp", "ABC", "XYZ   160129P00050000", "sell", date(2016, 1, 4)),
              intent_id("csp", "XYZ", "XYZ   160129P00045000", "sell", date(2016, 1, 4)),
              intent_id("csp", "XYZ", "XYZ   160129P00050000", "buy", date(2016, 1, 4)),
              intent_id("csp", "XYZ", "XYZ   160129P00050000", "sell", date(2016, 1, 5))}
    assert a not in others and len(others) == 5 and len(a) == 16
    assert parse_tag(make_tag(a, "sell", "csp")) == (a, "sell", "csp")
    assert parse_tag("manual order") is None and parse_tag(None) is None


class FakeBroker:
    """Open orders and holdings by symbol; fills move holdings. Counts every order ever placed."""

    def __init__(self) -> None:
        self.orders: dict[int, BrokerOrder] = {}
        self.holdings: dict[str, float] = {}
        self.placed: list[str] = []

    def place(self, o: OrderIntent) -> int:
        oid = len(self.placed) + 1
        self.placed.append(o.intent_id)
        self.orders[oid] = BrokerOrder(oid, o.tag, o.symbol, o.underlying, o.quantity, 0.0, o.limit_price)
        return oid

    def fill(self, oid: int) -> None:
        o = self.orders.pop(oid)
        self.holdings[o.symbol] = self.holdings.get(o.symbol, 0.0) + o.quantity


def book(broker: FakeBroker, positions: tuple[Position, ...]) -> PortfolioState:
    held = tuple(p for p in positions if broker.holdings.get(p.symbol))
    return PortfolioState(cash=100_000.0, total_value=100_000.0, as_of=AS_OF,
                          positions=tuple(replace(p, quantity=broker.holdings[p.symbol]) for p in held))


def step(store: MemoryStore, broker: FakeBroker, now: datetime, cands, decisions, positions):  # type: ignore[no-untyped-def]
    """One decision cycle as a host runs it: load state, reconcile, construct on holdings plus working orders,
    plan, record each intent before placing it."""
    ledger = IntentLedger(store)
    wheel = WheelBook.load(store)
    ledger.reconcile(list(broker.orders.values()), broker.holdings, now)
    portfolio = book(broker, positions)
    reconcile(wheel, portfolio, now)
    wheel.save(store)
    seen = replace(portfolio, positions=portfolio.positions + ledger.working_positions())
    result = construct(cands, decisions, seen, market(as_of=now), CFG)
    quotes = {c.quote.symbol: c.quote for c in cands}
    for o in plan_orders(result.targets, quotes, CFG, now, ledger):
        ledger.record(o, broker.holdings)
        ledger.submitted(o.intent_id, [broker.place(o)])
    return ledger, wheel


def test_restart_mid_day_rebuilds_from_state_and_holdings_without_duplicates() -> None:
    store, broker = MemoryStore(), FakeBroker()
    cands = [candidate(strike=20.0, underlying=u, bid=1.00, ask=1.02) for u in ("AAA", "BBB", "CCC")]
    decisions = {c.id: approve(c) for c in cands}
    positions = tuple(option_position(Right.PUT, 20.0, 0, 1.01, c.underlying, c.quote.expiry) for c in cands)
    t1 = datetime(2015, 12, 24, 10, 0)

    ledger, _ = step(store, broker, t1, cands, decisions, positions)
    assert len(broker.placed) == 3                      # 2 contracts each (2,000 a contract, 5% of 100,000)
    assert all(r.status is Status.WORKING for r in ledger.records.values())
    # The same cycle a minute later sees the working orders: nothing new.
    step(store, broker, t1 + timedelta(minutes=1), cands, decisions, positions)
    assert len(broker.placed) == 3

    # AAA fills; the process dies before it hears of the fill. A fresh process starts from the store (step()
    # keeps nothing in memory between calls) and the broker's open orders and holdings.
    broker.fill(1)
    ledger, wheel = step(store, broker, t1 + timedelta(minutes=30), cands, decisions, positions)
    assert len(broker.placed) == 3                      # no duplicate after the restart
    assert ledger.records[broker.placed[0]].status is Status.FILLED
    assert [r.status for r in ledger.records.values()].count(Status.WORKING) == 2
    s = wheel.state("AAA")                              # the fill reached the wheel through the holdings
    assert (s.stage, s.options[cands[0].quote.symbol].contracts) == (Stage.SHORT_PUT, -2)

    # An order recorded but never sent (crash between record and place) expires; it is not resent today.
    ghost = candidate(strike=10.0, underlying="DDD", bid=1.00, ask=1.02)
    ledger = IntentLedger(store)
    (o,) = plan_orders(construct([ghost], {ghost.id: approve(ghost)}, book(broker, positions), market(),
                                 CFG).targets, {ghost.quote.symbol: ghost.quote}, CFG, t1, ledger)
    ledger.record(o, broker.holdings)                   # ...and the process dies here
    report = IntentLedger(store).reconcile(list(broker.orders.values()), broker.holdings, t1 + timedelta(hours=1))
    assert o.intent_id in report.expired
    assert plan_orders(construct([ghost], {ghost.id: approve(ghost)}, book(broker, positions), market(), CFG).targets,
                       {ghost.quote.symbol: ghost.quote}, CFG, t1 + timedelta(hours=1), IntentLedger(store)) == ()


def test_reconcile_adopts_tagged_orders_and_ignores_foreign_ones() -> None:
    ledger = IntentLedger(MemoryStore())
    iid = intent_id("csp", "XYZ", "XYZ   160129P00050000", "sell", AS_OF)
    orders = [BrokerOrder(7, make_tag(iid, "sell", "csp"), "XYZ   160129P00050000", "XYZ", -2, -1, 1.05),
              BrokerOrder(8, "placed by hand", "SPY", "SPY", 100)]
    report = ledger.reconcile(orders, {"XYZ   160129P00050000": -1.0}, AS_OF)
    assert (report.adopted, report.foreign) == ((iid,), (8,))
    rec = ledger.get(iid)
    assert rec is not None and (rec.status, rec.order_ids, rec.intent.quantity) == (Status.WORKING, [7], -2)
    assert ledger.seen(iid)  # so the same decision is never placed again
    # A roll combo (one ticket per leg) is adopted as one two-leg intent that never pays a debit.
    rid = intent_id("csp", "XYZ", "A>B", "roll", AS_OF)
    legs = [BrokerOrder(9, make_tag(rid, "roll", "csp"), "A", "XYZ", 2, 0, -0.30),
            BrokerOrder(10, make_tag(rid, "roll", "csp"), "B", "XYZ", -2, 0, -0.30)]
    assert ledger.reconcile(legs, {}, AS_OF).adopted == (rid,)
    roll = ledger.get(rid).intent  # type: ignore[union-attr]
    assert ([(leg.symbol, leg.ratio) for leg in roll.legs], roll.quantity, roll.credit_only) == (
        [("A", 1), ("B", -1)], 2, True)


def test_ledger_persists_and_counts_working_orders_as_positions() -> None:
    store = MemoryStore()
    c = candidate(strike=20.0, bid=1.00, ask=1.02)
    (o,) = plan_orders(construct([c], {c.id: approve(c)}, book(FakeBroker(), ()), market(), CFG).targets,
                       {c.quote.symbol: c.quote}, CFG, AS_OF, IntentLedger(store))
    ledger = IntentLedger(store)
    ledger.record(o, {})
    ledger.submitted(o.intent_id, [3])
    again = IntentLedger(store)
    assert again.get(o.intent_id) == ledger.get(o.intent_id)
    (p,) = again.working_positions()
    assert (p.symbol, p.quantity, p.right, p.strike, p.reserved_cash()) == (c.quote.symbol, -2, Right.PUT, 20.0, 4_000.0)
    again.on_fill(3, c.quote.symbol, -1)
    assert again.working_positions()[0].quantity == -1
    again.on_fill(3, c.quote.symbol, -1)
    assert again.get(o.intent_id).status is Status.FILLED and again.working_positions() == ()  # type: ignore[union-attr]
    assert again.prune(AS_OF + timedelta(days=30)) == 1 and again.records == {}


def test_assignment_event_ordering_with_the_ledger_untouched() -> None:
    # Assignments are not our orders: the ledger ignores them, the wheel takes them.
    ledger = IntentLedger()
    assert ledger.on_fill(99, "XYZ", 1) is None
    wheel = WheelBook()
    wheel.apply(WheelEvent(EventKind.SELL, "XYZ", "P", contracts=1, price=1.0, right=Right.PUT, strike=50.0,
                           expiry=date(2016, 1, 29), multiplier=100))
    s = wheel.apply(WheelEvent(EventKind.ASSIGN, "XYZ", "P", contracts=1, awaiting_shares=True, when=AS_OF.date()))
    assert s.stage is Stage.SHARES and s.pending_shares == 100


def _reference_encoding(records: dict[str, IntentRecord]) -> str:
    """The stored text as ``json.dumps`` of every record's fields writes it (what the ledger has always held)."""
    def iso(v: object) -> object:
        if isinstance(v, datetime | date):
            return v.isoformat()
        raise TypeError(type(v).__name__)

    return json.dumps({"schema": 1, "intents": {k: asdict(r) for k, r in sorted(records.items())}},
                      default=iso, sort_keys=True)


def test_stored_text_is_the_json_of_every_field_and_reads_back() -> None:
    t = datetime(2016, 1, 4, 10, 0)
    put = Leg("XYZ   160129P00050000", 1, "XYZ", Right.PUT, 50.0, date(2016, 1, 29), 100)
    bare = Leg("ABC", -1)
    single = OrderIntent("a" * 16, make_tag("a" * 16, "sell", "csp"), "XYZ", "csp", "sell", (put,), -2, 1.05, 1.0,
                         1.1, 1.05, 1.0, 0.01, 100, t, t + timedelta(minutes=5), reprices=2)
    roll = OrderIntent("b" * 16, "wh:" + "b" * 16 + " roll cc", "ABC", "cc", "roll", (put, bare), 3, -0.3, -0.4,
                       -0.2, -0.3, -0.35, 0.05, 100, t, t, credit_only=True)
    store = MemoryStore()
    ledger = IntentLedger(store)
    ledger.record(single, {"XYZ   160129P00050000": -1})
    ledger.record(roll, {})
    ledger.submitted(roll.intent_id, [9, 4])
    ledger.on_fill(4, "ABC", -1.5)
    ledger.set_status(single.intent_id, Status.CANCELLED, 'day ended "early" \u2013 no fill')
    assert store.data[INTENTS_KEY] == _reference_encoding(ledger.records)
    again = IntentLedger(store)
    assert again.records == ledger.records
    # A repriced intent replaces the stored one (its text is not kept from before).
    ledger.update(replace(single, limit_price=1.04, reprices=3, updated_at=t + timedelta(minutes=10)))
    assert store.data[INTENTS_KEY] == _reference_encoding(ledger.records)
    assert IntentLedger(store).get(single.intent_id).intent.limit_price == 1.04  # type: ignore[union-attr]
    assert ledger.prune(t + timedelta(days=30)) == 1
    assert store.data[INTENTS_KEY] == _reference_encoding(ledger.records) and set(ledger.records) == {roll.intent_id}
    empty = IntentLedger(store)
    empty.records = {}
    empty.save()
    assert store.data[INTENTS_KEY] == '{"intents": {}, "schema": 1}' and IntentLedger(store).records == {}
