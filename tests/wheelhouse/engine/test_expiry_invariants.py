"""Settlement rules (LEAN's early assignment, dividend exercise, expiry) and the invariants' errors."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain.config import StrategyConfig
from domain.types import Right, Style
from tests.factories import option_position, portfolio, quote
from wheelhouse.engine import expiry, invariants
from wheelhouse.engine.errors import InvariantError
from wheelhouse.engine.ledger import Ledger

EXP = date(2016, 1, 29)
NOW = datetime(2016, 1, 26, 16, 0)


@pytest.mark.parametrize(
    ("spot", "bid", "session", "assigned"),
    [
        (94.0, 5.90, date(2016, 1, 26), True),   # 6.4% ITM, 3 days, bid below intrinsic 6.00
        (96.0, 3.90, date(2016, 1, 26), False),  # only 4.2% ITM
        (94.0, 6.10, date(2016, 1, 26), False),  # bid above intrinsic: the holder sells instead
        (94.0, 5.90, date(2016, 1, 22), False),  # 7 days before expiry
    ],
)
def test_lean_early_assignment_rule(spot: float, bid: float, session: date, assigned: bool) -> None:
    p = option_position(Right.PUT, strike=100.0, contracts=-1, expiry=EXP)
    q = quote(Right.PUT, strike=100.0, expiry=EXP, bid=bid, ask=bid + 0.2)
    out = expiry.early_assignments([p], {p.symbol: q}, session, {"XYZ": spot})
    assert bool(out) is assigned
    if assigned:
        assert "early assignment" in out[0].reason


def test_european_and_long_options_are_never_assigned_early() -> None:
    from dataclasses import replace

    p = option_position(Right.PUT, strike=100.0, contracts=-1, expiry=EXP)
    q = quote(Right.PUT, strike=100.0, expiry=EXP, bid=5.0, ask=5.2)
    assert not expiry.early_assignments([replace(p, style=Style.EUROPEAN)], {p.symbol: q}, date(2016, 1, 26),
                                        {"XYZ": 90.0})
    assert not expiry.early_assignments([replace(p, quantity=1)], {p.symbol: q}, date(2016, 1, 26), {"XYZ": 90.0})


def test_dividend_exercise_when_dividend_exceeds_time_value() -> None:
    p = option_position(Right.CALL, strike=100.0, contracts=-1, expiry=EXP)
    q = quote(Right.CALL, strike=100.0, expiry=EXP, bid=5.10, ask=5.30)  # time value 0.20 at spot 105
    assert expiry.dividend_exercises([p], {p.symbol: q}, {"XYZ": 105.0}, {"XYZ": 0.50})
    assert not expiry.dividend_exercises([p], {p.symbol: q}, {"XYZ": 105.0}, {"XYZ": 0.10})
    assert not expiry.dividend_exercises([p], {p.symbol: q}, {"XYZ": 99.0}, {"XYZ": 0.50})  # out of the money


def test_expiring_lists_only_due_contracts() -> None:
    due = option_position(Right.PUT, strike=100.0, expiry=EXP)
    later = option_position(Right.PUT, strike=95.0, expiry=date(2016, 2, 19))
    out = expiry.expiring([due, later], EXP, {"XYZ": 99.0})
    assert [s.symbol for s in out] == [due.symbol] and "in the money by 1.00" in out[0].reason


def test_free_cash_violation_names_invariant_date_and_numbers() -> None:
    led = Ledger(1_000.0)
    led.trade_option(NOW, quote(Right.PUT, strike=100.0), -1, 1.0, 0.0)
    with pytest.raises(InvariantError) as err:
        invariants.check_books(led, NOW)
    assert err.value.invariant == "free_cash_non_negative"
    assert "2016-01-26" in str(err.value) and "10,000.00" in str(err.value)


def test_uncovered_call_is_a_violation() -> None:
    led = Ledger(100_000.0)
    led.trade_stock(NOW, "XYZ", 50, 100.0, 0.0)
    led.trade_option(NOW, quote(Right.CALL, strike=110.0), -1, 1.0, 0.0)
    with pytest.raises(InvariantError, match="calls_covered"):
        invariants.check_books(led, NOW)


def test_order_on_a_rejected_quote_is_a_violation() -> None:
    bad = quote(bid=1.2, ask=1.0, quote_time=NOW)
    with pytest.raises(InvariantError, match="no_order_on_rejected_quote.*crossed"):
        invariants.check_quote(bad, bad.symbol, -1, NOW, 30)
    with pytest.raises(InvariantError, match="no quote"):
        invariants.check_quote(None, "X", -1, NOW, 30)


def test_entry_caps() -> None:
    cfg = StrategyConfig()
    put = option_position(Right.PUT, strike=100.0, contracts=-6)  # 60,000 notional
    state = portfolio(cash=1_000_000.0, positions=(put,))
    with pytest.raises(InvariantError, match="max_trade_pct"):
        invariants.check_entry_caps(state, put, -6, True, cfg, 20.0, NOW)
    invariants.check_entry_caps(state, put, -5, True, cfg, 20.0, NOW)  # 50,000 = 5 % is allowed
    names = tuple(option_position(Right.PUT, strike=10.0, contracts=-1, underlying=f"U{i}") for i in range(8))
    crowded = portfolio(cash=1_000_000.0, positions=names)
    with pytest.raises(InvariantError, match="max_positions"):
        invariants.check_entry_caps(crowded, names[0], -1, True, cfg, 45.0, NOW)  # cap 7 above VIX 40
    invariants.check_entry_caps(crowded, names[0], -1, False, cfg, 45.0, NOW)  # not a new underlying
    invariants.check_entry_caps(crowded, names[0], -1, True, cfg, 20.0, NOW)  # cap 10
