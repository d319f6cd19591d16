"""Option chain snapshots from a LEAN data folder, with nothing stamped after ``as_of``.

:func:`chain_snapshot` picks the session ``as_of`` falls in (minute/hour: ``as_of``'s day once its session
has opened, else the previous trading day; daily: the last session closed by ``as_of``), reads that
session's option quotes, trades and open interest, and keeps, per contract, the values of bars whose
``end_time <= as_of``:

* bid / ask: the last bid close and the last ask close seen in the session (LEAN keeps the last quote of
  each side too); a contract never bid has bid 0.0; a contract never offered is left out (no valid quote);
* ``quote_time``: end of the contract's last quote bar (so a screen can reject stale quotes);
* ``last`` and ``volume``: last trade close and the session's traded volume so far (trade file optional);
* ``open_interest``: the latest open-interest row known by ``as_of`` (published before the open);
* ``underlying_price``: raw close of the underlying's last trade bar ended by ``as_of`` in that session
  (equity or index data at the chain's resolution, else minute, else daily);
* ``multiplier`` / ``tick_size`` from the symbol-properties file; equity options American, index options
  European. ``iv`` and ``greeks`` are left for the pricing package.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from domain.types import ChainSnapshot, OptionQuote, Right, Style
from wheelhouse.data import equity
from wheelhouse.data.equity import Resolution, Security
from wheelhouse.data.errors import DataError
from wheelhouse.data.options import OptionSecurity, TickType, cached_option_bars, find_security, option_path
from wheelhouse.data.reference import MarketHours, market_hours, symbol_properties

# Index options trade on an index whose ticker differs from the option root.
INDEX_OF_ROOT = {"SPXW": "SPX", "NQX": "NDX", "VIXW": "VIX", "RUTW": "RUT", "XSP": "SPX"}


def osi_symbol(root: str, expiry: date, right: str, strike: float) -> str:
    """OCC/OSI option symbol: root padded to 6, ``YYMMDD``, ``C``/``P``, strike x 1000 in 8 digits."""
    return f"{root.upper():<6}{expiry:%y%m%d}{right}{round(strike * 1000):08d}"


def session_day(hours: MarketHours, as_of: datetime, resolution: Resolution) -> date:
    """The session whose data a chain at ``as_of`` shows (see the module docstring)."""
    day = as_of.date()
    if resolution == "daily":
        if not (hours.is_trading_day(day) and hours.session_close(day) <= as_of):
            day = hours.previous_trading_day(day)
        return day
    if hours.is_trading_day(day):
        opened = hours.session_open(day)
        # the session counts once its first bar can have ended (LEAN stamps the 09:30 hour bar 09:00)
        first_end = opened + timedelta(minutes=1) if resolution == "minute" else (
            opened.replace(minute=0, second=0) + timedelta(hours=1))
        if first_end <= as_of:
            return day
    return hours.previous_trading_day(day)


def underlying_price(folder: Path, ticker: str, as_of: datetime, day: date, resolution: Resolution,
                     security: Security = "equity", hours: MarketHours | None = None) -> tuple[float, datetime]:
    """Raw close of ``ticker``'s last regular-session trade bar of ``day`` ended by ``as_of``, and its end.

    Tries the chain's resolution, then minute, then daily; :class:`DataError` lists what was tried.
    """
    tried: list[str] = []
    for res in dict.fromkeys((resolution, "minute", "daily")):
        path = equity.bar_path(folder, ticker, res, "trade", day, security)  # type: ignore[arg-type]
        if not path.is_file():
            tried.append(str(path))
            continue
        if res == "minute":
            frame = equity.minute_bars(folder, ticker, day, "trade", security)
            # Regular session only, as LEAN subscribes without extended hours by default.
            open_t, close_t = (hours or market_hours(folder)).session(day)
            frame = frame[(frame.index >= open_t) & (frame["end_time"] <= close_t)]
        else:
            frame = equity.bars(folder, ticker, res, security, hours)  # type: ignore[arg-type]
            frame = frame[frame.index.normalize() == pd.Timestamp(day)]
        frame = frame[(frame["end_time"] <= as_of) & frame["close"].notna()]
        if frame.empty:
            tried.append(f"{path} (no bar of {day} ended by {as_of})")
            continue
        last = frame.iloc[-1]
        return float(last["close"]), last["end_time"].to_pydatetime()
    raise DataError(Path(folder) / security / "usa", f"no {ticker.upper()} price for {as_of}; tried " + "; ".join(tried))


def _latest(frame: pd.DataFrame, contracts: pd.DataFrame, as_of: datetime, columns: list[str],
            summed: list[str] | None = None) -> pd.DataFrame:
    """Per contract, the last non-NaN value of each of ``columns`` (and the sum of ``summed``) over rows
    ended by ``as_of``, indexed by (right, strike, expiry). Rows are ordered by contract, then time."""
    known = frame[frame["end_time"].to_numpy() <= np.datetime64(as_of)]
    grouped = known.groupby("contract", sort=True)
    out = grouped[columns].last()
    if summed:
        out = out.join(grouped[summed].sum())
    keys = contracts.iloc[out.index.to_numpy()]
    out.index = pd.MultiIndex.from_arrays([keys["right"], keys["strike"], keys["expiry"]])
    return out


def chain_frame(folder: Path, root: str, as_of: datetime, resolution: Resolution = "minute",
                optional: Iterable[str] = ("trade",)) -> tuple[pd.DataFrame, date, OptionSecurity]:
    """One row per contract as :func:`chain_snapshot` sees it: ``right, strike, expiry, bid, ask, bid_size,
    ask_size, quote_time, last, volume, open_interest``; also the session day and where the data lives.

    ``optional`` names tick types (``trade``, ``openinterest``) whose missing file is tolerated (values
    become None/0); the quote file is always required.
    """
    folder = Path(folder)
    hours = market_hours(folder)
    security = find_security(folder, root)
    day = session_day(hours, as_of, resolution)
    # groupby.last skips NaN per column: the last bid and the last ask seen so far, as LEAN's cache keeps them.
    frame = _latest(*cached_option_bars(folder, root, resolution, "quote", day, security), as_of,
                    ["bid_close", "ask_close", "bid_size", "ask_size", "end_time"])
    frame = frame.rename(columns={"bid_close": "bid", "ask_close": "ask", "end_time": "quote_time"})
    frame = frame[frame["ask"].notna() & (frame.index.get_level_values("expiry") >= pd.Timestamp(day))]
    frame["bid"] = frame["bid"].fillna(0.0)

    optional = set(optional)
    if _present(folder, root, resolution, "trade", day, security, "trade" in optional):
        trades = _latest(*cached_option_bars(folder, root, resolution, "trade", day, security), as_of,
                         ["close"], ["volume"])
        frame = frame.join(trades.rename(columns={"close": "last"}))
    else:
        frame["last"] = np.nan
        frame["volume"] = 0.0
    if _present(folder, root, resolution, "openinterest", day, security, "openinterest" in optional):
        oi = _latest(*cached_option_bars(folder, root, resolution, "openinterest", day, security), as_of,
                     ["open_interest"])
        frame = frame.join(oi)
    else:
        frame["open_interest"] = np.nan
    frame["volume"] = frame["volume"].fillna(0.0)
    frame["open_interest"] = frame["open_interest"].fillna(0.0)
    return frame.sort_index().reset_index(), day, security


def _present(folder: Path, root: str, resolution: Resolution, tick: TickType, day: date, security: OptionSecurity,
             optional: bool) -> bool:
    """False when an optional file is missing; a missing required file is left to raise when read."""
    return not optional or option_path(folder, root, resolution, tick, day, security).is_file()


def chain_snapshot(folder: Path, underlying: str, as_of: datetime, resolution: Resolution = "minute",
                   optional: Iterable[str] = ("trade",)) -> ChainSnapshot:
    """The option chain of ``underlying`` (an equity ticker or an index-option root such as ``SPX``/``SPXW``)
    as known at ``as_of`` (exchange time, tz-naive). Missing quote, open-interest or underlying files raise
    :class:`DataError`; a session with no quote yet by ``as_of`` gives an empty chain."""
    folder = Path(folder)
    root = underlying.upper()
    frame, day, security = chain_frame(folder, root, as_of, resolution, optional)
    ticker = INDEX_OF_ROOT.get(root, root) if security == "indexoption" else root
    spot, _ = underlying_price(folder, ticker, as_of, day, resolution,
                               "index" if security == "indexoption" else "equity", market_hours(folder))
    props = symbol_properties(folder, root, security)
    style = Style.AMERICAN if security == "option" else Style.EUROPEAN
    multiplier = int(round(props.multiplier))
    quotes = tuple(
        OptionQuote(
            symbol=osi_symbol(root, expiry.date(), right, strike),
            underlying=ticker,
            right=Right(right),
            strike=float(strike),
            expiry=expiry.date(),
            bid=float(bid),
            ask=float(ask),
            underlying_price=spot,
            quote_time=qt.to_pydatetime(),
            style=style,
            multiplier=multiplier,
            tick_size=props.tick_size,
            volume=float(vol),
            open_interest=float(oi),
            last=None if np.isnan(last) else float(last),
        )
        for right, strike, expiry, bid, ask, qt, last, vol, oi in zip(
            frame["right"], frame["strike"], frame["expiry"], frame["bid"], frame["ask"], frame["quote_time"],
            frame["last"], frame["volume"], frame["open_interest"], strict=True,
        )
    )
    return ChainSnapshot(underlying=ticker, underlying_price=spot, as_of=as_of, quotes=quotes)
