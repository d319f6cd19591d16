"""Benchmarks run on the same data and engine as the strategy: put-write, buy-write, buy-and-hold.

* :class:`PutWrite`, after the CBOE S&P 500 PutWrite Index (PUT) methodology: on each roll date (the monthly
  expiry, the third Friday) the expiring put settles and one new one-month put is sold, struck at the first
  listed strike at or below the underlying price; the number of puts N is as large as full collateral
  allows, N x K = the account's cash after the sale (the T-bill account), which earns the risk-free rate
  (``cash_interest``). Quantities are fractional, as in the index.
* :class:`BuyWrite`, BXM-style: hold the underlying and, on each roll date, sell one-month calls on all of it,
  struck at the first listed strike at or above the underlying price; premiums and settlements are
  reinvested in the underlying at the roll.
* :class:`BuyAndHold`: all capital in the underlying on the first session, held.

Fills, commissions, settlement and interest are the engine's (see ``docs/benchmarks.md`` for where this
departs from CBOE's index arithmetic).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from domain.types import ChainSnapshot, OptionQuote, Right
from wheelhouse.engine.fees import option_commission, stock_commission
from wheelhouse.engine.fills import fill_price, quote_problem
from wheelhouse.engine.ledger import TradeRow
from wheelhouse.engine.market import is_monthly_expiry, is_roll_date
from wheelhouse.engine.step import Order, Step

MIN_DAYS_TO_EXPIRY = 14
"""The new contract is the first monthly expiry at least this many days away (next month's on a roll date)."""

SAFETY = 1e-9
"""Sizing keeps this relative margin so float rounding never leaves free cash a hair below zero."""


def pick_expiry(chain: ChainSnapshot, session: date) -> date | None:
    """The first monthly expiry at least ``MIN_DAYS_TO_EXPIRY`` days away; without monthly expiries in the
    chain, the expiry closest to 30 days."""
    expiries = sorted({q.expiry for q in chain.quotes if (q.expiry - session).days >= MIN_DAYS_TO_EXPIRY})
    monthly = [e for e in expiries if is_monthly_expiry(e)]
    if monthly:
        return monthly[0]
    if not expiries:
        return None
    return min(expiries, key=lambda e: abs((e - session).days - 30))


def pick_atm(chain: ChainSnapshot, session: date, right: Right, spot: float) -> OptionQuote | None:
    """The put at the first strike at or below ``spot`` (PUT), or the call at or above it (BXM)."""
    expiry = pick_expiry(chain, session)
    if expiry is None:
        return None
    same = [q for q in chain.quotes if q.expiry == expiry and q.right is right]
    if right is Right.PUT:
        eligible = [q for q in same if q.strike <= spot]
        return max(eligible, key=lambda q: q.strike) if eligible else None
    eligible = [q for q in same if q.strike >= spot]
    return min(eligible, key=lambda q: q.strike) if eligible else None


class _Monthly:
    """Shared roll logic: act at the close of the first monthly expiry date, then whenever flat in options."""

    name = "benchmark"
    enforce_entry_caps = False
    uses_chains = False

    def __init__(self, underlying: str, fractional: bool = True) -> None:
        self.underlying = underlying
        self.fractional = fractional
        self.started = False

    def on_trades(self, step: Step | None, trades: Sequence[TradeRow]) -> None:
        return None

    def _due(self, step: Step) -> bool:
        if not step.at_close or step.portfolio.options(self.underlying):
            return False
        return self.started or is_roll_date(step.session, step.next_session)

    def _size(self, n: float) -> float:
        return n if self.fractional else float(int(n))


class PutWrite(_Monthly):
    """Fully collateralised one-month at-the-money puts, rolled monthly (CBOE PUT methodology)."""

    name = "put_write"

    def decide(self, step: Step) -> list[Order]:
        orders: list[Order] = []
        u = self.underlying
        shares = step.portfolio.shares(u)
        spot = step.prices.get(u)
        if spot is None:
            return orders
        cfg = step.config.backtest
        cash = step.portfolio.cash
        if shares:
            # An assigned (physically settled) put: sell the shares at once, as a cash settlement would.
            fee = stock_commission(shares, spot, cfg)
            orders.append(Order(u, u, -shares, is_stock=True, reason="put-write: sell assigned shares"))
            cash += shares * spot - fee
        if not self._due(step):
            return orders
        chain = step.raw_chain(u)
        quote = pick_atm(chain, step.session, Right.PUT, spot) if chain is not None else None
        if quote is None or quote_problem(quote, step.as_of, step.config.screen.max_quote_age_minutes, True):
            return orders
        price = fill_price(-1.0, None, quote.bid, quote.ask, cfg.slippage_pct_of_spread)
        if price is None or quote.strike <= price:
            return orders
        per_contract = (quote.strike - price) * quote.multiplier
        n = cash / per_contract
        n = (cash - option_commission(n, cfg)) / per_contract * (1 - SAFETY)
        n = self._size(n)
        if n <= 0:
            return orders
        self.started = True
        orders.append(Order(quote.symbol, u, -n, reason=f"put-write roll: {n:.4f} puts at strike {quote.strike:g} "
                                                          f"(spot {spot:.2f}), expiry {quote.expiry}"))
        return orders


class BuyWrite(_Monthly):
    """The underlying plus one-month at-the-money calls on all of it, rolled monthly (BXM-style)."""

    name = "buy_write"

    def decide(self, step: Step) -> list[Order]:
        orders: list[Order] = []
        u = self.underlying
        spot = step.prices.get(u)
        if spot is None or not self._due(step):
            return orders
        cfg = step.config.backtest
        shares = step.portfolio.shares(u)
        cash = step.portfolio.cash
        # Reinvest cash (premiums, called-away proceeds) in the underlying; sell shares if cash is short.
        target = self._size((shares * spot + cash - stock_commission(abs(cash) / spot, spot, cfg)) / spot
                            * (1 - SAFETY))
        trade = target - shares
        if abs(trade) * spot > 1.0:
            orders.append(Order(u, u, trade, is_stock=True, reason="buy-write: reinvest at the roll"))
            shares = target
        chain = step.raw_chain(u)
        quote = pick_atm(chain, step.session, Right.CALL, spot) if chain is not None else None
        if quote is None or quote_problem(quote, step.as_of, step.config.screen.max_quote_age_minutes, True):
            return orders
        n = self._size(shares / quote.multiplier)
        if n <= 0:
            return orders
        self.started = True
        orders.append(Order(quote.symbol, u, -n, reason=f"buy-write roll: {n:.4f} calls at strike {quote.strike:g} "
                                                          f"(spot {spot:.2f}), expiry {quote.expiry}"))
        return orders


class BuyAndHold:
    """All capital in the underlying at the first close, held to the end."""

    name = "underlying"
    enforce_entry_caps = False
    uses_chains = False

    def __init__(self, underlying: str, fractional: bool = True) -> None:
        self.underlying = underlying
        self.fractional = fractional
        self.bought = False

    def on_trades(self, step: Step | None, trades: Sequence[TradeRow]) -> None:
        return None

    def decide(self, step: Step) -> list[Order]:
        spot = step.prices.get(self.underlying)
        if self.bought or spot is None or not step.at_close:
            return []
        cash = step.portfolio.cash
        fee = stock_commission(cash / spot, spot, step.config.backtest)
        n = (cash - fee) / spot * (1 - SAFETY)
        n = n if self.fractional else float(int(n))
        self.bought = True
        return [Order(self.underlying, self.underlying, n, is_stock=True, reason="buy and hold")]


BENCHMARKS = {"put_write": PutWrite, "buy_write": BuyWrite, "underlying": BuyAndHold}
"""stats.json ``benchmarks`` keys -> policy classes."""
