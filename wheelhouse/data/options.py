"""Option quote, trade and open-interest zips and the daily option universe files of a LEAN data folder.

:func:`option_bars` returns one long frame for every contract in a file, with columns

* ``right`` (``"C"``/``"P"``), ``strike`` (dollars), ``expiry`` (midnight Timestamp) from the member name;
* ``time`` (bar start) and ``end_time`` (when the value is known, see below), exchange time, tz-naive;
* quote: ``bid_open, bid_high, bid_low, bid_close, bid_size, ask_open, ask_high, ask_low, ask_close,
  ask_size`` (blank sides are NaN: no quote on that side during the bar);
  trade: ``open, high, low, close, volume``; open interest: ``open_interest``.

Prices and strikes are dollars (the zips hold deci-cents). ``end_time`` is ``time`` + 1 minute / 1 hour for
minute and hour bars and the session close for daily bars. Open interest is published before the open
(LEAN stamps it 06:00-06:30), so a daily open-interest row dated d is known from d's session open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from wheelhouse.data._zipcsv import DECI_CENTS, parse_times, read_members, require_file
from wheelhouse.data.equity import QUOTE_COLUMNS, TRADE_COLUMNS, Resolution, session_closes
from wheelhouse.data.errors import DataError
from wheelhouse.data.reference import market_hours

TickType = Literal["quote", "trade", "openinterest"]
OptionSecurity = Literal["option", "indexoption"]
OI_COLUMNS = ("time", "open_interest")
UNIVERSE_COLUMNS = (
    "expiry", "strike", "right", "open", "high", "low", "close", "volume", "open_interest",
    "implied_volatility", "delta", "gamma", "vega", "theta", "rho",
)  # fmt: skip
_COLUMNS: dict[str, tuple[str, ...]] = {"quote": QUOTE_COLUMNS, "trade": TRADE_COLUMNS, "openinterest": OI_COLUMNS}


def style_of(security: OptionSecurity) -> str:
    """LEAN's file-name style word: equity options are American, index options European."""
    return "american" if security == "option" else "european"


def option_path(folder: Path, root: str, resolution: Resolution, tick_type: TickType, day: date,
                security: OptionSecurity = "option") -> Path:
    """``{security}/usa/minute/{root}/{YYYYMMDD}_{tick}_{style}.zip`` or
    ``{security}/usa/{hour|daily}/{root}_{YYYY}_{tick}_{style}.zip``."""
    base = Path(folder) / security / "usa" / resolution
    r, style = root.lower(), style_of(security)
    if resolution == "minute":
        return base / r / f"{day:%Y%m%d}_{tick_type}_{style}.zip"
    return base / f"{r}_{day:%Y}_{tick_type}_{style}.zip"


def find_security(folder: Path, root: str) -> OptionSecurity:
    """Whether ``root``'s options are stored as equity options or index options in this folder."""
    for security in ("option", "indexoption"):
        if (Path(folder) / security / "usa").is_dir() and any(
            (Path(folder) / security / "usa" / res / root.lower()).is_dir()
            or any((Path(folder) / security / "usa" / res).glob(f"{root.lower()}_*.zip"))
            for res in ("minute", "hour", "daily")
        ):
            return security  # type: ignore[return-value]
    raise DataError(Path(folder) / "option" / "usa", f"no option or index-option data for '{root.upper()}'")


def _contract_table(names: list[str], path: Path) -> pd.DataFrame:
    """Right, strike and expiry of each member, parsed from ``..._{call|put}_{strike*10000}_{YYYYMMDD}.csv``."""
    rights, strikes, expiries = [], [], []
    for name in names:
        parts = name[:-4].rsplit("_", 3)
        if len(parts) != 4 or parts[1] not in ("call", "put"):
            raise DataError(path, f"member '{name}' is not named '..._{{call|put}}_{{strike}}_{{YYYYMMDD}}.csv'")
        rights.append("C" if parts[1] == "call" else "P")
        strikes.append(int(parts[2]) / DECI_CENTS)
        expiries.append(parts[3])
    return pd.DataFrame({
        "right": rights,
        "strike": np.asarray(strikes, dtype=float),
        "expiry": pd.to_datetime(pd.Series(expiries, dtype=str), format="%Y%m%d"),
    })


def option_bars(folder: Path, root: str, resolution: Resolution, tick_type: TickType, day: date,
                security: OptionSecurity = "option", whole_file: bool = False) -> pd.DataFrame:
    """Bars of every contract of ``root`` in the file covering ``day``; only rows dated ``day`` unless
    ``whole_file`` (hour/daily files cover a year). Raises :class:`DataError` when the file is missing.

    Rows are ordered by contract, then time; ``contract`` is an integer code of the contract within the file.
    """
    return cached_option_bars(folder, root, resolution, tick_type, day, security, whole_file)[0].copy()


def cached_option_bars(folder: Path, root: str, resolution: Resolution, tick_type: TickType, day: date,
                       security: OptionSecurity = "option", whole_file: bool = False
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`option_bars` without the copy, plus the file's contract table (``right, strike, expiry`` by
    ``contract`` code). Shared with the cache: callers must not modify either frame."""
    path = option_path(folder, root, resolution, tick_type, day, security)
    require_file(path, f"{tick_type} bars of {root.upper()} options, one CSV per contract")
    stat = path.stat()
    selected = None if whole_file or resolution == "minute" else day
    return _option_bars(path, Path(folder), root.upper(), resolution, tick_type,
                        day if resolution == "minute" else None, selected, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _option_bars(path: Path, folder: Path, root: str, resolution: Resolution, tick_type: TickType,
                 file_day: date | None, selected: date | None, _mtime: int, _size: int
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    cols = _COLUMNS[tick_type]
    names, raw = read_members(path, cols, f"{tick_type} bars of {root} options, one CSV per contract "
                                          f"({','.join(cols)})", ms_times=resolution == "minute")
    times = parse_times(raw["time"], file_day)
    keep = np.ones(len(raw), dtype=bool) if selected is None else (times.normalize() == pd.Timestamp(selected))
    frame = raw.loc[keep].drop(columns="time").reset_index(drop=True)
    times = times[keep]
    for c in frame.columns:
        if c in ("member", "open_interest") or "size" in c or c == "volume":
            continue
        frame[c] = frame[c] / DECI_CENTS
    contracts = _contract_table(names, path)
    codes = frame.pop("member").to_numpy()
    frame.insert(0, "contract", codes)
    for c in ("right", "strike", "expiry"):
        frame[c] = contracts[c].to_numpy()[codes]
    frame["time"] = times
    if resolution == "minute":
        frame["end_time"] = times + timedelta(minutes=1)
    elif resolution == "hour":
        frame["end_time"] = times + timedelta(hours=1)
    else:
        hours = market_hours(folder)
        if tick_type == "openinterest":
            frame["end_time"] = pd.DatetimeIndex([hours.session_open(t.date()) if hours.is_trading_day(t.date())
                                                  else t for t in times])
        else:
            frame["end_time"] = session_closes(times, hours)
    frame = frame.sort_values(["contract", "time"], kind="stable").reset_index(drop=True)
    return frame, contracts


@dataclass(frozen=True)
class OptionUniverse:
    """One daily option-universe file: the underlying's daily bar and one row per contract.

    ``underlying`` holds ``open, high, low, close, volume`` (None in older files without that row);
    ``contracts`` holds ``expiry`` (Timestamp),
    ``strike``, ``right`` and the vendor's ``open, high, low, close, volume, open_interest,
    implied_volatility, delta, gamma, vega, theta, rho`` (plain dollars; theta per day; blanks are NaN).
    The file dated d describes d's session: it is known only after d's close.
    """

    day: date
    underlying: pd.Series | None
    contracts: pd.DataFrame


def option_universe(folder: Path, root: str, day: date, security: OptionSecurity = "option") -> OptionUniverse:
    """Read ``{security}/usa/universes/{root}/{YYYYMMDD}.csv``."""
    path = require_file(Path(folder) / security / "usa" / "universes" / root.lower() / f"{day:%Y%m%d}.csv",
                        "a daily option universe CSV '#expiry,strike,right,open,...,rho'")
    try:
        frame = pd.read_csv(path, header=None, names=list(UNIVERSE_COLUMNS), comment="#",
                            dtype={"expiry": str, "right": str})
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(path, f"expected '#expiry,strike,right,open,...,rho' rows ({exc})") from exc
    is_underlying = frame["expiry"].isna() & frame["right"].isna()
    underlying = (frame.loc[is_underlying, ["open", "high", "low", "close", "volume"]].iloc[0].astype(float)
                  if is_underlying.any() else None)
    contracts = frame.loc[~is_underlying].reset_index(drop=True)
    try:
        contracts["expiry"] = pd.to_datetime(contracts["expiry"], format="%Y%m%d")
    except ValueError as exc:
        raise DataError(path, f"expiry must be YYYYMMDD ({exc})") from exc
    if not contracts["right"].isin(["C", "P"]).all():
        raise DataError(path, "right must be C or P in every contract row")
    return OptionUniverse(day, underlying, contracts)
