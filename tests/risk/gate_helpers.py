"""Books, quotes and targets for gate tests: European quotes with a given IV, so Greeks are closed-form."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import numpy as np
from scipy.stats import norm

from domain.types import MarketContext, OptionQuote, Position, Right, Style, Target
from tests.factories import option_position, quote

AS_OF = datetime(2015, 12, 23, 10, 0)  # a Wednesday: no weekly review unless a test asks for one
EXPIRY = date(2016, 2, 19)             # 58 days: clear of the 21-day rule
SPOT = 100.0


def q(right: Right, strike: float, iv: float = 0.25, spot: float = SPOT, mid: float | None = None,
      half_spread: float = 0.01, underlying: str = "XYZ", **kw: object) -> OptionQuote:
    m = mid if mid is not None else bs(right, strike, iv, spot)[0]
    return quote(right, strike, expiry=EXPIRY, bid=round(m - half_spread, 4), ask=round(m + half_spread, 4),
                 underlying_price=spot, underlying=underlying, quote_time=AS_OF, style=Style.EUROPEAN, iv=iv,
                 **kw)  # type: ignore[arg-type]


def bs(right: Right, strike: float, iv: float, spot: float = SPOT, t: float = 58 / 365) -> tuple[float, float, float]:
    """Independent closed form (rate and dividend zero): price, delta, gamma per share."""
    d1 = (np.log(spot / strike) + 0.5 * iv * iv * t) / (iv * np.sqrt(t))
    d2 = d1 - iv * np.sqrt(t)
    gamma = norm.pdf(d1) / (spot * iv * np.sqrt(t))
    if right is Right.CALL:
        return spot * norm.cdf(d1) - strike * norm.cdf(d2), norm.cdf(d1), gamma
    return strike * norm.cdf(-d2) - spot * norm.cdf(-d1), norm.cdf(d1) - 1.0, gamma


def held(quote_: OptionQuote, contracts: float) -> Position:
    """A position in ``quote_``'s contract, entered at its mid (so no price stop fires)."""
    pos = option_position(quote_.right, quote_.strike, contracts=contracts, premium=quote_.mid,
                          underlying=quote_.underlying, expiry=quote_.expiry)
    return replace(pos, style=Style.EUROPEAN)


def sell(quote_: OptionQuote, contracts: int, cid: str = "c") -> Target:
    return Target(quote_.symbol, quote_.underlying, -contracts, candidate_id=cid, right=quote_.right,
                  strike=quote_.strike, expiry=quote_.expiry, multiplier=quote_.multiplier)


def mkt(as_of: datetime = AS_OF, **kw: object) -> MarketContext:
    return MarketContext(as_of=as_of, rate=0.0, **kw)  # type: ignore[arg-type]
