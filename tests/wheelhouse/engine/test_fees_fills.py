"""IB commissions and the fill model, on hand-computed cases."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.config.backtest import BacktestConfig
from tests.factories import quote
from wheelhouse.engine.fees import option_commission, stock_commission
from wheelhouse.engine.fills import fill_price, quote_problem

CFG = BacktestConfig()


@pytest.mark.parametrize(("contracts", "fee"), [(0, 0.0), (1, 1.00), (-1, 1.00), (2, 1.30), (10, 6.50), (-10, 6.50)])
def test_option_commission(contracts: float, fee: float) -> None:
    assert option_commission(contracts, CFG) == pytest.approx(fee)


@pytest.mark.parametrize(
    ("shares", "price", "fee"),
    [(0, 100.0, 0.0), (100, 50.0, 1.00), (1000, 50.0, 5.00), (-1000, 50.0, 5.00), (100, 0.50, 0.50)],
)
def test_stock_commission_min_and_one_percent_cap(shares: float, price: float, fee: float) -> None:
    assert stock_commission(shares, price, CFG) == pytest.approx(fee)


def test_sell_fills_at_limit_then_slips_toward_the_bid() -> None:
    assert fill_price(-1, 1.02, 1.00, 1.04, 0.0) == pytest.approx(1.02)
    assert fill_price(-1, 1.02, 1.00, 1.04, 0.25) == pytest.approx(1.01)
    assert fill_price(-1, 1.02, 1.00, 1.04, 1.0) == pytest.approx(1.00)  # never below the bid
    assert fill_price(-1, 0.90, 1.00, 1.04, 0.0) == pytest.approx(1.00)  # marketable: fills at the bid
    assert fill_price(-1, 1.10, 1.00, 1.04, 0.0) is None  # above the ask: no fill


def test_buy_mirrors_sell_and_no_limit_means_mid() -> None:
    assert fill_price(2, None, 1.00, 1.04, 0.0) == pytest.approx(1.02)
    assert fill_price(2, None, 1.00, 1.04, 0.5) == pytest.approx(1.04)
    assert fill_price(2, 1.10, 1.00, 1.04, 0.0) == pytest.approx(1.04)
    assert fill_price(2, 0.95, 1.00, 1.04, 0.0) is None
    assert fill_price(0, 1.0, 1.00, 1.04, 0.0) is None


@given(bid=st.floats(0.0, 50.0), width=st.floats(0.0, 5.0), slip=st.floats(0.0, 1.0), qty=st.sampled_from([-3, 1]),
       pos=st.floats(0.0, 1.0))
def test_fills_never_outside_the_quote(bid: float, width: float, slip: float, qty: int, pos: float) -> None:
    ask = bid + width + 0.01
    limit = bid + pos * (ask - bid)
    price = fill_price(qty, limit, bid, ask, slip)
    assert price is not None and bid - 1e-12 <= price <= ask + 1e-12
    # The trader never does better than the limit.
    assert (price <= limit + 1e-12) if qty < 0 else (price >= limit - 1e-12)


def test_quote_problem_names_each_reason() -> None:
    now = datetime(2015, 12, 24, 16, 0)
    good = quote(quote_time=now)
    assert quote_problem(good, now, 30, selling=True) is None
    assert "crossed" in str(quote_problem(quote(bid=1.1, ask=1.0, quote_time=now), now, 30, True))
    assert "no bid" in str(quote_problem(quote(bid=0.0, ask=0.1, quote_time=now), now, 30, True))
    assert quote_problem(quote(bid=0.0, ask=0.1, quote_time=now), now, 30, selling=False) is None
    assert "no market" in str(quote_problem(quote(bid=0.0, ask=0.0, quote_time=now), now, 30, False))
    assert "non-finite" in str(quote_problem(quote(bid=float("nan"), quote_time=now), now, 30, False))
    assert "stale" in str(quote_problem(quote(quote_time=now - timedelta(hours=1)), now, 30, True))
    assert "after as_of" in str(quote_problem(quote(quote_time=now + timedelta(minutes=1)), now, 30, True))
