"""The wheel's lifecycle: one underlying walked put -> assignment -> calls -> called away, by hand; persistence;
reconciliation with holdings (assignment without an event, the event before the shares); the flat invariant."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.state import MemoryStore
from domain.types import PortfolioState, Position, Right
from portfolio.wheel import EventKind, Stage, WheelBook, WheelEvent
from portfolio.wheel_sync import reconcile
from tests.factories import option_position, stock

PUT = "XYZ   160219P00100000"
CALL = "XYZ   160318C00105000"
T0 = datetime(2016, 1, 4, 10, 0)


def sell(symbol: str, right: Right, strike: float, expiry: date, price: float, n: float = 1,
         holding_after: float | None = None) -> WheelEvent:
    return WheelEvent(EventKind.SELL, "XYZ", symbol, contracts=n, price=price, right=right, strike=strike,
                      expiry=expiry, multiplier=100, holding_after=holding_after)


def book_state(cash: float, positions: tuple[Position, ...], price: float = 100.0) -> PortfolioState:
    """The broker's view: cash, holdings and marks (total value is not used by the wheel)."""
    return PortfolioState(cash=cash, total_value=cash, positions=positions, as_of=T0, prices={"XYZ": price})


def test_one_underlying_through_the_whole_wheel_by_hand() -> None:
    store = MemoryStore()
    cash = 100_000.0
    book = WheelBook()
    s = book.state("XYZ")
    assert s.stage is Stage.CASH

    # 1. Sell 1 put K=100 at 2.00: +200 cash; 10,000 reserved, so free cash 90,200.
    s = book.apply(sell(PUT, Right.PUT, 100.0, date(2016, 2, 19), 2.00))
    broker = book_state(cash + s.cash_flow, (option_position(Right.PUT, 100.0, -1, 2.00, "XYZ", date(2016, 2, 19)),))
    assert (s.stage, s.cash_flow, s.premium, s.cost_basis) == (Stage.SHORT_PUT, 200.0, 200.0, None)
    assert (broker.cash, broker.free_cash()) == (100_200.0, 90_200.0)
    book.save(store)

    # 2. Assigned at 100: pay 10,000 for 100 shares; adjusted basis (10,000 - 200) / 100 = 98.00.
    book = WheelBook.load(store)  # the state survives a restart
    s = book.apply(WheelEvent(EventKind.ASSIGN, "XYZ", PUT, contracts=1))
    assert (s.stage, s.shares, s.stock_cost, s.cost_basis, s.broker_basis) == (Stage.SHARES, 100, 10_000.0, 98.0, 100.0)
    assert cash + s.cash_flow == 90_200.0
    assert s.options == {}

    # 3. Sell 1 call K=105 at 1.50 against the shares: +150; basis (10,000 - 350) / 100 = 96.50.
    s = book.apply(sell(CALL, Right.CALL, 105.0, date(2016, 3, 18), 1.50))
    assert (s.stage, s.cost_basis, cash + s.cash_flow) == (Stage.COVERED_CALL, 96.5, 90_350.0)
    book.save(store)

    # 4. Called away at 105: +10,500; realised (105 - 96.50) x 100 = 850 = every cash flow; back to CASH.
    book = WheelBook.load(store)
    s = book.apply(WheelEvent(EventKind.ASSIGN, "XYZ", CALL, contracts=1))
    assert (s.stage, s.shares, s.cost_basis) == (Stage.CASH, 0, None)
    assert cash + s.cash_flow == 100_850.0
    assert s.realised == pytest.approx(850.0) == s.cash_flow
    assert s.cycles == 1
    assert [h.split(" -> ")[1] for h in s.history] == ["short_put", "shares", "covered_call", "cash"]


def test_partial_call_away_keeps_the_adjusted_basis() -> None:
    book = WheelBook()
    book.apply(sell(PUT, Right.PUT, 100.0, date(2016, 2, 19), 2.00, n=2))
    book.apply(WheelEvent(EventKind.ASSIGN, "XYZ", PUT, contracts=2))             # 200 shares, basis 98
    s = book.apply(sell(CALL, Right.CALL, 105.0, date(2016, 3, 18), 1.00, n=1))   # basis (20,000-500)/200 = 97.5
    assert s.cost_basis == pytest.approx(97.5)
    s = book.apply(WheelEvent(EventKind.ASSIGN, "XYZ", CALL, contracts=1))        # 100 called away at 105
    assert (s.shares, s.cost_basis, s.realised) == (100, pytest.approx(97.5), pytest.approx(750.0))
    s = book.apply(WheelEvent(EventKind.STOCK, "XYZ", "XYZ", shares=-100, price=95.0))  # sell the rest at 95
    assert s.stage is Stage.CASH and s.realised == pytest.approx(s.cash_flow) == pytest.approx(500.0)


def test_put_expires_or_is_bought_back() -> None:
    book = WheelBook()
    book.apply(sell(PUT, Right.PUT, 100.0, date(2016, 2, 19), 2.00))
    s = book.apply(WheelEvent(EventKind.BUY, "XYZ", PUT, contracts=1, price=1.00, fee=1.30))
    assert (s.stage, s.realised, s.cash_flow) == (Stage.CASH, pytest.approx(98.70), pytest.approx(98.70))
    book.apply(sell(PUT, Right.PUT, 100.0, date(2016, 2, 19), 2.00))
    s = book.apply(WheelEvent(EventKind.EXPIRE, "XYZ", PUT))
    assert (s.stage, s.cycles, s.realised) == (Stage.CASH, 2, pytest.approx(298.70))


def test_fill_with_holding_after_is_applied_once() -> None:
    book = WheelBook()
    e = sell(PUT, Right.PUT, 100.0, date(2016, 2, 19), 2.00, holding_after=-1)
    book.apply(e)
    s = book.apply(e)  # the same fill again (event replayed, or already inferred from holdings)
    assert s.options[PUT].contracts == -1 and s.cash_flow == 200.0


def test_assignment_detected_from_holdings_without_any_event() -> None:
    book = WheelBook()
    book.apply(sell(PUT, Right.PUT, 100.0, date(2016, 2, 19), 2.00))
    # Overnight: the put is gone and 100 shares appeared (no event reached the strategy).
    events = reconcile(book, book_state(90_200.0, (stock("XYZ", 100.0, 100.0),)), T0)
    assert [e.kind for e in events] == [EventKind.ASSIGN]
    s = book.state("XYZ")
    assert (s.stage, s.shares, s.cost_basis) == (Stage.SHARES, 100, 98.0)
    # A late assignment event now changes nothing: the book no longer holds the put.
    s = book.apply(WheelEvent(EventKind.ASSIGN, "XYZ", PUT, contracts=1, awaiting_shares=True))
    assert (s.shares, s.cash_flow, s.pending) == (100, -9_800.0, {})


def test_assignment_event_before_the_shares_appear() -> None:
    book = WheelBook()
    book.apply(sell(PUT, Right.PUT, 100.0, date(2016, 2, 19), 2.00))
    s = book.apply(WheelEvent(EventKind.ASSIGN, "XYZ", PUT, contracts=1, awaiting_shares=True, when=T0.date()))
    assert (s.stage, s.shares, s.pending_shares) == (Stage.SHARES, 100, 100)
    # The holdings still show the short put and no shares, then the put gone but no shares yet:
    # the book waits instead of inferring a new put sale or a share sale.
    lagging = (option_position(Right.PUT, 100.0, -1, 2.00, "XYZ", date(2016, 2, 19)),)
    assert reconcile(book, book_state(100_200.0, lagging), T0) == ()
    assert reconcile(book, book_state(100_200.0, ()), T0) == ()
    assert book.state("XYZ").shares == 100
    # The shares arrive: nothing to infer, the pending mark clears.
    assert reconcile(book, book_state(90_200.0, (stock("XYZ", 100.0, 100.0),)), T0) == ()
    s = book.state("XYZ")
    assert (s.pending, s.pending_shares, s.shares, s.cost_basis) == ({}, 0.0, 100, 98.0)


def test_reconcile_infers_expiry_unseen_fills_and_outside_trades() -> None:
    book = WheelBook()
    book.apply(sell(PUT, Right.PUT, 100.0, date(2016, 2, 19), 2.00))
    after_expiry = datetime(2016, 2, 22, 10, 0)
    events = reconcile(book, book_state(100_200.0, ()), after_expiry)
    assert [e.kind for e in events] == [EventKind.EXPIRE] and book.state("XYZ").stage is Stage.CASH
    # A put sold while the strategy was down shows up in the holdings only.
    held = (option_position(Right.PUT, 95.0, -2, 1.80, "XYZ", date(2016, 3, 18)),)
    events = reconcile(book, book_state(100_560.0, held), after_expiry)
    s = book.state("XYZ")
    assert [e.kind for e in events] == [EventKind.SELL]
    assert (s.stage, s.premium, s.options[held[0].symbol].contracts) == (Stage.SHORT_PUT, pytest.approx(360.0), -2)
    # Reconciling the same holdings again changes nothing.
    assert reconcile(book, book_state(100_560.0, held), after_expiry) == ()


def test_state_round_trips_through_json() -> None:
    book = WheelBook()
    book.apply(sell(PUT, Right.PUT, 100.0, date(2016, 2, 19), 2.00))
    book.apply(WheelEvent(EventKind.ASSIGN, "XYZ", PUT, contracts=1, awaiting_shares=True, when=T0.date()))
    again = WheelBook.from_json(book.to_json())
    assert again.to_json() == book.to_json()
    assert again.state("XYZ").pending_since == T0.date()
    with pytest.raises(ValueError, match="schema"):
        WheelBook.from_json('{"schema": 99, "underlyings": {}}')


def test_state_text_is_the_dataclass_encoding() -> None:
    import json
    from dataclasses import asdict

    from portfolio.wheel import SCHEMA, _encode

    book = WheelBook()
    book.apply(sell(PUT, Right.PUT, 100.0, date(2016, 2, 19), 2.00))
    book.apply(WheelEvent(EventKind.ASSIGN, "XYZ", PUT, contracts=1, awaiting_shares=True, when=T0.date()))
    book.apply(sell(PUT, Right.PUT, 95.0, date(2016, 3, 18), 1.10))
    assert book.state("XYZ").options and book.state("XYZ").history and book.state("XYZ").pending
    doc = {"schema": SCHEMA, "underlyings": {u: asdict(s) for u, s in book.states.items()}}
    assert book.to_json() == json.dumps(doc, default=_encode, sort_keys=True)


ops = st.lists(st.tuples(st.sampled_from(["sell_put", "sell_call", "buy", "expire", "assign"]),
                         st.integers(1, 3), st.floats(0.05, 10.0)), max_size=30)


@settings(max_examples=100, deadline=None)
@given(ops)
def test_realised_equals_cash_flow_whenever_flat(seq: list[tuple[str, int, float]]) -> None:
    book = WheelBook()
    for op, n, price in seq:
        s = book.state("XYZ")
        if op == "sell_put":
            book.apply(sell(PUT, Right.PUT, 100.0, date(2016, 2, 19), price, n))
        elif op == "sell_call" and s.shares > -s.short_contracts(CALL) * 100:
            free = int((s.shares + s.short_contracts(CALL) * 100) // 100)
            book.apply(sell(CALL, Right.CALL, 105.0, date(2016, 3, 18), price, min(n, free)))
        elif op in ("buy", "expire", "assign") and s.options:
            sym = sorted(s.options)[n % len(s.options)]
            kind = {"buy": EventKind.BUY, "expire": EventKind.EXPIRE, "assign": EventKind.ASSIGN}[op]
            book.apply(WheelEvent(kind, "XYZ", sym, contracts=1, price=price))
        s = book.state("XYZ")
        assert s.shares >= 0
        if s.flat:
            assert s.realised == pytest.approx(s.cash_flow, abs=1e-6)
        if s.shares > 0:  # the adjusted basis is the stock cost net of the cycle's unconsumed premium
            assert s.cost_basis == pytest.approx((s.stock_cost - s.premium) / s.shares)
