"""The books: cash reservation, premiums, settlement by style, round-trip P&L, dividends and splits."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain.types import AssetKind, Right, Style
from tests.factories import quote
from wheelhouse.engine.ledger import Ledger

T0 = datetime(2016, 1, 4, 16, 0)
T1 = datetime(2016, 1, 29, 16, 0)


def short_put(led: Ledger, contracts: float = 2, strike: float = 100.0, price: float = 1.50,
              style: Style = Style.AMERICAN) -> str:
    q = quote(Right.PUT, strike=strike, bid=price, ask=price + 0.04, style=style)
    led.trade_option(T0, q, -contracts, price, 1.30, reason="test entry")
    return q.symbol


def test_selling_a_put_credits_premium_and_reserves_strike_notional() -> None:
    led = Ledger(100_000.0)
    sym = short_put(led)
    assert led.cash == pytest.approx(100_000 + 2 * 150 - 1.30)
    assert led.reserved_cash() == pytest.approx(20_000)
    assert led.free_cash() == pytest.approx(80_000 + 300 - 1.30)
    assert led.premium_collected == pytest.approx(300)
    row = led.trades[-1]
    assert (row.action, row.quantity, row.price, row.reserved_cash) == ("sell_to_open", -2, 1.50, 20_000)
    assert led.positions[sym].quantity == -2 and led.positions[sym].cost_basis == 1.50


def test_put_assigned_buys_shares_at_strike_and_releases_the_reservation() -> None:
    led = Ledger(100_000.0)
    sym = short_put(led)
    row = led.settle_option(T1, sym, 95.0, "expiry")
    assert (row.action, row.quantity, row.price) == ("assigned", 2, 100.0)
    assert led.shares("XYZ") == 200 and led.positions["XYZ"].cost_basis == 100.0
    assert led.reserved_cash() == 0.0
    assert led.cash == pytest.approx(100_000 + 300 - 1.30 - 20_000)
    # Round trip: premium 300 - intrinsic 5 x 200 - fee 1.30.
    assert led.closed[-1].pnl == pytest.approx(300 - 1000 - 1.30)
    assert led.equity({"XYZ": 95.0}) == pytest.approx(100_000 + 300 - 1.30 - 1000)


def test_european_put_is_cash_settled_at_intrinsic() -> None:
    led = Ledger(100_000.0)
    sym = short_put(led, style=Style.EUROPEAN)
    row = led.settle_option(T1, sym, 93.0, "expiry")
    assert (row.action, row.price) == ("assigned", 7.0)
    assert "XYZ" not in led.positions
    assert led.cash == pytest.approx(100_000 + 300 - 1.30 - 1400)


def test_out_of_the_money_expiry_keeps_the_premium() -> None:
    led = Ledger(100_000.0)
    sym = short_put(led)
    row = led.settle_option(T1, sym, 100.0, "expiry")  # at the money counts as out
    assert (row.action, row.price) == ("expired", 0.0)
    assert not led.positions and led.closed[-1].pnl == pytest.approx(298.70)


def test_covered_call_called_away_delivers_shares_at_strike() -> None:
    led = Ledger(0.0)
    led.trade_stock(T0, "XYZ", 100, 100.0, 1.0)
    q = quote(Right.CALL, strike=105.0, bid=2.0, ask=2.1)
    led.trade_option(T0, q, -1, 2.0, 1.0)
    row = led.settle_option(T1, q.symbol, 110.0, "expiry")
    assert row.action == "called_away" and led.shares("XYZ") == 0
    assert led.cash == pytest.approx(-10_000 - 1 + 200 - 1 + 10_500)


def test_buy_to_close_and_no_flip() -> None:
    led = Ledger(100_000.0)
    sym = short_put(led)
    q = quote(Right.PUT, strike=100.0, bid=0.70, ask=0.74)
    led.trade_option(T1, q, 1, 0.72, 1.0)
    assert led.trades[-1].action == "buy_to_close" and led.positions[sym].quantity == -1
    with pytest.raises(ValueError, match="not flip"):
        led.trade_option(T1, q, 3, 0.72, 1.0)
    led.trade_option(T1, q, 1, 0.72, 1.0)
    assert sym not in led.positions
    assert led.closed[-1].pnl == pytest.approx(300 - 1.30 - 144 - 2.0)


def test_dividend_and_split() -> None:
    led = Ledger(0.0)
    led.trade_stock(T0, "XYZ", 100, 700.0, 0.0)
    q = quote(Right.CALL, strike=700.0, bid=10.0, ask=10.2, expiry=date(2016, 6, 17))
    led.trade_option(T0, q, -1, 10.0, 0.0)
    assert led.pay_dividend("XYZ", 0.52) == pytest.approx(52.0)
    led.split("XYZ", 7.0, T1, rename={q.symbol: "NEW"})
    stock, call = led.positions["XYZ"], led.positions["NEW"]
    assert (stock.quantity, stock.cost_basis) == (700, 100.0)
    assert (call.quantity, call.strike, call.multiplier, call.kind) == (-7, 100.0, 100, AssetKind.OPTION)
    led.split("XYZ", 1.5, T1)
    assert led.positions["NEW"].multiplier == 150 and led.positions["NEW"].quantity == -7
