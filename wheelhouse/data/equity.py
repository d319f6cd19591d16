"""Equity and index bars of a LEAN data folder, with map files, factor files and corporate events.

Bar frames are indexed by ``time``, the bar's start in exchange time (tz-naive America/New_York), and carry
``end_time``, the moment the bar is complete (minute: +1 minute; hour: +1 hour; daily: that day's session
close from the market-hours file, 13:00 on early-close days). A bar may be used at ``as_of`` only when
``end_time <= as_of``.

Trade bars: ``open, high, low, close, volume``. Quote bars (minute only in LEAN's US equity data):
``bid_open, bid_high, bid_low, bid_close, bid_size, ask_open, ask_high, ask_low, ask_close, ask_size``.
Prices are dollars (equity zips hold deci-cents and are divided by 10,000; index zips hold dollars) and
raw, i.e. as traded that day. :func:`daily_bars` adds split- and dividend-adjusted columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from wheelhouse.data._zipcsv import DECI_CENTS, parse_times, read_members, require_file
from wheelhouse.data.errors import DataError
from wheelhouse.data.reference import MarketHours, market_hours

Resolution = Literal["minute", "hour", "daily"]
Security = Literal["equity", "index"]
TRADE_COLUMNS = ("time", "open", "high", "low", "close", "volume")
QUOTE_COLUMNS = (
    "time", "bid_open", "bid_high", "bid_low", "bid_close", "bid_size",
    "ask_open", "ask_high", "ask_low", "ask_close", "ask_size",
)  # fmt: skip
_PRICE_COLUMNS = tuple(c for c in TRADE_COLUMNS + QUOTE_COLUMNS if c != "time" and "size" not in c and c != "volume")


def bar_path(folder: Path, ticker: str, resolution: Resolution, kind: str = "trade", day: date | None = None,
             security: Security = "equity") -> Path:
    """Where LEAN keeps these bars: ``{security}/usa/{daily|hour}/{ticker}.zip`` or
    ``{security}/usa/minute/{ticker}/{YYYYMMDD}_{trade|quote}.zip``."""
    base = Path(folder) / security / "usa" / resolution
    t = ticker.lower()
    if resolution == "minute":
        if day is None:
            raise ValueError("minute bars are stored one file per day: pass day")
        return base / t / f"{day:%Y%m%d}_{kind}.zip"
    if kind != "trade":
        raise ValueError(f"LEAN's US {security} data has {kind} bars only at minute resolution")
    return base / f"{t}.zip"


def _finish(frame: pd.DataFrame, columns: tuple[str, ...], scale: float, index: pd.DatetimeIndex) -> pd.DataFrame:
    out = frame[list(columns[1:])].copy()
    for c in out.columns:
        if c in _PRICE_COLUMNS:
            out[c] = out[c] / scale
    out.index = index
    out.index.name = "time"
    return out


def minute_bars(folder: Path, ticker: str, day: date, kind: Literal["trade", "quote"] = "trade",
                security: Security = "equity") -> pd.DataFrame:
    """One day of minute bars (pre- and post-market included, from 04:00), raw dollars."""
    path = bar_path(folder, ticker, "minute", kind, day, security)
    cols = TRADE_COLUMNS if kind == "trade" else QUOTE_COLUMNS
    _, frame = read_members(path, cols, f"{kind} minute bars of {ticker.upper()} for {day} ({','.join(cols)})",
                            ms_times=True)
    scale = DECI_CENTS if security == "equity" else 1.0
    out = _finish(frame, cols, scale, parse_times(frame["time"], day))
    out["end_time"] = out.index + timedelta(minutes=1)
    return out


def bars(folder: Path, ticker: str, resolution: Literal["hour", "daily"], security: Security = "equity",
         hours: MarketHours | None = None) -> pd.DataFrame:
    """All hour or daily trade bars of ``ticker`` in the folder, raw dollars, sorted by time."""
    path = bar_path(folder, ticker, resolution, "trade", None, security)
    _, frame = read_members(path, TRADE_COLUMNS, f"{resolution} trade bars of {ticker.upper()} "
                                                 "('YYYYMMDD HH:MM,open,high,low,close,volume')")
    scale = DECI_CENTS if security == "equity" else 1.0
    out = _finish(frame, TRADE_COLUMNS, scale, parse_times(frame["time"], None)).sort_index()
    if resolution == "hour":
        out["end_time"] = out.index + timedelta(hours=1)
    else:
        out["end_time"] = session_closes(out.index, hours or market_hours(folder))
    return out


def session_closes(days: pd.DatetimeIndex, hours: MarketHours) -> pd.DatetimeIndex:
    """The session close of each day (regular close, or the early close)."""
    regular_close = {i: seg[1] for i, seg in enumerate(hours.regular) if seg is not None}
    default = regular_close.get(0)
    closes = []
    for ts in days:
        d = ts.date()
        t = hours.early_closes.get(d) or regular_close.get(d.weekday(), default)
        closes.append(pd.Timestamp.combine(d, t) if t is not None else ts + timedelta(days=1))
    return pd.DatetimeIndex(closes)


def factor_file(folder: Path, ticker: str) -> pd.DataFrame:
    """``equity/usa/factor_files/{ticker}.csv``: columns ``date, price_factor, split_factor, reference_price``.

    The factors of a row apply to bars dated after the previous row's date up to and including its own.
    """
    path = require_file(Path(folder) / "equity" / "usa" / "factor_files" / f"{ticker.lower()}.csv",
                        "rows 'YYYYMMDD,price_factor,split_factor,reference_price'")
    try:
        frame = pd.read_csv(path, header=None, names=["date", "price_factor", "split_factor", "reference_price"],
                            dtype={"date": str}, comment="#")
        frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
        frame = frame.astype({"price_factor": float, "split_factor": float, "reference_price": float})
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(path, f"expected rows 'YYYYMMDD,price_factor,split_factor,reference_price' ({exc})") from exc
    # LEAN skips rows with a non-positive scale factor.
    frame = frame[(frame["price_factor"] * frame["split_factor"]) > 0]
    if frame.empty:
        raise DataError(path, "expected at least one factor row")
    return frame.sort_values("date").reset_index(drop=True)


def factors_for(days: pd.DatetimeIndex, factors: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Price and split factor of each day: the first factor row dated on or after it (1, 1 past the last)."""
    pos = np.searchsorted(factors["date"].to_numpy(), days.normalize().to_numpy(), side="left")
    pf = np.append(factors["price_factor"].to_numpy(), 1.0)[pos]
    sf = np.append(factors["split_factor"].to_numpy(), 1.0)[pos]
    return pf, sf


def daily_bars(folder: Path, ticker: str, security: Security = "equity") -> pd.DataFrame:
    """Daily bars, raw and adjusted, indexed by date (midnight Timestamps).

    Columns: ``open, high, low, close, volume`` (raw), ``price_factor, split_factor``, ``adj_open, adj_high,
    adj_low, adj_close`` (raw x price_factor x split_factor: LEAN's Adjusted mode, dividends and splits),
    ``adj_volume`` (volume / split_factor) and ``end_time``. Index data has no factor file: factors are 1.
    """
    out = bars(folder, ticker, "daily", security)
    if security == "equity":
        pf, sf = factors_for(pd.DatetimeIndex(out.index), factor_file(folder, ticker))
    else:
        pf = sf = np.ones(len(out))
    out["price_factor"] = pf
    out["split_factor"] = sf
    for c in ("open", "high", "low", "close"):
        out[f"adj_{c}"] = out[c] * pf * sf
    out["adj_volume"] = out["volume"] / sf
    return out


@dataclass(frozen=True)
class CorporateEvent:
    """A split or cash dividend taking effect at the open of ``ex_date`` (the first day on the new basis).

    ``dividend``: cash per share, in the raw prices of the day before (0 for a split). ``split_factor``:
    the factor old prices are multiplied by (1/7 for AAPL's 7-for-1 split; 1 for a dividend), so a holder
    of n shares holds n / split_factor after. ``reference_price``: raw close of the day before.
    """

    ticker: str
    ex_date: date
    kind: Literal["dividend", "split"]
    dividend: float
    split_factor: float
    reference_price: float


def corporate_events(folder: Path, ticker: str, hours: MarketHours | None = None) -> tuple[CorporateEvent, ...]:
    """Splits and dividends the factor file implies, in date order (LEAN's GetSplitsAndDividends).

    Between consecutive rows i and i+1: a price-factor change is a dividend of
    ``round(reference_price_i * (1 - pf_i / pf_i+1), 2)``; a split-factor change is a split of factor
    ``sf_i / sf_i+1``. Both take effect on the trading day after row i's date.
    """
    hours = hours or market_hours(folder)
    f = factor_file(folder, ticker)
    events: list[CorporateEvent] = []
    t = ticker.upper()
    for i in range(len(f) - 1):
        row, nxt = f.iloc[i], f.iloc[i + 1]
        ex = hours.next_trading_day(row["date"].date())
        ref = float(row["reference_price"])
        if row["price_factor"] != nxt["price_factor"]:
            amount = round(ref - ref * float(row["price_factor"] / nxt["price_factor"]), 2)
            if amount != 0:
                events.append(CorporateEvent(t, ex, "dividend", amount, 1.0, ref))
        if row["split_factor"] != nxt["split_factor"]:
            events.append(CorporateEvent(t, ex, "split", 0.0, float(row["split_factor"] / nxt["split_factor"]), ref))
    return tuple(sorted(events, key=lambda e: (e.ex_date, e.kind)))


def map_file(folder: Path, ticker: str) -> pd.DataFrame:
    """``equity/usa/map_files/{ticker}.csv``: columns ``date, ticker, exchange``; a row's ticker is the one
    in effect up to and including its date."""
    path = require_file(Path(folder) / "equity" / "usa" / "map_files" / f"{ticker.lower()}.csv",
                        "rows 'YYYYMMDD,ticker,exchange'")
    try:
        frame = pd.read_csv(path, header=None, names=["date", "ticker", "exchange"], dtype=str, comment="#")
        frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(path, f"expected rows 'YYYYMMDD,ticker,exchange' ({exc})") from exc
    if frame.empty:
        raise DataError(path, "expected at least one 'YYYYMMDD,ticker,exchange' row")
    return frame.sort_values("date").reset_index(drop=True)


def ticker_on(folder: Path, ticker: str, day: date) -> str:
    """The ticker (upper case) under which ``ticker``'s security traded on ``day``, from its map file."""
    m = map_file(folder, ticker)
    pos = int(np.searchsorted(m["date"].to_numpy(), np.datetime64(day), side="left"))
    if pos >= len(m):
        raise DataError(Path(folder) / "equity" / "usa" / "map_files" / f"{ticker.lower()}.csv",
                        f"no row dated on or after {day}")
    return str(m["ticker"].iloc[pos]).upper()
