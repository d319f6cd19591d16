"""Reference files of a LEAN data folder: market hours, symbol properties, the interest-rate file.

* ``market-hours/market-hours-database.json``: :func:`market_hours` -> :class:`MarketHours` (holidays,
  early closes, late opens, regular session per weekday) for an entry such as ``Equity-usa-[*]``.
* ``symbol-properties/symbol-properties-database.csv``: :func:`symbol_properties` ->
  :class:`SymbolProperties` (contract multiplier, tick size, lot size) with LEAN's ``[*]`` fallback.
* ``alternative/interest-rate/usa/interest-rate.csv``: :func:`interest_rates` (a step series of annual
  rates as decimals) and :func:`rate_on`.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from wheelhouse.data._zipcsv import require_file
from wheelhouse.data.errors import DataError

MARKET_HOURS_FILE = Path("market-hours") / "market-hours-database.json"
SYMBOL_PROPERTIES_FILE = Path("symbol-properties") / "symbol-properties-database.csv"
INTEREST_RATE_FILE = Path("alternative") / "interest-rate" / "usa" / "interest-rate.csv"
EQUITY_USA = "Equity-usa-[*]"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class MarketHours:
    """One market's exchange hours in exchange time (tz-naive; ``time_zone`` names the zone).

    ``regular[i]`` is the regular ("market") session of weekday ``i`` (0 = Monday) or None when closed;
    ``early_closes`` and ``late_opens`` replace the regular close or open on those dates.
    """

    entry: str
    time_zone: str
    regular: tuple[tuple[time, time] | None, ...]
    holidays: frozenset[date]
    early_closes: dict[date, time]
    late_opens: dict[date, time]

    def _calendar(self) -> np.busdaycalendar:
        return _busday_calendar(tuple(r is not None for r in self.regular), tuple(sorted(self.holidays)))

    def is_trading_day(self, day: date) -> bool:
        return self.regular[day.weekday()] is not None and day not in self.holidays

    def trading_days(self, start: date, end: date) -> list[date]:
        """Every trading day from ``start`` to ``end``, both included."""
        days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
        mask = np.is_busday(days, busdaycal=self._calendar())
        return [d.item() for d in days[mask]]

    def next_trading_day(self, day: date) -> date:
        """The first trading day strictly after ``day``."""
        out = np.busday_offset(np.datetime64(day + timedelta(days=1), "D"), 0, roll="forward", busdaycal=self._calendar())
        result: date = out.item()
        return result

    def previous_trading_day(self, day: date) -> date:
        """The last trading day strictly before ``day``."""
        out = np.busday_offset(np.datetime64(day - timedelta(days=1), "D"), 0, roll="backward", busdaycal=self._calendar())
        result: date = out.item()
        return result

    def session(self, day: date) -> tuple[datetime, datetime]:
        """Regular open and close of ``day``; :class:`DataError` when the market is closed that day."""
        seg = self.regular[day.weekday()]
        if seg is None or day in self.holidays:
            raise DataError(MARKET_HOURS_FILE, f"{self.entry} is closed on {day.isoformat()}")
        open_t = self.late_opens.get(day, seg[0])
        close_t = self.early_closes.get(day, seg[1])
        return datetime.combine(day, open_t), datetime.combine(day, close_t)

    def session_close(self, day: date) -> datetime:
        return self.session(day)[1]

    def session_open(self, day: date) -> datetime:
        return self.session(day)[0]


@lru_cache(maxsize=8)
def _busday_calendar(weekmask: tuple[bool, ...], holidays: tuple[date, ...]) -> np.busdaycalendar:
    return np.busdaycalendar(weekmask=list(weekmask), holidays=np.array(holidays, dtype="datetime64[D]"))


def _mdy(text: str) -> date:
    return datetime.strptime(text, "%m/%d/%Y").date()


def _hms(text: str) -> time:
    return time.fromisoformat(text)


def market_hours(folder: Path, entry: str = EQUITY_USA) -> MarketHours:
    """The entry ``entry`` of the folder's market-hours database (US equities by default)."""
    path = require_file(Path(folder) / MARKET_HOURS_FILE, "LEAN's market-hours-database.json")
    return _market_hours(str(path), path.stat().st_mtime_ns, entry)


@lru_cache(maxsize=8)
def _market_hours(path: str, _mtime: int, entry: str) -> MarketHours:
    try:
        entries = json.loads(Path(path).read_text())["entries"]
        raw = entries[entry]
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(path, f"expected a JSON object with entries['{entry}'] ({exc!r})") from exc
    try:
        regular: list[tuple[time, time] | None] = []
        for name in _WEEKDAYS:
            segs = [s for s in raw.get(name, []) if s.get("state") == "market"]
            regular.append((_hms(segs[0]["start"]), _hms(segs[-1]["end"])) if segs else None)
        return MarketHours(
            entry=entry,
            time_zone=raw.get("exchangeTimeZone", "America/New_York"),
            regular=tuple(regular),
            holidays=frozenset(_mdy(h) for h in raw.get("holidays", [])),
            early_closes={_mdy(k): _hms(v) for k, v in raw.get("earlyCloses", {}).items()},
            late_opens={_mdy(k): _hms(v) for k, v in raw.get("lateOpens", {}).items()},
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise DataError(path, f"entry '{entry}' has malformed hours ({exc!r})") from exc


@dataclass(frozen=True)
class SymbolProperties:
    """Trading units of one symbol: dollar value of a price point per contract, tick, lot."""

    market: str
    symbol: str
    security_type: str
    multiplier: float
    tick_size: float
    lot_size: float
    quote_currency: str = "USD"


def symbol_properties(folder: Path, symbol: str, security_type: str = "option", market: str = "usa") -> SymbolProperties:
    """Properties of ``symbol`` (e.g. ``SPY``, type ``option``), else the market's ``[*]`` row for that type."""
    path = require_file(Path(folder) / SYMBOL_PROPERTIES_FILE, "LEAN's symbol-properties-database.csv")
    table = _symbol_table(str(path), path.stat().st_mtime_ns)
    key_type = security_type.lower()
    for sym in (symbol.upper(), "[*]"):
        props = table.get((market.lower(), sym, key_type))
        if props is not None:
            return props
    raise DataError(path, f"no row for market '{market}', type '{security_type}', symbol '{symbol}' or '[*]'")


@lru_cache(maxsize=4)
def _symbol_table(path: str, _mtime: int) -> dict[tuple[str, str, str], SymbolProperties]:
    table: dict[tuple[str, str, str], SymbolProperties] = {}
    with open(path, newline="") as fh:
        for row in csv.reader(fh):
            if not row or row[0].startswith("#") or row[0] == "market" or len(row) < 8:
                continue
            try:
                props = SymbolProperties(
                    market=row[0].lower(),
                    symbol=row[1].upper(),
                    security_type=row[2].lower(),
                    multiplier=float(row[5]),
                    tick_size=float(row[6]),
                    lot_size=float(row[7]),
                    quote_currency=row[4],
                )
            except ValueError as exc:
                raise DataError(path, f"malformed row {row!r} ({exc})") from exc
            table[(props.market, props.symbol, props.security_type)] = props
    return table


def interest_rates(folder: Path) -> pd.Series:
    """The interest-rate file as a step series: index = effective date (Timestamp), value = annual rate (0.0225).

    LEAN's file is the Fed primary credit rate in percent; LEAN's Greeks use it as the risk-free rate.
    """
    path = require_file(Path(folder) / INTEREST_RATE_FILE, "a CSV of 'YYYY-MM-DD,rate_in_percent' rows")
    return _interest_rates(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _interest_rates(path: str, _mtime: int) -> pd.Series:
    try:
        frame = pd.read_csv(path, header=0, names=["date", "rate"], comment="#")
        dates = pd.to_datetime(frame["date"], format="%Y-%m-%d")
        rates = pd.to_numeric(frame["rate"]) / 100.0
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(path, f"expected 'YYYY-MM-DD,rate_in_percent' rows ({exc})") from exc
    if rates.empty or rates.isna().any():
        raise DataError(path, "expected at least one 'YYYY-MM-DD,rate_in_percent' row and no blank rates")
    series = pd.Series(rates.to_numpy(), index=pd.DatetimeIndex(dates), name="rate").sort_index()
    return series


def rate_on(rates: pd.Series, day: date) -> float:
    """The rate in effect on ``day``: the last change dated on or before it.

    Before the first change the first rate applies, as in LEAN's ``InterestRateProvider``.
    """
    pos = int(rates.index.searchsorted(pd.Timestamp(day), side="right")) - 1
    return float(rates.iloc[max(pos, 0)])
