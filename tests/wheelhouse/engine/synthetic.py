"""A small deterministic market for engine tests: a price path you choose, BSM-priced chains, known events.

Chains list monthly expiries (third Fridays) up to ``months`` ahead and strikes every ``strike_step`` within
+-``width`` of the spot; quotes are the BSM price at ``vol`` +- half of ``spread`` (bid floored at 0), stamped
at the 16:00 close. ``style`` decides settlement (American: shares, European: cash).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd

from domain.types import ChainSnapshot, OptionQuote, Reference, Right, Style
from pricing.bsm import bsm, year_fraction
from wheelhouse.engine.market import Dividend, Split, third_friday

CLOSE = time(16, 0)


def weekdays(start: date, end: date, holidays: Sequence[date] = ()) -> list[date]:
    out, d = [], start
    while d <= end:
        if d.weekday() < 5 and d not in holidays:
            out.append(d)
        d += timedelta(days=1)
    return out


class SyntheticMarket:
    """Implements ``wheelhouse.engine.market.MarketData`` over an explicit close path."""

    description = "synthetic test market"
    model_priced = True

    def __init__(self, closes: dict[date, float], underlying: str = "XYZ", vol: float = 0.2, rate: float = 0.02,
                 spread: float = 0.10, strike_step: float = 5.0, width: float = 0.3, months: int = 3,
                 style: Style = Style.AMERICAN, dividends: Sequence[Dividend] = (), splits: Sequence[Split] = (),
                 vix: dict[date, float] | None = None, sector: str | None = "Tech",
                 holidays: Sequence[date] = ()) -> None:
        self.underlying = underlying
        self._closes = dict(sorted(closes.items()))
        self.vol, self.r, self.spread = vol, rate, spread
        self.strike_step, self.width, self.months = strike_step, width, months
        self.style = style
        self._dividends = tuple(dividends)
        self._splits = tuple(splits)
        self._vix = vix or {}
        self.sector = sector
        self.holidays = tuple(holidays)
        self.chain_calls = 0

    @classmethod
    def path(cls, start: date, end: date, start_price: float = 100.0, drift: float = 0.0, seed: int = 1,
             daily_vol: float = 0.01, **kw: object) -> SyntheticMarket:
        days = weekdays(start, end, kw.get("holidays", ()))  # type: ignore[arg-type]
        rng = np.random.default_rng(seed)
        steps = rng.normal(drift, daily_vol, len(days))
        prices = start_price * np.exp(np.cumsum(steps) - steps[0])
        return cls(dict(zip(days, prices.tolist(), strict=True)), **kw)  # type: ignore[arg-type]

    def trading_days(self, start: date, end: date) -> list[date]:
        return weekdays(start, end, self.holidays)

    def steps(self, day: date) -> list[datetime]:
        return [datetime.combine(day, CLOSE)]

    def price(self, underlying: str, as_of: datetime) -> float | None:
        return self._closes.get(as_of.date()) if underlying == self.underlying else None

    def chain(self, underlying: str, as_of: datetime) -> ChainSnapshot | None:
        spot = self.price(underlying, as_of)
        if spot is None:
            return None
        self.chain_calls += 1
        day = as_of.date()
        expiries = []
        y, m = day.year, day.month
        for _ in range(self.months + 1):
            e = third_friday(y, m)
            if e in self.holidays:
                e -= timedelta(days=1)
            if e >= day:
                expiries.append(e)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        lo = np.floor(spot * (1 - self.width) / self.strike_step) * self.strike_step
        strikes = np.arange(lo, spot * (1 + self.width) + self.strike_step, self.strike_step)
        quotes = []
        for e in expiries[: self.months]:
            t = year_fraction(as_of, e)
            for right in (Right.PUT, Right.CALL):
                prices = bsm(spot, strikes, t, self.r, 0.0, self.vol, right is Right.CALL).price
                quotes.extend(self._make(underlying, right, float(k), e, as_of, spot, float(p))
                              for k, p in zip(strikes, prices, strict=True))
        return ChainSnapshot(underlying, spot, as_of, tuple(quotes))

    def contract_quote(self, underlying: str, right: Right, strike: float, expiry: date,
                       as_of: datetime) -> OptionQuote | None:
        spot = self.price(underlying, as_of)
        if spot is None or expiry < as_of.date():
            return None
        return self._quote(underlying, right, strike, expiry, as_of, spot)

    def _quote(self, underlying: str, right: Right, strike: float, expiry: date, as_of: datetime,
               spot: float) -> OptionQuote:
        p = float(bsm(spot, strike, year_fraction(as_of, expiry), self.r, 0.0, self.vol, right is Right.CALL).price)
        return self._make(underlying, right, strike, expiry, as_of, spot, p)

    def _make(self, underlying: str, right: Right, strike: float, expiry: date, as_of: datetime, spot: float,
              p: float) -> OptionQuote:
        bid = max(round(p - self.spread / 2, 2), 0.0)
        ask = round(max(p + self.spread / 2, 0.05), 2)
        sym = f"{underlying:<6}{expiry:%y%m%d}{right.value}{round(strike * 1000):08d}"
        return OptionQuote(sym, underlying, right, float(strike), expiry, bid, ask, spot, as_of, style=self.style,
                           open_interest=1000.0, volume=100.0)

    def rate(self, day: date) -> float:
        return self.r

    def vix(self, day: date) -> float | None:
        return self._vix.get(day)

    def closes(self, underlying: str) -> pd.Series:
        return pd.Series(list(self._closes.values()), index=pd.DatetimeIndex(list(self._closes.keys())))

    def dividends(self, underlying: str) -> Sequence[Dividend]:
        return [d for d in self._dividends if d.underlying == underlying]

    def splits(self, underlying: str) -> Sequence[Split]:
        return [s for s in self._splits if s.underlying == underlying]

    def reference(self, underlying: str, day: date) -> Reference | None:
        return Reference(underlying, sector=self.sector, credit_rating="AA")
