"""The gate: pre-trade shrink and drop, REDUCING order, HALTED, stops, liquidity, persistence."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import timedelta

import pytest

from domain.config import StrategyConfig
from domain.state import MemoryStore
from domain.types import Right, Target
from risk.breakers import KILL_KEY
from risk.exposures import portfolio_exposures
from risk.gate import GateState, RiskGate
from tests.factories import portfolio, stock
from tests.risk.gate_helpers import AS_OF, SPOT, bs, held, mkt, q, sell

CFG = StrategyConfig()
V = 100_000.0


def gate(store: MemoryStore | None = None, **settings: object) -> RiskGate:
    return RiskGate(CFG.replace(**settings) if settings else CFG, store if store is not None else MemoryStore())


def test_pre_trade_shrinks_to_the_binding_limit_by_hand() -> None:
    put = q(Right.PUT, 95.0)
    _, delta, gamma = bs(Right.PUT, 95.0, 0.25)
    per_delta = -delta * 100 * SPOT / V  # selling one put adds this much net delta
    per_gamma = -gamma * 100 * SPOT * SPOT * 0.01 / V
    expected = min(math.floor(0.20 / per_delta), math.floor(0.05 / abs(per_gamma)))
    r = gate().apply([sell(put, 50)], portfolio(V), {put.symbol: put}, mkt())
    assert r.state is GateState.ACTIVE
    assert [t.quantity for t in r.targets] == [-expected]
    assert 0 < expected < 50
    assert "cut from 50 to" in r.targets[0].reason
    assert r.projected["net_delta"] <= 0.20 + 1e-12 and abs(r.projected["gamma"]) <= 0.05 + 1e-12
    assert r.projected["net_delta"] + per_delta > 0.20 or abs(r.projected["gamma"] - per_gamma) > 0.05


def test_targets_are_taken_in_order_and_later_ones_get_what_is_left() -> None:
    put = q(Right.PUT, 95.0)
    r = gate().apply([sell(put, 50, "a"), sell(put, 50, "b")], portfolio(V), {put.symbol: put}, mkt())
    assert [t.candidate_id for t in r.targets] == ["a"]
    assert r.dropped[0][0] == "b" and "would breach" in r.dropped[0][1]


@pytest.mark.parametrize(("make", "reason"), [
    (lambda p: (sell(p, 1), {}), "no usable quote"),
    (lambda p: (sell(p, 1), {p.symbol: replace(p, bid=p.ask + 0.1)}), "no usable quote"),
    (lambda p: (replace(sell(p, 1), multiplier=10), {p.symbol: p}), "multiplier 10 disagrees"),
    (lambda p: (sell(p, 1), {p.symbol: replace(p, iv=None, underlying_price=80.0)}), "own quote"),  # below intrinsic
    (lambda p: (replace(sell(p, 1), quantity=0), {p.symbol: p}), "zero quantity"),
])
def test_untradeable_targets_are_dropped_with_a_reason(make, reason: str) -> None:  # type: ignore[no-untyped-def]
    target, quotes = make(q(Right.PUT, 95.0))
    r = gate().apply([target], portfolio(V), quotes, mkt())
    assert r.targets == () and len(r.dropped) == 1
    assert reason in r.dropped[0][1]


def _breached_book() -> tuple[list, dict]:  # type: ignore[type-arg]
    """Short puts at two strikes, net delta about 0.3 of V: over the 0.20 limit."""
    near, far = q(Right.PUT, 100.0), q(Right.PUT, 90.0)
    return [held(near, -5), held(far, -5)], {near.symbol: near, far.symbol: far}


def test_breach_goes_reducing_and_closes_the_largest_contributor_first_until_inside() -> None:
    positions, quotes = _breached_book()
    r = gate().apply([], portfolio(V, tuple(positions)), quotes, mkt())
    assert r.state is GateState.REDUCING
    assert r.exposures is not None and r.exposures.net_delta > 0.20
    near = positions[0].symbol  # the 100 strike carries more delta per contract
    assert [t.symbol for t in r.exits] == [near] and r.exits[0].quantity > 0
    assert r.projected["net_delta"] <= 0.20 + 1e-12
    # minimal: one contract fewer would leave the breach
    _, d100, _ = bs(Right.PUT, 100.0, 0.25)
    assert r.projected["net_delta"] + (-d100 * 100 * SPOT / V) > 0.20
    assert any(b.rule == "limit_net_delta" and b.action == "reduce" for b in r.breaches)


def test_reducing_passes_only_exposure_reducing_trades() -> None:
    positions, quotes = _breached_book()
    extra = q(Right.PUT, 95.0)
    quotes[extra.symbol] = extra
    call = q(Right.CALL, 110.0)
    quotes[call.symbol] = call
    pf = portfolio(V, tuple(positions) + (stock("XYZ", 200, SPOT),), prices={"XYZ": SPOT})
    r = gate().apply([sell(extra, 2, "more-puts"), sell(call, 2, "calls")], pf, quotes, mkt())
    assert r.state is GateState.REDUCING
    assert [t.candidate_id for t in r.targets] == ["calls"]  # covered calls cut delta
    assert dict(r.dropped)["more-puts"]


def test_shares_under_a_covered_call_are_never_sold_to_reduce() -> None:
    call = q(Right.CALL, 130.0, iv=0.2)  # far OTM: almost no delta to give back
    pf = portfolio(V, (stock("XYZ", 300, SPOT), held(call, -3)), total_value=V, prices={"XYZ": SPOT})
    r = gate().apply([], pf, {call.symbol: call}, mkt())
    assert r.state is GateState.REDUCING  # 300 shares x 100 = 0.30 of V
    assert all(t.symbol != "XYZ" for t in r.exits)  # all 300 shares cover the calls
    assert any(b.rule == "limit_net_delta" and b.action == "warn" for b in r.breaches)
    pf2 = portfolio(V, (stock("XYZ", 500, SPOT), held(call, -3)), total_value=V, prices={"XYZ": SPOT})
    r2 = gate().apply([], pf2, {call.symbol: call}, mkt())
    sold = [t for t in r2.exits if t.symbol == "XYZ"]
    assert sold and -sold[0].quantity <= 200  # only uncovered shares


def test_kill_switch_parameter_halts_new_entries() -> None:
    put = q(Right.PUT, 95.0)
    r = gate(kill_switch="halt").apply([sell(put, 1)], portfolio(V), {put.symbol: put}, mkt())
    assert r.state is GateState.HALTED and r.targets == ()
    assert "HALTED" in r.dropped[0][1]


@pytest.mark.parametrize("route", ["store", "command"])
def test_kill_switch_liquidates_within_one_step(route: str) -> None:
    positions, quotes = _breached_book()
    positions.append(stock("XYZ", 100, SPOT))
    pf = portfolio(V, tuple(positions), prices={"XYZ": SPOT})
    store = MemoryStore()
    g = gate(store)
    first = g.apply([], pf, quotes, mkt())
    assert first.state is not GateState.HALTED
    if route == "store":
        store.save(KILL_KEY, "liquidate")
    else:
        g.command({"kill_switch": "liquidate"})
    r = g.apply([sell(q(Right.PUT, 95.0), 1)], pf, quotes, mkt(AS_OF.replace(minute=1)))
    assert r.state is GateState.HALTED and r.targets == ()
    closed = {t.symbol: t.quantity for t in r.exits}
    assert closed == {p.symbol: -int(p.quantity) for p in positions}
    assert r.exits[-1].symbol == "XYZ"  # options are bought back before shares are sold


def test_garbled_kill_flag_halts_and_says_so() -> None:
    store = MemoryStore({KILL_KEY: "stahp"})
    r = gate(store).apply([], portfolio(V), {}, mkt())
    assert r.state is GateState.HALTED
    assert any("treated as halt" in b.detail for b in r.breaches)


def test_weekly_loss_breaker_trips_closes_all_and_holds_until_reset() -> None:
    positions, quotes = _breached_book()
    positions = [replace(p, quantity=-1) for p in positions]
    store = MemoryStore()
    g = gate(store)
    values = [100_000, 104_000, 95_000, 93_000]  # 93,000 is 10.6% under the 104,000 high
    results = []
    for day, value in enumerate(values):
        pf = portfolio(V, tuple(positions), total_value=value)
        results.append(g.apply([], pf, quotes, mkt(AS_OF.replace(day=21 + day))))
    assert [r.state for r in results[:3]] == [GateState.ACTIVE] * 3
    tripped = results[3]
    assert tripped.state is GateState.HALTED
    assert {t.symbol for t in tripped.exits} == {p.symbol for p in positions}
    assert any(b.rule == "weekly_loss_breaker" for b in tripped.breaches)
    later = g.apply([sell(q(Right.PUT, 95.0), 1)], portfolio(V, tuple(positions), total_value=99_000), quotes,
                    mkt(AS_OF.replace(day=26)))
    assert later.state is GateState.HALTED and later.targets == ()  # a recovery does not un-halt
    g.reset()
    after = g.apply([], portfolio(V, (), total_value=99_000), {}, mkt(AS_OF.replace(day=27)))
    assert after.state is GateState.ACTIVE
    assert any(b.rule == "reset" for b in after.breaches)


def test_stop_loss_closes_the_position_in_the_same_step() -> None:
    put = q(Right.PUT, 95.0, mid=3.0)
    pos = replace(held(put, -2), cost_basis=2.0)  # 50% loss on the premium
    r = gate().apply([], portfolio(V, (pos,)), {put.symbol: put}, mkt())
    assert [(t.symbol, t.quantity) for t in r.exits] == [(put.symbol, 2)]
    assert "stop_loss" in r.exits[0].reason


def test_wide_spread_reduces_a_held_position_once() -> None:
    put = q(Right.PUT, 95.0, half_spread=0.15)  # spread well over 5% of mid
    pos = held(put, -4)
    store = MemoryStore()
    first = gate(store).apply([], portfolio(V, (pos,)), {put.symbol: put}, mkt())
    assert [(t.symbol, t.quantity) for t in first.exits] == [(put.symbol, 2)]
    second = gate(store).apply([], portfolio(V, (replace(pos, quantity=-2),)), {put.symbol: put},
                               mkt(AS_OF.replace(minute=5)))
    assert second.exits == ()
    assert put.symbol in second.daily_spread


def test_entry_vix_is_remembered_across_gate_instances() -> None:
    put = q(Right.PUT, 95.0)
    pos = held(put, -1)
    store = MemoryStore()
    gate(store).apply([], portfolio(V, (pos,)), {put.symbol: put}, mkt(vix=16.0))
    assert json.loads(store.data["wheelhouse/risk/gate"])["entries"][put.symbol]["vix"] == 16.0
    r = gate(store).apply([], portfolio(V, (pos,)), {put.symbol: put}, mkt(AS_OF.replace(hour=11), vix=24.5))
    assert [t.symbol for t in r.exits] == [put.symbol] and "vix_spike" in r.exits[0].reason


def test_state_persists_through_the_store() -> None:
    positions, quotes = _breached_book()
    store = MemoryStore()
    gate(store).apply([], portfolio(V, tuple(positions)), quotes, mkt())
    assert gate(store).state is GateState.REDUCING


def test_weekly_review_runs_on_friday_once_and_measures_losses() -> None:
    put = q(Right.PUT, 95.0)
    pf = portfolio(V, (held(put, -3),))
    store = MemoryStore()
    g = gate(store, mc_scenarios=1000)
    friday = AS_OF.replace(day=25, hour=15, minute=45)  # Friday 25 Dec 2015, after 15:30
    thursday = g.apply([], pf, {put.symbol: put}, mkt(friday.replace(day=24)))
    assert not thursday.reviewed
    first = g.apply([], pf, {put.symbol: put}, mkt(friday))
    assert first.reviewed and "stress" in first.measures and "var" in first.measures
    again = g.apply([], pf, {put.symbol: put}, mkt(friday.replace(minute=50)))
    assert not again.reviewed
    stressed = g.apply([], pf, {put.symbol: put}, mkt(AS_OF.replace(day=28), vix=35.0))  # Monday, VIX above 30
    assert stressed.reviewed


def test_review_adjusts_a_measure_that_drifted_close_to_its_limit() -> None:
    put = q(Right.PUT, 100.0)
    store = MemoryStore()
    g = gate(store, mc_scenarios=500)
    friday = AS_OF.replace(day=25, hour=15, minute=45)
    g.apply([], portfolio(V, (held(put, -1),)), {put.symbol: put}, mkt(friday))
    # a week later the book holds enough puts for delta 0.195: inside the limit, but drifted and within 10% of it
    later = mkt(friday + timedelta(days=7))
    per = portfolio_exposures(portfolio(V, (held(put, -1),)), {put.symbol: put}, later).net_delta
    n = math.floor(0.195 / per)
    r = g.apply([], portfolio(V, (held(put, -n),)), {put.symbol: put}, later)
    assert r.reviewed and r.state is GateState.ACTIVE
    assert any(b.rule == "drift" and b.action == "adjust" for b in r.breaches)
    assert r.exits and r.projected["net_delta"] <= 0.9 * 0.20 + 1e-12


def test_non_positive_portfolio_value_halts() -> None:
    put = q(Right.PUT, 95.0)
    r = gate().apply([sell(put, 1)], portfolio(V, total_value=0.0), {put.symbol: put}, mkt())
    assert r.state is GateState.HALTED and r.targets == () and r.dropped


def test_closing_targets_pass_while_halted() -> None:
    put = q(Right.PUT, 95.0)
    pos = held(put, -3)
    close = Target(put.symbol, "XYZ", 2, candidate_id="close", right=Right.PUT, strike=95.0, expiry=put.expiry)
    r = gate(kill_switch="halt").apply([close], portfolio(V, (pos,)), {put.symbol: put}, mkt())
    assert [t.quantity for t in r.targets] == [2]


def test_unknown_command_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown risk command"):
        gate().command({"explode": True})
    with pytest.raises(ValueError, match="not one of"):
        gate().command({"kill_switch": "maybe"})


def test_a_step_without_the_held_contracts_quote_uses_its_last_known_iv() -> None:
    put = q(Right.PUT, 100.0, iv=0.40)
    pos = held(put, -5)
    store = MemoryStore()
    with_quote = gate(store).apply([], portfolio(V, (pos,)), {put.symbol: put}, mkt())
    without = gate(store).apply([], portfolio(V, (pos,), prices={"XYZ": SPOT}), {}, mkt(AS_OF.replace(minute=1)))
    assert without.exposures is not None and with_quote.exposures is not None
    assert without.exposures.unpriced == ()
    assert without.exposures.net_delta == pytest.approx(with_quote.exposures.net_delta, rel=1e-9)
