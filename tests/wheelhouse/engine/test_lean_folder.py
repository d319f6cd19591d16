"""The engine on LEAN's sample data: a short put held across AAPL's 7:1 split of 2014-06-09."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest

from domain.config import StrategyConfig
from domain.types import Right
from wheelhouse.engine.ledger import TradeRow
from wheelhouse.engine.simulator import Simulator
from wheelhouse.engine.sources import DataAdapter, split_ratio
from wheelhouse.engine.step import Order, Step


class SellOnePut:
    """Sells the July 2014 640 put at the close of 2014-06-06."""

    name = "one_put"
    enforce_entry_caps = False
    uses_chains = True

    def on_trades(self, step: Step | None, trades: Sequence[TradeRow]) -> None:
        return None

    def decide(self, step: Step) -> list[Order]:
        if step.session != date(2014, 6, 6):
            return []
        chain = step.raw_chain("AAPL")
        assert chain is not None
        q = next(q for q in chain.quotes if q.right is Right.PUT and q.expiry == date(2014, 7, 19) and q.strike == 640)
        return [Order(q.symbol, "AAPL", -1)]


def test_split_ratio_snaps_to_the_simple_fraction() -> None:
    assert split_ratio(0.142857) == 7.0 and split_ratio(0.5) == 2.0 and split_ratio(2 / 3) == 1.5
    assert split_ratio(0.3) == pytest.approx(1 / 0.3)


def test_short_put_across_the_aapl_split(lean_data: Path) -> None:
    cfg = StrategyConfig().replace(underlyings="AAPL", resolution="daily", initial_cash=1_000_000)
    sim = Simulator(DataAdapter.open(lean_data, cfg), cfg, SellOnePut(), date(2014, 6, 5), date(2014, 6, 9))
    res = sim.run()
    sale = res.trades[0]
    # Hand-read from option/usa/daily/aapl_2014_quote_american.zip: 2014-06-06 close bid 16.55, ask 16.75.
    assert (sale.symbol, sale.quantity, sale.price) == ("AAPL  140719P00640000", -1, pytest.approx(16.65))
    held = sim.ledger.positions
    # OCC adjustment of a 7:1 split: seven contracts of the 640 / 7 = 91.43 put, listed under that symbol.
    assert list(held) == ["AAPL  140719P00091430"]
    p = held["AAPL  140719P00091430"]
    assert (p.quantity, p.strike, p.multiplier) == (-7, 91.43, 100)
    assert p.reserved_cash() == pytest.approx(640 * 100, abs=10)
    assert sim.marks.fallbacks == 0  # marked from the post-split chain, not the model
    before, after = res.rows[-2]["equity"], res.rows[-1]["equity"]
    assert abs(float(after) - float(before)) < 2_000  # type: ignore[arg-type]
