"""Monthly index-option rules of the CBOE benchmarks, shared by the offline benchmarks and the LEAN one.

Pure (standard library and domain types only), so ``algorithms/put_write.py`` runs the very same rules
inside LEAN: the roll date, the contract chosen at a roll, and the fully collateralised size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

from domain.types import OptionQuote, Right

MIN_DAYS_TO_EXPIRY = 14
"""The new contract is the first monthly expiry at least this many days away (next month's on a roll date)."""

SAFETY = 1e-9
"""Sizing keeps this relative margin so float rounding never leaves free cash a hair below zero."""


def third_friday(year: int, month: int) -> date:
    """The third Friday of a month: the standard monthly equity/index option expiry."""
    first = date(year, month, 1)
    offset = (4 - first.weekday()) % 7
    return first + timedelta(days=offset + 14)


def is_monthly_expiry(expiry: date) -> bool:
    """True for the third Friday of its month, or the Thursday before it (the Good Friday holiday rule)."""
    friday = third_friday(expiry.year, expiry.month)
    return expiry == friday or expiry == friday - timedelta(days=1)


def is_roll_date(session: date, next_session: date | None) -> bool:
    """True when ``session`` is the month's standard expiry date: the third Friday, or the Thursday before it
    when that Friday is not a session (Good Friday)."""
    friday = third_friday(session.year, session.month)
    if session == friday:
        return True
    return session == friday - timedelta(days=1) and next_session is not None and next_session > friday


def pick_expiry(expiries: Iterable[date], session: date) -> date | None:
    """The first monthly expiry at least ``MIN_DAYS_TO_EXPIRY`` days away; without monthly expiries, the
    expiry closest to 30 days (at least ``MIN_DAYS_TO_EXPIRY`` away)."""
    far = sorted({e for e in expiries if (e - session).days >= MIN_DAYS_TO_EXPIRY})
    monthly = [e for e in far if is_monthly_expiry(e)]
    if monthly:
        return monthly[0]
    if not far:
        return None
    return min(far, key=lambda e: abs((e - session).days - 30))


def pick_atm(quotes: Iterable[OptionQuote], session: date, right: Right, spot: float) -> OptionQuote | None:
    """At a roll: the put at the first listed strike at or below ``spot`` (CBOE PUT), or the call at the
    first strike at or above it (BXM), of the expiry :func:`pick_expiry` chooses."""
    quotes = list(quotes)
    expiry = pick_expiry((q.expiry for q in quotes), session)
    if expiry is None:
        return None
    same = [q for q in quotes if q.expiry == expiry and q.right is right]
    if right is Right.PUT:
        below = [q for q in same if q.strike <= spot]
        return max(below, key=lambda q: q.strike) if below else None
    above = [q for q in same if q.strike >= spot]
    return min(above, key=lambda q: q.strike) if above else None


def collateralised_puts(cash: float, strike: float, premium: float, multiplier: int,
                        commission: Callable[[float], float]) -> float:
    """Most puts (fractional) such that strike x multiplier x N equals the cash after the sale: the premium
    received joins the collateral, the commission leaves it. ``premium`` per share; 0 when none fit."""
    per_contract = (strike - premium) * multiplier
    if per_contract <= 0 or cash <= 0:
        return 0.0
    first = cash / per_contract
    return max((cash - commission(first)) / per_contract * (1 - SAFETY), 0.0)
