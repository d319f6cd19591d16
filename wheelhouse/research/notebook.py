"""Small helpers the ``research/`` notebooks share, inside ``lean research .`` and outside LEAN.

Nothing here imports LEAN: :func:`quantbook_chain_frame` takes the DataFrame that QuantBook's
``option_history(...).data_frame`` returns (index ``expiry, strike, type, symbol, time``; quote columns
``bidclose``/``askclose``; ``type`` 0 = call, 1 = put as in LEAN's ``OptionRight``) and turns it into the same
chain frame the offline reader gives (:func:`snapshot_frame`), so every later cell is host-independent.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from domain.types import ChainSnapshot, OptionQuote, Right, Style

CHAIN_COLUMNS = ("symbol", "underlying", "right", "strike", "expiry", "bid", "ask", "underlying_price", "volume",
                 "open_interest", "quote_time", "style", "multiplier")


def project_root(start: Path | None = None) -> Path:
    """The LEAN project folder (holds ``config.json`` and ``domain/``) at or above ``start`` (default: cwd)."""
    here = (start or Path.cwd()).resolve()
    for p in (here, *here.parents):
        if (p / "config.json").is_file() and (p / "domain").is_dir():
            return p
    raise FileNotFoundError(f"no LEAN project (config.json + domain/) at or above {here}")


def sample_data(root: Path, needs: str = "option/usa/minute/goog") -> Path | None:
    """The first LEAN data folder holding ``needs``: the project's ``data/``, else ``../shared/lean-data``."""
    for folder in (root / "data", root.parent / "shared" / "lean-data"):
        if (folder / needs).exists():
            return folder
    return None


def snapshot_frame(snapshot: ChainSnapshot) -> pd.DataFrame:
    """One row per quote of a chain snapshot, with :data:`CHAIN_COLUMNS` and ``as_of``."""
    rows = [{
        "symbol": q.symbol, "underlying": q.underlying, "right": q.right.value, "strike": q.strike,
        "expiry": q.expiry, "bid": q.bid, "ask": q.ask, "underlying_price": q.underlying_price,
        "volume": q.volume, "open_interest": q.open_interest, "quote_time": q.quote_time, "style": q.style.value,
        "multiplier": q.multiplier,
    } for q in snapshot.quotes]
    frame = pd.DataFrame(rows, columns=list(CHAIN_COLUMNS))
    frame["as_of"] = snapshot.as_of
    return frame


def quantbook_chain_frame(history: pd.DataFrame, underlying: str, spot: float, as_of: datetime,
                          multiplier: int = 100) -> pd.DataFrame:
    """The last quote of each contract at or before ``as_of`` from QuantBook's option history frame."""
    h = history.reset_index()
    h = h[pd.to_datetime(h["time"]) <= pd.Timestamp(as_of)].sort_values("time")
    last = h.groupby("symbol", sort=True).last().reset_index()
    expiry = pd.to_datetime(last["expiry"]).dt.date
    right = np.where(last["type"].astype(int) == 0, "C", "P")
    frame = pd.DataFrame({
        "symbol": [f"{underlying.upper():<6}{e:%y%m%d}{r}{round(k * 1000):08d}"
                   for e, r, k in zip(expiry, right, last["strike"], strict=True)],
        "underlying": underlying.upper(), "right": right, "strike": last["strike"].astype(float), "expiry": expiry,
        "bid": last["bidclose"].astype(float).fillna(0.0), "ask": last["askclose"].astype(float),
        "underlying_price": float(spot),
        "volume": last["volume"].astype(float).fillna(0.0) if "volume" in last else 0.0,
        "open_interest": last["openinterest"].astype(float).fillna(0.0) if "openinterest" in last else 0.0,
        "quote_time": pd.to_datetime(last["time"]).dt.to_pydatetime(), "style": Style.AMERICAN.value,
        "multiplier": multiplier,
    })
    frame = frame[frame["ask"].notna() & (frame["ask"] > 0)].reset_index(drop=True)
    frame["as_of"] = as_of
    return frame


def frame_snapshot(frame: pd.DataFrame, as_of: datetime) -> ChainSnapshot:
    """A :class:`ChainSnapshot` from a chain frame (the inverse of :func:`snapshot_frame`)."""
    quotes = tuple(
        OptionQuote(symbol=str(r.symbol), underlying=str(r.underlying), right=Right(str(r.right)),
                    strike=float(r.strike), expiry=r.expiry if isinstance(r.expiry, date) else r.expiry.date(),
                    bid=float(r.bid), ask=float(r.ask), underlying_price=float(r.underlying_price),
                    quote_time=pd.Timestamp(r.quote_time).to_pydatetime(), style=Style(str(r.style)),
                    multiplier=int(r.multiplier), volume=float(r.volume), open_interest=float(r.open_interest))
        for r in frame.itertuples(index=False)
    )
    spot = float(frame["underlying_price"].iloc[0]) if len(frame) else float("nan")
    underlying = str(frame["underlying"].iloc[0]) if len(frame) else ""
    return ChainSnapshot(underlying=underlying, underlying_price=spot, as_of=as_of, quotes=quotes)
