"""One interface over both data sources: :class:`MarketData`, implemented by :class:`LeanData` (a LEAN
data folder) and :class:`~wheelhouse.data.default.DefaultData` (the bundled default); :func:`open_data`
picks one from a folder argument and the strategy config."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pandas as pd

from domain.types import ChainSnapshot, OptionQuote, Right
from wheelhouse.data import equity
from wheelhouse.data.chain import chain_snapshot, session_day, underlying_price
from wheelhouse.data.equity import CorporateEvent, Resolution, Security
from wheelhouse.data.errors import DataError
from wheelhouse.data.options import cached_option_bars, find_security, option_path
from wheelhouse.data.reference import SymbolProperties, interest_rates, market_hours, rate_on, symbol_properties

if TYPE_CHECKING:
    from domain.config import StrategyConfig


class MarketData(Protocol):
    """What the offline engine reads. Times are exchange time (America/New_York), tz-naive; nothing a
    method returns for ``as_of`` is stamped after ``as_of``."""

    model_priced: bool
    resolution: str

    @property
    def description(self) -> str:
        """One line for report headers (says MODEL-PRICED when chains are model-priced)."""
        ...

    @property
    def underlyings(self) -> tuple[str, ...]: ...

    def trading_days(self, start: date, end: date) -> list[date]:
        """Exchange trading days from ``start`` to ``end``, both included."""
        ...

    def session_close(self, day: date) -> datetime:
        """Close of the regular session of ``day`` (early closes included)."""
        ...

    def daily_bars(self, ticker: str) -> pd.DataFrame:
        """Daily bars indexed by date: raw ``open, high, low, close, volume``, ``price_factor, split_factor``,
        adjusted ``adj_open, adj_high, adj_low, adj_close, adj_volume``, and ``end_time``."""
        ...

    def events(self, ticker: str) -> tuple[CorporateEvent, ...]:
        """Splits and dividends in date order."""
        ...

    def risk_free_rate(self, day: date) -> float:
        """Annual risk-free rate (decimal) in effect on ``day``."""
        ...

    def underlying_price(self, ticker: str, as_of: datetime) -> float:
        """Raw price of the last bar ended by ``as_of``."""
        ...

    def volatility_index(self, as_of: datetime) -> float | None:
        """VIX level (points) known at ``as_of``, or the source's documented proxy; None when unknown."""
        ...

    def contract_spec(self, underlying: str) -> SymbolProperties:
        """Multiplier, tick size and lot size of ``underlying``'s options."""
        ...

    def chain(self, underlying: str, as_of: datetime) -> ChainSnapshot:
        """The option chain as known at ``as_of``."""
        ...

    def quote(self, underlying: str, right: Right, strike: float, expiry: date, as_of: datetime) -> OptionQuote | None:
        """One contract's quote at ``as_of`` (None when the data has none)."""
        ...


class LeanData:
    """A LEAN data folder as :class:`MarketData`; chains at ``resolution`` (see :func:`chain_snapshot`).

    ``rate``: a constant risk-free rate instead of the folder's interest-rate file (None = use the file).
    """

    model_priced = False

    def __init__(self, folder: Path | str, underlyings: tuple[str, ...], resolution: Resolution = "daily",
                 rate: float | None = None, optional: tuple[str, ...] = ("trade",)) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise DataError(self.folder, "missing folder; expected a LEAN data folder (equity/, option/, market-hours/)")
        self._underlyings = tuple(u.upper() for u in underlyings)
        self.resolution: str = resolution
        self._res: Resolution = resolution
        self._rate = rate
        self._optional = optional
        self.hours = market_hours(self.folder)
        self._last_chain: tuple[str, datetime, ChainSnapshot] | None = None

    @classmethod
    def from_config(cls, folder: Path | str, config: StrategyConfig) -> LeanData:
        g = config.general
        return cls(folder, g.underlyings, g.resolution, None if g.use_rate_file else g.risk_free_rate)

    @property
    def description(self) -> str:
        return f"LEAN data folder {self.folder} ({self.resolution} option quotes from the data, not model-priced)"

    @property
    def underlyings(self) -> tuple[str, ...]:
        return self._underlyings

    def trading_days(self, start: date, end: date) -> list[date]:
        return self.hours.trading_days(start, end)

    def chain_days(self, underlying: str, start: date, end: date) -> list[date]:
        """Trading days from ``start`` to ``end`` on which the folder holds option quotes for ``underlying``."""
        root = underlying.upper()
        security = find_security(self.folder, root)
        days: set[date] = set()
        if self._res == "minute":
            folder = self.folder / security / "usa" / "minute" / root.lower()
            for p in folder.glob("*_quote_*.zip"):
                try:
                    days.add(datetime.strptime(p.name[:8], "%Y%m%d").date())
                except ValueError:
                    continue
        else:
            for year in range(start.year, end.year + 1):
                path = option_path(self.folder, root, self._res, "quote", date(year, 1, 1), security)
                if path.is_file():
                    frame, _ = cached_option_bars(self.folder, root, self._res, "quote", date(year, 1, 1),
                                                  security, whole_file=True)
                    days.update(t.date() for t in pd.DatetimeIndex(frame["time"]).normalize().unique())
        return sorted(d for d in days if start <= d <= end)

    def session_close(self, day: date) -> datetime:
        return self.hours.session_close(day)

    def daily_bars(self, ticker: str) -> pd.DataFrame:
        return _daily_bars(self.folder, ticker.upper())

    def events(self, ticker: str) -> tuple[CorporateEvent, ...]:
        return _events(self.folder, ticker.upper())

    def risk_free_rate(self, day: date) -> float:
        if self._rate is not None:
            return self._rate
        return rate_on(interest_rates(self.folder), day)

    def underlying_price(self, ticker: str, as_of: datetime) -> float:
        t = ticker.upper()
        day = session_day(self.hours, as_of, self._res)
        return underlying_price(self.folder, t, as_of, day, self._res, _security_of(self.folder, t), self.hours)[0]

    def volatility_index(self, as_of: datetime) -> float | None:
        """The VIX close of the last session closed by ``as_of`` from ``index/usa/daily/vix.zip``; None when
        the folder has no VIX."""
        path = self.folder / "index" / "usa" / "daily" / "vix.zip"
        if not path.is_file():
            return None
        bars = equity.bars(self.folder, "VIX", "daily", "index", self.hours)
        known = bars[bars["end_time"] <= pd.Timestamp(as_of)]
        return float(known["close"].iloc[-1]) if len(known) else None

    def contract_spec(self, underlying: str) -> SymbolProperties:
        root = underlying.upper()
        return symbol_properties(self.folder, root, find_security(self.folder, root))

    def chain(self, underlying: str, as_of: datetime) -> ChainSnapshot:
        root = underlying.upper()
        if self._last_chain is not None and self._last_chain[:2] == (root, as_of):
            return self._last_chain[2]
        snap = chain_snapshot(self.folder, root, as_of, self._res, self._optional)
        self._last_chain = (root, as_of, snap)
        return snap

    def quote(self, underlying: str, right: Right, strike: float, expiry: date, as_of: datetime) -> OptionQuote | None:
        for q in self.chain(underlying, as_of).quotes:
            if q.right is right and q.expiry == expiry and abs(q.strike - strike) < 1e-6:
                return q
        return None


def _security_of(folder: Path, ticker: str) -> Security:
    """``index`` when only index data exists for ``ticker`` (SPX, NDX, VIX), else ``equity``."""
    name = f"{ticker.lower()}.zip"
    if not (folder / "equity" / "usa" / "daily" / name).is_file() and (folder / "index" / "usa" / "daily" / name).is_file():
        return "index"
    return "equity"


@lru_cache(maxsize=16)
def _daily_bars(folder: Path, ticker: str) -> pd.DataFrame:
    return equity.daily_bars(folder, ticker, _security_of(folder, ticker))


@lru_cache(maxsize=16)
def _events(folder: Path, ticker: str) -> tuple[CorporateEvent, ...]:
    if _security_of(folder, ticker) == "index":
        return ()  # indices have no corporate actions
    return equity.corporate_events(folder, ticker)


def open_data(folder: Path | str | None, config: StrategyConfig) -> MarketData:
    """The LEAN data folder ``folder``, or the bundled default data when ``folder`` is None."""
    if folder is None:
        from wheelhouse.data.default import DefaultData

        return DefaultData.from_config(config)
    return LeanData.from_config(folder, config)


__all__ = ["LeanData", "MarketData", "open_data"]
