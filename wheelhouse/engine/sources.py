"""The engine's view of ``wheelhouse.data``: one adapter over either source (LEAN folder or default data).

:class:`DataAdapter` turns a :class:`wheelhouse.data.source.MarketData` (from
:func:`wheelhouse.data.source.open_data`) into the engine's :class:`wheelhouse.engine.market.MarketData`:

* sessions: the source's trading days on which every underlying has a daily bar;
* steps: the session close with daily data; with hour or minute data, hourly from an hour after the open to
  the close on the days the folder holds option quotes at that resolution (the close only on others);
* missing data answers None instead of raising (a day without a chain is a day without trading);
* dividends and splits from the source's corporate events; the VIX (or the source's proxy) at each close;
* reference data (sector, credit rating, earnings dates) from an ``alpha.reference`` source when given.

For the default data, :meth:`DataAdapter.for_benchmarks` widens the listed expiries to ``BENCHMARK_DTE`` so
the monthly rolls (next month's expiry, 28 or 35 days out) are listed even when the strategy's ``dte_min``
would exclude them.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd

from alpha.reference import ReferenceSource
from alpha.screen import Prepared
from domain.config import StrategyConfig
from domain.types import ChainSnapshot, OptionQuote, Reference, Right
from wheelhouse.data.errors import DataError
from wheelhouse.data.source import LeanData, open_data
from wheelhouse.data.source import MarketData as SourceData
from wheelhouse.engine.market import Dividend, Split

BENCHMARK_DTE = (7, 63)


def split_ratio(split_factor: float) -> float:
    """New shares per old share from a factor-file split factor: 1 / factor, snapped to the simple fraction it
    rounds (factor files carry 0.142857 for a 7:1 split, 1/0.142857 = 6.9999972)."""
    raw = 1.0 / split_factor
    simple = Fraction(raw).limit_denominator(20)
    return float(simple) if abs(float(simple) - raw) <= 1e-5 * raw else raw


class ChainMemo:
    """Chain snapshots kept by (underlying, as_of) for later runs on the same source, up to ``max_quotes``
    quotes in all (a model chain's quote takes about 370 bytes); once full it keeps what it holds and adds
    nothing more."""

    def __init__(self, max_quotes: int = 2_000_000) -> None:
        self.max_quotes = max_quotes
        self.quotes = 0
        self._snapshots: dict[tuple[str, datetime], ChainSnapshot] = {}

    def get(self, underlying: str, as_of: datetime) -> ChainSnapshot | None:
        return self._snapshots.get((underlying, as_of))

    def add(self, underlying: str, as_of: datetime, snapshot: ChainSnapshot) -> None:
        if self.quotes + len(snapshot.quotes) <= self.max_quotes:
            self._snapshots[(underlying, as_of)] = snapshot
            self.quotes += len(snapshot.quotes)

    def __len__(self) -> int:
        return len(self._snapshots)


class DataAdapter:
    """Engine-facing wrapper of one ``wheelhouse.data`` source."""

    def __init__(self, data: SourceData, fallback_rate: float = 0.02, reference: ReferenceSource | None = None) -> None:
        self.data = data
        self.fallback_rate = fallback_rate
        self.reference_source = reference
        self.model_priced = bool(data.model_priced)
        self.description = data.description
        self.resolution = data.resolution
        self._closes: dict[str, pd.Series] = {}
        self._chain_days: dict[str, set[date]] = {}
        self._forecast: tuple[np.ndarray, np.ndarray] | None = None
        self.screen_memo: dict[tuple[object, ...], Prepared] | None = None
        """The screen's per-chain analytics kept between runs (``alpha.screen.screen_many``'s ``memo``)."""
        self.chain_memo: ChainMemo | None = None
        """The chains kept between runs."""

    def remember(self) -> None:
        """Keep the chains and the screen's per-chain analytics between runs on this source: a search's trials
        replay the same data (a chain depends on the source and the as_of alone)."""
        self.screen_memo = {}
        self.chain_memo = ChainMemo()

    @classmethod
    def open(cls, folder: str | Path | None, config: StrategyConfig,
             reference: ReferenceSource | None = None) -> DataAdapter:
        """The LEAN data folder ``folder`` or, when None, the bundled default data (raises DataError).
        ``reference``: sector, rating and earnings dates (``alpha.reference``), else none are known."""
        return cls(open_data(folder, config), config.general.risk_free_rate, reference)

    def for_benchmarks(self) -> DataAdapter:
        """The same data for the benchmark runs (model chains list expiries ``BENCHMARK_DTE`` days out; a
        shallow copy shares the price and volatility arrays)."""
        if not hasattr(self.data, "dte_min"):
            return self
        data = copy.copy(self.data)
        data.dte_min, data.dte_max = BENCHMARK_DTE  # type: ignore[attr-defined]
        return DataAdapter(data, self.fallback_rate, self.reference_source)

    # ----- calendar --------------------------------------------------------------------------------------
    def trading_days(self, start: date, end: date) -> list[date]:
        days = self.data.trading_days(start, end)
        for u in self.data.underlyings:
            have = {d.date() for d in pd.DatetimeIndex(self.closes(u).index)}
            days = [d for d in days if d in have]
        return days

    def steps(self, day: date) -> list[datetime]:
        close = self.data.session_close(day)
        if self.resolution == "daily" or not self._intraday(day):
            return [close]
        out, t = [], close.replace(hour=10, minute=30)
        while t < close:
            out.append(t)
            t += timedelta(hours=1)
        return out + [close]

    def _intraday(self, day: date) -> bool:
        if not isinstance(self.data, LeanData):
            return False
        for u in self.data.underlyings:
            if u not in self._chain_days:
                try:
                    self._chain_days[u] = set(self.data.chain_days(u, date(1990, 1, 1), date(2100, 1, 1)))
                except DataError:
                    self._chain_days[u] = set()
            if day in self._chain_days[u]:
                return True
        return False

    # ----- prices and chains -----------------------------------------------------------------------------
    def price(self, underlying: str, as_of: datetime) -> float | None:
        try:
            return self.data.underlying_price(underlying, as_of)
        except DataError:
            return None

    def chain(self, underlying: str, as_of: datetime) -> ChainSnapshot | None:
        memo = self.chain_memo
        snapshot = memo.get(underlying, as_of) if memo is not None else None
        if snapshot is None:
            try:
                snapshot = self.data.chain(underlying, as_of)
            except DataError:
                return None
            if memo is not None:
                memo.add(underlying, as_of, snapshot)
        return snapshot

    def contract_quote(self, underlying: str, right: Right, strike: float, expiry: date,
                       as_of: datetime) -> OptionQuote | None:
        try:
            return self.data.quote(underlying, right, strike, expiry, as_of)
        except DataError:
            return None

    # ----- market facts ----------------------------------------------------------------------------------
    def rate(self, day: date) -> float:
        try:
            return self.data.risk_free_rate(day)
        except DataError:
            return self.fallback_rate

    def vix(self, day: date) -> float | None:
        try:
            return self.data.volatility_index(self.data.session_close(day))
        except DataError:
            return None

    def forecast_vol(self, underlying: str, day: date, at_close: bool) -> float | None:
        """The source's own volatility forecast known at the step (the default data's GARCH path, refitted
        yearly on past returns only: the value after ``day``'s close, or the previous close before it); None
        when the source has none (the engine then fits ``vol_forecast_model`` itself)."""
        if self._forecast is None:
            path = getattr(self.data, "forecast", None)
            if not isinstance(path, pd.DataFrame) or "vol_h" not in path:
                return None
            self._forecast = (pd.DatetimeIndex(path.index).to_numpy(), path["vol_h"].to_numpy(dtype=float))
        days, vols = self._forecast
        pos = int(days.searchsorted(np.datetime64(day, "ns"), side="right" if at_close else "left")) - 1
        if pos < 0:
            return None
        value = float(vols[pos])
        return value if value > 0 else None

    def closes(self, underlying: str) -> pd.Series:
        if underlying not in self._closes:
            self._closes[underlying] = self.data.daily_bars(underlying)["close"]
        return self._closes[underlying]

    def dividends(self, underlying: str) -> Sequence[Dividend]:
        return [Dividend(underlying, e.ex_date, e.dividend) for e in self.data.events(underlying)
                if e.kind == "dividend"]

    def splits(self, underlying: str) -> Sequence[Split]:
        return [Split(underlying, e.ex_date, split_ratio(e.split_factor)) for e in self.data.events(underlying)
                if e.kind == "split"]

    def reference(self, underlying: str, day: date) -> Reference | None:
        return None if self.reference_source is None else self.reference_source.get(underlying, day)
