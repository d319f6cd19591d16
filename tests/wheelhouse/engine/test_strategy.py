"""The strategy through the engine: the real stages end to end on a short synthetic window; determinism."""

from __future__ import annotations

from datetime import date

import pytest

from domain.config import StrategyConfig
from domain.state import MemoryStore
from portfolio.wheel import EventKind
from tests.wheelhouse.engine.synthetic import SyntheticMarket
from wheelhouse.engine.ledger import TradeRow
from wheelhouse.engine.pipeline import NetworkNotAllowed, Pipeline
from wheelhouse.engine.simulator import SimulationResult, Simulator
from wheelhouse.engine.strategy import StrategyPolicy, wheel_event

START, END = date(2020, 1, 2), date(2020, 2, 14)
# A low threshold so that the synthetic market's flat volatility still yields entries; the synthetic
# reference has no earnings dates, which the include policy lets through.
CFG = StrategyConfig().replace(underlyings="XYZ", initial_cash=1_000_000, trade_threshold=4.0,
                               unknown_reference_policy="include")


def simulate() -> tuple[SimulationResult, StrategyPolicy, MemoryStore]:
    market = SyntheticMarket.path(START, END, seed=4, daily_vol=0.012, strike_step=2.0, spread=0.04, months=3)
    store = MemoryStore()
    policy = StrategyPolicy(Pipeline(CFG, store))
    result = Simulator(market, CFG, policy, START, END).run()
    policy.finish()
    return result, policy, store


@pytest.fixture(scope="module")
def first() -> tuple[SimulationResult, StrategyPolicy, MemoryStore]:
    return simulate()


def test_entries_go_through_every_stage(first: tuple[SimulationResult, StrategyPolicy, MemoryStore]) -> None:
    result, policy, store = first
    entries = [t for t in result.trades if t.action == "sell_to_open"]
    assert entries, "the strategy should sell puts on this window"
    for t in entries:
        assert t.right == "P" and float(t.quantity).is_integer()
        assert "screen: csp" in t.reason and "construction:" in t.reason and "review: approve" in t.reason
        assert t.candidate_id is not None
    assert policy.screens == len(result.rows)  # one screen per session
    # The run's state went through the store: wheel book, order intents, risk memory.
    assert {"wheelhouse/wheel", "wheelhouse/intents", "wheelhouse/risk/gate"} <= set(store.data)
    # Every opening sale respected the 5 % cap (the engine checks it; here the numbers are visible).
    for t in entries:
        assert t.strike * 100 * -t.quantity <= 0.05 * 1_000_000 * 1.2


def test_same_inputs_same_trades(first: tuple[SimulationResult, StrategyPolicy, MemoryStore]) -> None:
    again, _, _ = simulate()
    assert again.trades == first[0].trades
    assert [r["equity"] for r in again.rows] == [r["equity"] for r in first[0].rows]


def test_network_reviews_need_permission() -> None:
    with pytest.raises(NetworkNotAllowed, match="--network"):
        Pipeline(CFG.replace(review_mode_backtest="live"), MemoryStore())


def test_wheel_events_from_trade_rows() -> None:
    from datetime import datetime

    row = TradeRow(datetime(2020, 1, 17, 16), "XYZ", "XYZ   200117P00100000", "P", 100.0, date(2020, 1, 17),
                   "assigned", 2, 100.0, 0.0, 0.0, 0.0, "expiry", multiplier=100)
    e = wheel_event(row)
    assert e is not None and e.kind is EventKind.ASSIGN and e.contracts == 2
    cash = wheel_event(TradeRow(row.time, "XYZ", row.symbol, "P", 100.0, row.expiry, "assigned", 2, 7.0, 0.0, 0.0,
                                0.0, "", multiplier=100, cash_settled=True))
    assert cash is not None and cash.kind is EventKind.BUY and cash.price == 7.0
    sale = wheel_event(TradeRow(row.time, "XYZ", row.symbol, "P", 100.0, row.expiry, "sell_to_open", -2, 1.5, 1.3,
                                0.0, 0.0, "", multiplier=100))
    assert sale is not None and sale.kind is EventKind.SELL and sale.multiplier == 100 and sale.fee == 1.3
