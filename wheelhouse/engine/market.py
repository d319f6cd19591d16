"""What the engine needs from a data source, as one protocol.

Two sources implement it (``wheelhouse.engine.sources``): a LEAN data folder and the bundled default data
with model-priced chains. Tests use small synthetic ones. Everything is stamped: a method called with
``as_of`` returns nothing known only after ``as_of``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

import numpy as np
import pandas as pd

from domain.types import ChainSnapshot, OptionQuote, Reference, Right
from wheelhouse.engine.monthly import is_monthly_expiry, is_roll_date, third_friday

__all__ = ["Dividend", "MarketData", "Split", "holiday_week", "is_monthly_expiry", "is_roll_date", "realised_vol",
           "realised_vols", "third_friday"]


@dataclass(frozen=True, slots=True)
class Dividend:
    """A cash dividend of ``amount`` per share going ex on ``ex_date`` (paid to holders at that open)."""

    underlying: str
    ex_date: date
    amount: float


@dataclass(frozen=True, slots=True)
class Split:
    """``ratio`` new shares per old share from the open of ``date`` (7.0 for a 7:1 split)."""

    underlying: str
    date: date
    ratio: float


class MarketData(Protocol):
    """A source of prices, option chains and market facts for the simulator.

    ``description`` names the data in report headers; ``model_priced`` is True when any option quote comes
    from a model rather than the market (reports then say so).
    """

    description: str
    model_priced: bool

    def trading_days(self, start: date, end: date) -> list[date]:
        """Sessions from ``start`` to ``end`` inclusive, oldest first."""
        ...

    def steps(self, day: date) -> list[datetime]:
        """The simulated decision times of one session, oldest first; the last is the session close."""
        ...

    def price(self, underlying: str, as_of: datetime) -> float | None:
        """Last raw (unadjusted) price known at ``as_of``, or None."""
        ...

    def chain(self, underlying: str, as_of: datetime) -> ChainSnapshot | None:
        """The option chain at ``as_of`` (quotes may come without IV and Greeks), or None when there is none."""
        ...

    def contract_quote(self, underlying: str, right: Right, strike: float, expiry: date,
                       as_of: datetime) -> OptionQuote | None:
        """A quote for one contract the chain does not list (a model can price any; market data cannot)."""
        ...

    def rate(self, day: date) -> float:
        """Risk-free rate (annual, decimal) for cash held over ``day``."""
        ...

    def vix(self, day: date) -> float | None:
        """VIX close of ``day`` when the data has it (else the engine uses a realised-volatility proxy)."""
        ...

    def closes(self, underlying: str) -> pd.Series:
        """Daily raw closes indexed by session date (the engine only reads values up to the current day)."""
        ...

    def dividends(self, underlying: str) -> Sequence[Dividend]:
        ...

    def splits(self, underlying: str) -> Sequence[Split]:
        ...

    def reference(self, underlying: str, day: date) -> Reference | None:
        """Sector, rating, earnings dates known on ``day`` (None when the source has no reference data)."""
        ...


def realised_vol(closes: np.ndarray, window: int = 21) -> float | None:
    """Annualised close-to-close volatility of the last ``window`` log returns (252 sessions a year)."""
    if len(closes) < window + 1:
        return None
    tail = np.asarray(closes[-(window + 1):], dtype=float)
    if np.any(tail <= 0) or not np.all(np.isfinite(tail)):
        return None
    r = np.diff(np.log(tail))
    return float(np.std(r, ddof=1) * np.sqrt(252.0))


def realised_vols(closes: np.ndarray, window: int = 21) -> np.ndarray:
    """:func:`realised_vol` of every prefix at once: element ``n - 1`` is ``realised_vol(closes[:n])``, NaN where
    that is None. The same operations run on each window (a row of a contiguous copy), so the values are
    equal to the last bit."""
    values = np.asarray(closes, dtype=float)
    out = np.full(len(values), np.nan)
    if len(values) < window + 1:
        return out
    tails = np.ascontiguousarray(np.lib.stride_tricks.sliding_window_view(values, window + 1))
    usable = ~np.any(tails <= 0, axis=1) & np.all(np.isfinite(tails), axis=1)
    tails = tails[usable]
    r = np.diff(np.log(tails), axis=1)
    out[window:][usable] = np.std(r, axis=1, ddof=1) * np.sqrt(252.0)
    return out


def holiday_week(day: date, trading: frozenset[date]) -> bool:
    """True when a weekday of ``day``'s Monday-Friday week is not a session (a market holiday)."""
    monday = day - timedelta(days=day.weekday())
    return any((monday + timedelta(days=i)) not in trading for i in range(5))
