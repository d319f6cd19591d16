"""Exits: profit take at 50% of the credit, management at 21 DTE, rolls for a net credit, else close."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain.config import StrategyConfig
from domain.types import OptionQuote, Right
from portfolio.exits import choose_roll, manage_exits, roll_id
from tests.factories import option_position, portfolio, quote, stock

CFG = StrategyConfig()
NOW = datetime(2016, 1, 29, 10, 0)       # the held contract expires 2016-02-19: 21 DTE
HELD_EXPIRY = date(2016, 2, 19)
NEXT = date(2016, 3, 18)                  # 49 DTE: inside dte 30-90
FAR = date(2016, 4, 15)                   # 77 DTE: also inside, but not the next expiry


def chain(*quotes: OptionQuote) -> dict[str, OptionQuote]:
    return {q.symbol: q for q in quotes}


def held_put(mid: float, premium: float = 2.00, contracts: int = -2) -> tuple:  # type: ignore[type-arg]
    pos = option_position(Right.PUT, 100.0, contracts, premium, expiry=HELD_EXPIRY)
    q = quote(Right.PUT, 100.0, HELD_EXPIRY, bid=mid - 0.05, ask=mid + 0.05, quote_time=NOW)
    return pos, q


def test_profit_take_at_half_the_credit() -> None:
    pos, q = held_put(mid=1.00)  # credit 2.00, buy back at mid 1.00: 50% captured
    plan = manage_exits(portfolio(100_000.0, positions=(pos,)), chain(q), datetime(2016, 1, 4, 10), CFG)
    (a,) = plan.actions
    assert (a.kind, a.close.quantity, a.close.symbol) == ("close", 2, q.symbol)
    assert "profit take" in a.reason
    pos, q = held_put(mid=1.01)  # 49.5% captured, 46 DTE: nothing to do
    assert manage_exits(portfolio(100_000.0, positions=(pos,)), chain(q), datetime(2016, 1, 4, 10), CFG).actions == ()


def test_roll_down_and_out_for_a_credit_at_21_dte() -> None:
    pos, q = held_put(mid=1.50)
    candidates = chain(
        q,
        quote(Right.PUT, 100.0, NEXT, bid=2.40, ask=2.50, quote_time=NOW),   # credit 0.95
        quote(Right.PUT, 95.0, NEXT, bid=1.45, ask=1.55, quote_time=NOW),    # credit 0.00: not enough
        quote(Right.PUT, 97.5, NEXT, bid=1.80, ask=1.90, quote_time=NOW),    # credit 0.35: farthest OTM with credit
        quote(Right.PUT, 105.0, NEXT, bid=5.00, ask=5.20, quote_time=NOW),   # strike above: never
        quote(Right.PUT, 90.0, FAR, bid=2.00, ask=2.10, quote_time=NOW),     # not the next expiry
    )
    plan = manage_exits(portfolio(100_000.0, positions=(pos,)), candidates, NOW, CFG)
    (a,) = plan.actions
    assert a.kind == "roll"
    assert (a.close.quantity, a.open.quantity, a.open.strike, a.open.expiry) == (2, -2, 97.5, NEXT)  # type: ignore[union-attr]
    assert a.net_credit == pytest.approx(0.35)
    assert a.roll_id == roll_id(q.symbol, a.open.symbol, NOW)  # type: ignore[union-attr]
    assert plan.targets == (a.close, a.open)


def test_no_credit_roll_means_close_unless_debits_are_allowed() -> None:
    pos, q = held_put(mid=3.00)
    debit_only = chain(q, quote(Right.PUT, 100.0, NEXT, bid=2.40, ask=2.50, quote_time=NOW))  # credit -0.55
    (a,) = manage_exits(portfolio(100_000.0, positions=(pos,)), debit_only, NOW, CFG).actions
    assert a.kind == "close" and "no acceptable roll" in a.reason
    loose = CFG.replace(roll_for_credit_only=False)
    (a,) = manage_exits(portfolio(100_000.0, positions=(pos,)), debit_only, NOW, loose).actions
    assert a.kind == "roll" and a.net_credit == pytest.approx(-0.55)


def test_call_roll_respects_the_cost_basis() -> None:
    held = quote(Right.CALL, 105.0, HELD_EXPIRY, bid=1.00, ask=1.10, quote_time=NOW)
    up = quote(Right.CALL, 110.0, NEXT, bid=1.50, ask=1.60, quote_time=NOW)    # credit 0.50
    at = quote(Right.CALL, 105.0, NEXT, bid=2.50, ask=2.60, quote_time=NOW)    # credit 1.50
    assert choose_roll(held, [up, at], NOW, CFG)[0] is up  # type: ignore[index]
    # A call's roll strike is never below the held strike, and never below the basis when that is higher.
    assert choose_roll(held, [up, at], NOW, CFG, cost_basis=111.0) is None
    pos = option_position(Right.CALL, 105.0, -1, 1.20, expiry=HELD_EXPIRY)
    book = portfolio(100_000.0, positions=(stock("XYZ", 100.0, 111.0), pos))
    (a,) = manage_exits(book, chain(held, up, at), NOW, CFG).actions
    assert a.kind == "close"


def test_bad_quotes_are_never_traded_on() -> None:
    pos, _ = held_put(mid=1.0)
    crossed = quote(Right.PUT, 100.0, HELD_EXPIRY, bid=1.2, ask=1.0, quote_time=NOW)
    plan = manage_exits(portfolio(100_000.0, positions=(pos,)), chain(crossed), NOW, CFG)
    assert plan.actions == () and plan.notes == ((crossed.symbol, "no valid quote: left alone"),)
    nan = quote(Right.PUT, 100.0, NEXT, bid=float("nan"), ask=2.5, quote_time=NOW)
    _, q = held_put(mid=1.5)
    assert choose_roll(q, [nan], NOW, CFG) is None
