"""The simulation loop on a synthetic market: rolls, interest, settlement, events, invariants, determinism."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

import pytest

from domain.config import StrategyConfig
from domain.types import Right, Style
from tests.wheelhouse.engine.synthetic import SyntheticMarket, weekdays
from wheelhouse.benchmarks import BuyAndHold, PutWrite
from wheelhouse.engine.errors import InvariantError
from wheelhouse.engine.ledger import TradeRow
from wheelhouse.engine.market import Dividend, Split
from wheelhouse.engine.simulator import Simulator
from wheelhouse.engine.step import Order, Step

CFG = StrategyConfig().replace(underlyings="XYZ", initial_cash=100_000)
START, END = date(2020, 1, 1), date(2020, 4, 30)


def flat(price: float = 100.0, start: date = START, end: date = END) -> dict[date, float]:
    return dict.fromkeys(weekdays(start, end), price)


def run(market: SyntheticMarket, policy: object, cfg: StrategyConfig = CFG, start: date = START,
        end: date = END):  # type: ignore[no-untyped-def]
    return Simulator(market, cfg, policy, start, end).run()  # type: ignore[arg-type]


def test_cash_earns_interest_over_calendar_days() -> None:
    market = SyntheticMarket(flat(), rate=0.05)
    res = run(market, BuyAndHold("NONE"), start=date(2020, 1, 3), end=date(2020, 1, 6))  # Friday, Monday
    eq = [r["equity"] for r in res.rows]
    assert eq[1] == pytest.approx(eq[0] * math.exp(0.05 * 3 / 365))
    no_interest = run(market, BuyAndHold("NONE"), CFG.replace(cash_interest=False), date(2020, 1, 3),
                      date(2020, 1, 6))
    assert no_interest.rows[-1]["equity"] == pytest.approx(100_000)


def test_put_write_rolls_on_third_fridays_fully_collateralised() -> None:
    market = SyntheticMarket(flat(101.0))
    res = run(market, PutWrite("XYZ"))
    sells = [t for t in res.trades if t.action == "sell_to_open"]
    assert [t.time.date() for t in sells] == [date(2020, 1, 17), date(2020, 2, 21), date(2020, 3, 20),
                                             date(2020, 4, 17)]
    first = sells[0]
    assert first.strike == 100.0 and first.expiry == date(2020, 2, 21)  # first strike at or below 101
    # All cash secures the puts: N x K x 100 equals the cash after the sale, to the cent.
    assert first.reserved_cash == pytest.approx(first.cash, abs=0.01)
    assert -first.quantity * 100 * 100.0 == pytest.approx(first.reserved_cash)
    expiries = [t for t in res.trades if t.action == "expired"]
    assert [t.time.date() for t in expiries] == [date(2020, 2, 21), date(2020, 3, 20), date(2020, 4, 17)]


def test_physical_assignment_then_put_write_sells_the_shares() -> None:
    prices = flat(101.0, START, date(2020, 2, 20)) | flat(90.0, date(2020, 2, 21), END)
    res = run(SyntheticMarket(prices), PutWrite("XYZ"))
    actions = [(t.time.date(), t.action) for t in res.trades]
    assert (date(2020, 2, 21), "assigned") in actions and (date(2020, 2, 21), "sell_stock") in actions
    assigned = next(t for t in res.trades if t.action == "assigned")
    assert assigned.price == 100.0  # shares delivered at the strike


def test_cash_settled_european_puts() -> None:
    prices = flat(101.0, START, date(2020, 2, 20)) | flat(90.0, date(2020, 2, 21), END)
    res = run(SyntheticMarket(prices, style=Style.EUROPEAN), PutWrite("XYZ"))
    assigned = next(t for t in res.trades if t.action == "assigned")
    assert assigned.price == pytest.approx(10.0)
    assert not any(t.action == "sell_stock" for t in res.trades)


def test_early_assignment_in_the_last_days() -> None:
    prices = flat(101.0, START, date(2020, 2, 17)) | flat(80.0, date(2020, 2, 18), END)
    market = SyntheticMarket(prices, spread=0.6)
    res = run(market, PutWrite("XYZ"))
    early = [t for t in res.trades if "early assignment" in t.reason]
    assert early and early[0].time.date() == date(2020, 2, 18)  # 3 days before the 2020-02-21 expiry


class Greedy:
    """Sells ten times more puts than cash can secure."""

    name = "greedy"
    enforce_entry_caps = False

    def on_trades(self, step: Step | None, trades: Sequence[TradeRow]) -> None:
        return None

    def decide(self, step: Step) -> list[Order]:
        chain = step.raw_chain("XYZ")
        if step.portfolio.options() or chain is None:
            return []
        q = next(q for q in chain.quotes if q.right is Right.PUT and q.strike == 100.0)
        return [Order(q.symbol, "XYZ", -100)]


class ZeroBid(Greedy):
    name = "zero_bid"

    def decide(self, step: Step) -> list[Order]:
        chain = step.raw_chain("XYZ")
        assert chain is not None
        q = next(q for q in chain.quotes if q.right is Right.PUT and q.bid == 0)
        return [Order(q.symbol, "XYZ", -1)]


def test_unsecured_sale_stops_the_run() -> None:
    with pytest.raises(InvariantError) as err:
        run(SyntheticMarket(flat()), Greedy())
    assert err.value.invariant == "free_cash_non_negative" and err.value.when.date() == START


def test_order_on_a_rejected_quote_stops_the_run() -> None:
    with pytest.raises(InvariantError, match="no_order_on_rejected_quote.*no bid"):
        run(SyntheticMarket(flat(), width=0.6), ZeroBid())


def test_dividends_and_splits_reach_the_books() -> None:
    prices = flat(100.0, START, date(2020, 2, 14)) | flat(50.0, date(2020, 2, 17), END)
    market = SyntheticMarket(prices, dividends=[Dividend("XYZ", date(2020, 1, 15), 1.0)],
                             splits=[Split("XYZ", date(2020, 2, 17), 2.0)])
    res = run(market, BuyAndHold("XYZ"), CFG.replace(cash_interest=False))
    shares = res.trades[0].quantity
    assert res.dividends == pytest.approx(shares * 1.0)
    # The split doubles the shares at half the price: equity is unchanged across it.
    by_day = {r["date"]: r["equity"] for r in res.rows}
    assert by_day[date(2020, 2, 17)] == pytest.approx(by_day[date(2020, 2, 14)])


def test_rows_add_up_and_attribution_explains_the_change() -> None:
    res = run(SyntheticMarket.path(START, END, seed=5), PutWrite("XYZ"))
    parts = ("delta", "theta", "vega", "execution", "fees", "interest", "dividends", "other")
    for prev, row in zip(res.rows, res.rows[1:], strict=False):
        total = sum(float(row[f"pnl_{p}"]) for p in parts)  # type: ignore[arg-type]
        assert total == pytest.approx(float(row["equity"]) - float(prev["equity"]), abs=1e-6)  # type: ignore[arg-type]
    theta = sum(float(r["pnl_theta"]) for r in res.rows)  # type: ignore[arg-type]
    assert theta > 0  # short puts earn the decay


def test_same_inputs_same_trades() -> None:
    a = run(SyntheticMarket.path(START, END, seed=9), PutWrite("XYZ"))
    b = run(SyntheticMarket.path(START, END, seed=9), PutWrite("XYZ"))
    assert a.trades == b.trades and a.rows == b.rows


class TwoEntries(Greedy):
    """Two opening sales in one step, with the strategy's caps checked after each."""

    name = "two_entries"
    enforce_entry_caps = True

    def decide(self, step: Step) -> list[Order]:
        chain = step.raw_chain("XYZ")
        if step.portfolio.options() or chain is None:
            return []
        puts = [q for q in chain.quotes if q.right is Right.PUT and q.strike in (95.0, 100.0)][:2]
        return [Order(q.symbol, "XYZ", -1, sector="Tech") for q in puts]


def test_caps_are_checked_after_each_of_several_entries_in_a_step() -> None:
    res = run(SyntheticMarket(flat()), TwoEntries(), CFG.replace(initial_cash=1_000_000), START, date(2020, 1, 3))
    assert [t.action for t in res.trades] == ["sell_to_open", "sell_to_open"]
    with pytest.raises(InvariantError, match="max_trade_pct"):
        run(SyntheticMarket(flat()), TwoEntries(), CFG.replace(initial_cash=100_000), START, date(2020, 1, 3))


class RollAll(TwoEntries):
    """An opening sale marked as maintenance (a roll of a held position): the entry caps do not apply."""

    name = "roll"

    def decide(self, step: Step) -> list[Order]:
        return [Order(o.symbol, o.underlying, o.quantity, sector=o.sector, maintenance=True)
                for o in super().decide(step)]


def test_maintenance_orders_skip_the_entry_caps() -> None:
    res = run(SyntheticMarket(flat()), RollAll(), CFG.replace(initial_cash=100_000), START, date(2020, 1, 3))
    assert len(res.trades) == 2
