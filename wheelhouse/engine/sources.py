"""The engine's two data sources over ``wheelhouse.data``: the bundled default data and a LEAN data folder.

Both implement :class:`wheelhouse.engine.market.MarketData` and add ``contract_quote`` (a quote for one held
contract that the step's chain does not list).

* :class:`DefaultSource` wraps :class:`wheelhouse.data.default.DefaultData` (S&P 500 / 10 as the configured
  underlying, model-priced chains, T-bill rates, VIX or its model equivalent). One decision step per session,
  at the 16:00 close.
* :class:`LeanFolderSource` reads a LEAN data folder. Steps: the session close when the chosen resolution is
  daily; with hour or minute option data, hourly from 10:30 to the close on days that have that data.
  Dividends and splits come from the factor files; the rate from the interest-rate file (else
  ``risk_free_rate``); the VIX from ``index/usa/daily/vix.zip`` when present.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import pandas as pd

from domain.config import StrategyConfig
from domain.types import ChainSnapshot, OptionQuote, Reference, Right
from wheelhouse.data import equity, reference
from wheelhouse.data.chain import chain_snapshot, underlying_price
from wheelhouse.data.default import DefaultData
from wheelhouse.data.errors import DataError
from wheelhouse.data.options import find_security, option_path
from wheelhouse.engine.market import Dividend, Split

BENCHMARK_DTE = (7, 63)
"""Expiry window of the chains the benchmarks see: a roll sells next month's expiry, 28 or 35 days out, which
the strategy's ``dte_min`` may exclude."""


class DefaultSource:
    """The bundled default data (see ``wheelhouse.data.default``)."""

    model_priced = True

    def __init__(self, data: DefaultData) -> None:
        self.data = data
        self.description = data.description
        self._closes = data.daily_bars(data.underlying)["close"]
        self._closes.index = pd.DatetimeIndex(self._closes.index)

    @classmethod
    def from_config(cls, config: StrategyConfig) -> DefaultSource:
        return cls(DefaultData.from_config(config))

    def for_benchmarks(self) -> DefaultSource:
        """The same data with chains listing expiries ``BENCHMARK_DTE`` days out (a shallow copy: the price
        and volatility arrays are shared, only the expiry window differs)."""
        data = copy.copy(self.data)
        data.dte_min, data.dte_max = BENCHMARK_DTE
        return DefaultSource(data)

    def trading_days(self, start: date, end: date) -> list[date]:
        return self.data.trading_days(start, end)

    def steps(self, day: date) -> list[datetime]:
        return [self.data.session_close(day)]

    def price(self, underlying: str, as_of: datetime) -> float | None:
        try:
            return self.data.underlying_price(underlying, as_of)
        except DataError:
            return None

    def chain(self, underlying: str, as_of: datetime) -> ChainSnapshot | None:
        try:
            return self.data.chain(underlying, as_of)
        except DataError:
            return None

    def contract_quote(self, underlying: str, right: Right, strike: float, expiry: date,
                       as_of: datetime) -> OptionQuote | None:
        try:
            return self.data.quote(underlying, right, strike, expiry, as_of)
        except DataError:
            return None

    def rate(self, day: date) -> float:
        return self.data.risk_free_rate(day)

    def vix(self, day: date) -> float | None:
        return self.data.volatility_index(self.data.session_close(day))

    def closes(self, underlying: str) -> pd.Series:
        return self._closes

    def dividends(self, underlying: str) -> Sequence[Dividend]:
        return ()

    def splits(self, underlying: str) -> Sequence[Split]:
        return ()

    def reference(self, underlying: str, day: date) -> Reference | None:
        return None


class LeanFolderSource:
    """A LEAN data folder (``lean init`` / ``lean data download`` layout)."""

    model_priced = False

    def __init__(self, folder: str | Path, underlyings: Sequence[str], resolution: str = "daily",
                 fallback_rate: float = 0.02) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise DataError(self.folder, "no such folder; expected a LEAN data folder")
        self.underlyings = tuple(u.upper() for u in underlyings)
        self.resolution = resolution
        self.fallback_rate = fallback_rate
        self.hours = reference.market_hours(self.folder)
        self._bars = {u: equity.daily_bars(self.folder, u) for u in self.underlyings}
        self.description = f"LEAN data folder {self.folder} ({', '.join(self.underlyings)}, {resolution} options)"
        try:
            self._rates: pd.Series | None = reference.interest_rates(self.folder)
        except DataError:
            self._rates = None
        try:
            vix = equity.bars(self.folder, "vix", "daily", "index", self.hours)
            self._vix: dict[date, float] | None = {t.date(): float(c) for t, c in vix["close"].items()}
        except DataError:
            self._vix = None
        self._events = {u: equity.corporate_events(self.folder, u, self.hours) for u in self.underlyings}

    def trading_days(self, start: date, end: date) -> list[date]:
        have: set[date] = set()
        for bars in self._bars.values():
            have.update(t.date() for t in bars.index)
        return [d for d in self.hours.trading_days(start, end) if d in have]

    def steps(self, day: date) -> list[datetime]:
        close = self.hours.session_close(day)
        if self.resolution == "daily" or not self._intraday(day):
            return [close]
        out, t = [], self.hours.session_open(day) + timedelta(hours=1)
        while t < close:
            out.append(t)
            t += timedelta(hours=1)
        return out + [close]

    @lru_cache(maxsize=4096)  # noqa: B019 - one source per run; the cache dies with it
    def _intraday(self, day: date) -> bool:
        for u in self.underlyings:
            try:
                path = option_path(self.folder, u, self.resolution, "quote", day,  # type: ignore[arg-type]
                                   find_security(self.folder, u))
            except DataError:
                continue
            if path.is_file():
                return True
        return False

    def price(self, underlying: str, as_of: datetime) -> float | None:
        res = self.resolution if self._intraday(as_of.date()) else "daily"
        try:
            return underlying_price(self.folder, underlying, as_of, as_of.date(), res,  # type: ignore[arg-type]
                                    "equity", self.hours)[0]
        except DataError:
            return None

    def chain(self, underlying: str, as_of: datetime) -> ChainSnapshot | None:
        res = self.resolution if self._intraday(as_of.date()) else "daily"
        try:
            return chain_snapshot(self.folder, underlying, as_of, res,  # type: ignore[arg-type]
                                  optional=("trade", "openinterest"))
        except DataError:
            return None

    def contract_quote(self, underlying: str, right: Right, strike: float, expiry: date,
                       as_of: datetime) -> OptionQuote | None:
        return None  # a LEAN folder has only what the chain lists

    def rate(self, day: date) -> float:
        return self.fallback_rate if self._rates is None else reference.rate_on(self._rates, day)

    def vix(self, day: date) -> float | None:
        return None if self._vix is None else self._vix.get(day)

    def closes(self, underlying: str) -> pd.Series:
        return self._bars[underlying.upper()]["close"]

    def dividends(self, underlying: str) -> Sequence[Dividend]:
        return [Dividend(underlying, e.ex_date, e.dividend) for e in self._events[underlying.upper()]
                if e.kind == "dividend"]

    def splits(self, underlying: str) -> Sequence[Split]:
        return [Split(underlying, e.ex_date, 1.0 / e.split_factor) for e in self._events[underlying.upper()]
                if e.kind == "split"]

    def reference(self, underlying: str, day: date) -> Reference | None:
        return None
