"""The put-write benchmark (CBOE PUT methodology) as a LEAN algorithm, to compare with the strategy in LEAN.

Rules (shared with the offline benchmark through ``wheelhouse.engine.monthly``):

* on each roll date (the month's standard expiry: third Friday, or the Thursday before a Good Friday), two
  hours after the open (CBOE prices the new put between 11:30 and 12:00), any put still open is bought back
  and one new put is sold: the first monthly expiry at least 14 days out, struck at the first listed strike at
  or below the underlying price;
* fully collateralised: the largest whole number of contracts N with N x strike x multiplier no more than the
  cash after the sale (the premium joins the collateral, the commission leaves it);
* shares delivered by an assignment are sold at the next data.

Dates, cash and the underlying (the first of ``underlyings``) come from the same ``config.json`` parameters as
the strategy. LEAN pays no interest on cash, so compare with an offline run made with
``--set cash_interest=false``. How to run it: ``docs/benchmarks.md`` (``make put-write-project`` then
``lean backtest build/PutWrite``).
"""

from __future__ import annotations

import math
from datetime import timedelta

from AlgorithmImports import *

from algorithms.convert import quote_from_contract, read_config
from domain.types import Right
from wheelhouse.engine.monthly import collateralised_puts, is_roll_date, pick_atm

MINUTES_AFTER_OPEN = 120


class PutWriteBenchmarkAlgorithm(QCAlgorithm):
    """Sells one-month at-the-money puts on the first configured underlying, rolled monthly, fully secured."""

    def initialize(self) -> None:
        self.config = read_config(self, "put-write benchmark settings")
        g = self.config.general
        self.set_start_date(g.start_date.year, g.start_date.month, g.start_date.day)
        self.set_end_date(g.end_date.year, g.end_date.month, g.end_date.day)
        self.set_cash(g.initial_cash)
        ticker = g.underlyings[0]
        equity = self.add_equity(ticker, Resolution.MINUTE)
        equity.set_data_normalization_mode(DataNormalizationMode.RAW)
        self.underlying = equity.symbol
        option = self.add_option(ticker, Resolution.MINUTE)
        option.set_filter(lambda u: u.include_weeklys().strikes(-15, 2).expiration(14, 45))
        self.option_symbol = option.symbol
        self.started = False
        self.roll_due = False
        self.schedule.on(self.date_rules.every_day(self.underlying),
                         self.time_rules.after_market_open(self.underlying, MINUTES_AFTER_OPEN), self.check_roll)

    def check_roll(self) -> None:
        """Due on a roll date, or any day the position is flat once the benchmark has started."""
        today = self.time.date()
        hours = self.securities[self.underlying].exchange.hours
        next_session = hours.get_next_trading_day(today + timedelta(days=1)).date()
        self.roll_due = is_roll_date(today, next_session) or (self.started and not self._short_puts())

    def _short_puts(self) -> list[Symbol]:
        return [s for s, h in self.portfolio.items()
                if s.security_type == SecurityType.OPTION and h.quantity < 0]

    def on_data(self, data: Slice) -> None:
        shares = self.portfolio[self.underlying].quantity
        if shares != 0:
            self.market_order(self.underlying, -shares, tag="put-write: sell assigned shares")
        if not self.roll_due:
            return
        chain = data.option_chains.get(self.option_symbol)
        if chain is None:
            return
        spot = float(self.securities[self.underlying].price)
        contracts = {str(c.symbol.value): c for c in chain}
        quotes = [quote_from_contract(c, self, self.time) for c in chain]
        choice = pick_atm(quotes, self.time.date(), Right.PUT, spot)
        if choice is None or choice.bid <= 0 or choice.ask < choice.bid:
            return
        for held in self._short_puts():
            self.market_order(held, -self.portfolio[held].quantity, tag="put-write: close before the roll")
        b = self.config.backtest
        n = collateralised_puts(float(self.portfolio.cash), choice.strike, choice.mid, choice.multiplier,
                                lambda k: max(k * b.commission_per_contract, b.commission_min_per_order))
        count = math.floor(n)
        if count <= 0:
            return
        self.market_order(contracts[choice.symbol].symbol, -count,
                          tag=f"put-write roll: {count} puts at {choice.strike:g}, spot {spot:.2f}")
        self.started = True
        self.roll_due = False
