"""Which held options settle at a step: expiry, LEAN-style early assignment, dividend-driven exercise.

Pure rules over positions, quotes and prices; the simulator applies what they return through the ledger.

* Expiry: every option whose expiry date is on or before the session being closed settles at that close
  (in the money by any amount: assigned / exercised; otherwise expired).
* Early assignment, as LEAN's ``DefaultOptionAssignmentModel``: a short American option within
  ``EARLY_ASSIGNMENT_DAYS`` calendar days of expiry, more than ``EARLY_ASSIGNMENT_ITM`` in the money
  (|S - K| / S), whose bid is below its intrinsic value (the holder gains by exercising rather than selling).
* Dividend-driven exercise: a short American call in the money the session before an ex-dividend date is
  exercised when the dividend exceeds the call's remaining time value (mid - intrinsic), the textbook rule
  for a holder who wants the dividend. LEAN's model ignores dividends; this is stricter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from domain.types import OptionQuote, Position, Right, Style

EARLY_ASSIGNMENT_DAYS = 4
EARLY_ASSIGNMENT_ITM = 0.05


@dataclass(frozen=True, slots=True)
class Settlement:
    """Settle ``symbol`` at ``underlying_price``; ``reason`` goes to the trade log."""

    symbol: str
    underlying_price: float
    reason: str


def intrinsic(right: Right, strike: float, spot: float) -> float:
    return max(spot - strike, 0.0) if right is Right.CALL else max(strike - spot, 0.0)


def expiring(positions: Iterable[Position], session: date, prices: Mapping[str, float]) -> list[Settlement]:
    """Options expiring on or before ``session``, settled at the underlying's price (the session close)."""
    out = []
    for p in positions:
        if p.is_option and p.expiry is not None and p.expiry <= session:
            spot = prices[p.underlying]
            assert p.right is not None and p.strike is not None
            itm = intrinsic(p.right, p.strike, spot)
            what = f"in the money by {itm:.2f}" if itm > 0 else "out of the money"
            out.append(Settlement(p.symbol, spot, f"expiry {p.expiry}: {p.underlying} {spot:.2f} vs strike "
                                                  f"{p.strike:g}, {what}"))
    return out


def early_assignments(positions: Iterable[Position], quotes: Mapping[str, OptionQuote], session: date,
                      prices: Mapping[str, float]) -> list[Settlement]:
    """Short American options the LEAN default model would assign today (see the module docstring)."""
    out = []
    for p in positions:
        if not (p.is_option and p.quantity < 0 and p.style is Style.AMERICAN and p.expiry is not None):
            continue
        days = (p.expiry - session).days
        q = quotes.get(p.symbol)
        spot = prices.get(p.underlying)
        if q is None or spot is None or spot <= 0 or not 0 < days <= EARLY_ASSIGNMENT_DAYS:
            continue
        assert p.right is not None and p.strike is not None
        itm = (spot - p.strike) / spot if p.right is Right.CALL else (p.strike - spot) / spot
        value = intrinsic(p.right, p.strike, spot)
        if itm > EARLY_ASSIGNMENT_ITM and q.bid < value:
            out.append(Settlement(p.symbol, spot, f"early assignment: {itm:.1%} in the money, {days} days to "
                                                  f"expiry, bid {q.bid:.2f} below intrinsic {value:.2f}"))
    return out


def dividend_exercises(positions: Iterable[Position], quotes: Mapping[str, OptionQuote],
                       prices: Mapping[str, float], next_dividend: Mapping[str, float]) -> list[Settlement]:
    """Short American calls exercised ahead of tomorrow's ex-dividend date (``next_dividend``: underlying ->
    cash dividend per share going ex at the next session)."""
    out = []
    for p in positions:
        if not (p.is_short_call and p.style is Style.AMERICAN and p.underlying in next_dividend):
            continue
        q = quotes.get(p.symbol)
        spot = prices.get(p.underlying)
        if q is None or spot is None:
            continue
        assert p.strike is not None
        value = intrinsic(Right.CALL, p.strike, spot)
        time_value = q.mid - value
        dividend = next_dividend[p.underlying]
        if value > 0 and dividend > time_value:
            out.append(Settlement(p.symbol, spot, f"exercised for the dividend: {dividend:.2f} per share exceeds "
                                                  f"time value {time_value:.2f}"))
    return out
