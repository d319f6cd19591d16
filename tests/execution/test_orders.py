"""Limit pricing: start at mid, tick-rounded away from natural, stepped toward natural within the slippage
limit, cancelled after max_reprices; rolls as two-leg combos that keep a net credit. Hand-computed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.config import StrategyConfig
from domain.types import Right, Strategy, Target
from execution.intents import IntentLedger
from execution.orders import plan, plan_orders, plan_roll, reprice, step_price
from tests.factories import quote

CFG = StrategyConfig()
T0 = datetime(2016, 1, 4, 10, 0)


def target(q, quantity: int, strategy: Strategy = Strategy.CASH_SECURED_PUT) -> Target:  # type: ignore[no-untyped-def]
    return Target(symbol=q.symbol, underlying=q.underlying, quantity=quantity, strategy=strategy, right=q.right,
                  strike=q.strike, expiry=q.expiry, multiplier=q.multiplier)


def walk(intent, quotes, config=CFG, minutes=(4, 5, 10, 15, 20, 25)):  # type: ignore[no-untyped-def]
    """(minute, action, limit) for each check of a working order."""
    out = []
    for m in minutes:
        d = reprice(intent, quotes, config, T0 + timedelta(minutes=m))
        out.append((m, d.action, d.intent.limit_price))
        intent = d.intent
    return out


def test_sell_starts_at_mid_and_steps_to_the_slippage_limit_then_cancels() -> None:
    # bid 1.00 / ask 1.10: mid 1.05, half-spread 0.05; worst = max(1.00, 1.05 - 2% x 1.05 = 1.029).
    q = quote(Right.PUT, 50.0, bid=1.00, ask=1.10)
    (o,) = plan_orders([target(q, -3)], {q.symbol: q}, CFG, T0, IntentLedger())
    assert (o.quantity, o.limit_price, o.worst, o.time_in_force, o.is_combo) == (-3, 1.05, pytest.approx(1.029), "day", False)
    assert o.tag.startswith(f"wh:{o.intent_id} sell csp")
    # Steps of 0.25 x 0.05 = 0.0125: 1.0375 -> 1.04 (rounded up: away from natural), 1.025 -> floor 1.029 -> 1.03.
    assert walk(o, {q.symbol: q}) == [(4, "hold", 1.05), (5, "update", 1.04), (10, "update", 1.03),
                                      (15, "update", 1.03), (20, "update", 1.03), (25, "cancel", 1.03)]


def test_buy_to_close_and_tick_size_from_the_quote() -> None:
    # Buy: bid 0.50 / ask 0.60, mid 0.55; worst = min(0.60, 0.55 + 0.011) = 0.561; step 1: 0.5625 -> 0.561 -> 0.56.
    q = quote(Right.PUT, 50.0, bid=0.50, ask=0.60)
    (o,) = plan_orders([target(q, 2)], {q.symbol: q}, CFG, T0, IntentLedger())
    assert (o.limit_price, o.worst) == (0.55, pytest.approx(0.561))
    assert reprice(o, {q.symbol: q}, CFG, T0 + timedelta(minutes=5)).intent.limit_price == 0.56
    # Nickel ticks above $3: bid 3.10 / ask 3.40, offset 0.5 -> 3.175, floor 3.185 -> rounded up to 3.20.
    q5 = quote(Right.PUT, 50.0, bid=3.10, ask=3.40, tick_size=0.05)
    (o5,) = plan_orders([target(q5, -1)], {q5.symbol: q5}, CFG.replace(limit_offset=0.5), T0, IntentLedger())
    assert o5.limit_price == 3.20
    # A mid between ticks rounds away from natural: sell 1.025 -> 1.03, buy 1.025 -> 1.02.
    qm = quote(Right.PUT, 50.0, bid=1.00, ask=1.05)
    assert step_price(1.00, 1.05, 1.025, 0.01, False, 0, CFG) == (1.03, pytest.approx(1.00450))
    assert step_price(1.00, 1.05, 1.025, 0.01, True, 0, CFG)[0] == 1.02  # type: ignore[index]
    assert qm.mid == 1.025


@pytest.mark.parametrize(("bid", "ask", "why"), [
    (0.0, 0.10, "zero bid"),
    (1.2, 1.0, "bad quote"),
    (float("nan"), 1.0, "non-finite"),
])
def test_bad_quotes_are_skipped_with_a_reason(bid: float, ask: float, why: str) -> None:
    q = quote(Right.PUT, 50.0, bid=bid, ask=ask)
    result = plan([target(q, -1)], {q.symbol: q}, CFG, T0, IntentLedger())
    assert result.intents == () and why in result.skipped[0][1]
    assert plan([target(q, -1)], {}, CFG, T0, IntentLedger()).skipped[0][1].endswith("no quote")


def test_day_order_is_cancelled_the_next_day_and_a_bad_quote_holds() -> None:
    q = quote(Right.PUT, 50.0, bid=1.00, ask=1.10)
    (o,) = plan_orders([target(q, -1)], {q.symbol: q}, CFG, T0, IntentLedger())
    assert reprice(o, {q.symbol: q}, CFG, T0 + timedelta(days=1)).action == "cancel"
    assert reprice(o, {}, CFG, T0 + timedelta(minutes=5)).action == "hold"


def test_roll_is_one_two_leg_combo_that_keeps_a_credit() -> None:
    old = quote(Right.PUT, 100.0, bid=1.45, ask=1.55)
    new = quote(Right.PUT, 97.5, bid=1.80, ask=1.90, expiry=datetime(2016, 3, 18).date())
    quotes = {old.symbol: old, new.symbol: new}
    # Unit = old - new: bid 1.45 - 1.90 = -0.45, ask 1.55 - 1.80 = -0.25, mid -0.35 (a 0.35 credit);
    # gross 1.50 + 1.85 = 3.35; worst = min(-0.25, -0.35 + 0.067, -0.01) = -0.283.
    o = plan_roll(target(old, 2), target(new, -2), quotes, CFG, T0, IntentLedger())
    assert not isinstance(o, str)
    assert ([(leg.symbol, leg.ratio) for leg in o.legs], o.quantity) == ([(old.symbol, 1), (new.symbol, -1)], 2)
    assert (o.limit_price, o.worst, o.action) == (-0.35, pytest.approx(-0.283), "roll")
    assert [x[2] for x in walk(o, quotes, minutes=(5, 10, 15, 20))] == [-0.33, -0.30, -0.29, -0.29]
    # A thin credit never turns into a debit: old 1.45/1.55, new 1.47/1.57 -> mid -0.02, worst -0.01.
    thin = quote(Right.PUT, 97.5, bid=1.47, ask=1.57, expiry=datetime(2016, 3, 18).date())
    o = plan_roll(target(old, 1), target(thin, -1), {old.symbol: old, thin.symbol: thin}, CFG, T0, IntentLedger())
    assert not isinstance(o, str)
    assert [x[2] for x in walk(o, {old.symbol: old, thin.symbol: thin}, minutes=(5, 10, 15))] == [-0.01] * 3
    # A debit roll cannot be placed when credit-only; it can when the setting allows it.
    # Buying back ``new`` (mid 1.85) to sell ``old`` (mid 1.50) costs 0.35 a share.
    assert plan_roll(target(new, 1), target(old, -1), quotes, CFG, T0,
                     IntentLedger()) == "no limit price within the slippage and credit limits"
    loose = CFG.replace(roll_for_credit_only=False)
    debit = plan_roll(target(new, 1), target(old, -1), quotes, loose, T0, IntentLedger())
    assert not isinstance(debit, str) and debit.limit_price == pytest.approx(0.35)


def test_limit_price_never_worse_than_the_slippage_limit() -> None:
    # Wide spread: bid 1.00 / ask 2.00; 2% of mid 1.50 = 0.03: the sell never goes below 1.47.
    q = quote(Right.PUT, 50.0, bid=1.00, ask=2.00)
    (o,) = plan_orders([target(q, -1)], {q.symbol: q}, CFG.replace(limit_offset=1.0), T0, IntentLedger())
    assert o.limit_price == 1.47
    steps = walk(o, {q.symbol: q}, minutes=(5, 10, 15, 20))
    assert all(limit >= 1.47 for _, _, limit in steps)


@given(st.floats(0.01, 50.0), st.floats(0.0, 0.5), st.sampled_from([0.01, 0.05, 0.10]), st.booleans(),
       st.integers(0, 10), st.floats(0.0, 1.0), st.floats(0.01, 1.0), st.floats(0.0, 0.2))
@settings(max_examples=300, deadline=None)
def test_every_price_is_on_the_tick_grid_and_inside_the_limits(bid: float, spread: float, tick: float, buy: bool,
                                                               k: int, offset: float, step: float,
                                                               slip: float) -> None:
    ask = bid * (1 + spread) + 0.01
    cfg = CFG.replace(limit_offset=offset, reprice_step=step, max_slippage_pct=slip)
    mid = 0.5 * (bid + ask)
    priced = step_price(bid, ask, mid, tick, buy, k, cfg)
    if priced is None:
        return
    price, worst = priced
    assert abs(price / tick - round(price / tick)) < 1e-6          # on the grid
    assert price > 0
    if buy:
        assert price <= worst + 1e-9 and worst <= min(ask, mid * (1 + slip)) + 1e-9
        assert price <= mid + 1e-9 or k > 0 or offset > 0            # starts at (or below) mid
    else:
        assert price >= worst - 1e-9 and worst >= max(bid, mid * (1 - slip)) - 1e-9
        assert price >= mid - 1e-9 or k > 0 or offset > 0
