"""Quote checks and the fill model of the offline engine.

Fill model (one step sees one quote per contract, so there is no queue to simulate): a limit order fills on
the step it is placed, at its limit price moved against the trader by ``slippage_pct_of_spread`` x spread,
and never at a price worse than the natural side of the quote (bid for a sell, ask for a buy). A limit that
is already marketable (a sell limit at or below the bid) fills at the natural side, as an exchange would. A
limit on the wrong side of the market (a sell limit above the ask) does not fill. An order without a limit
(the benchmarks' stock trades and rolls) is treated as a limit at mid.

With the default ``slippage_pct_of_spread = 0`` an order priced at mid fills at mid; 0.5 fills a mid-priced
order at the natural side (bid or ask).
"""

from __future__ import annotations

import math
from datetime import datetime

from domain.types import OptionQuote


def quote_problem(quote: OptionQuote, as_of: datetime, max_age_minutes: float, selling: bool) -> str | None:
    """Why a quote may not be traded on (None when it may).

    Rejected: non-finite or negative prices, a crossed market (bid > ask), no offer (ask <= 0), no bid when
    selling (nothing to sell into), a quote stamped after ``as_of`` (look-ahead) or older than
    ``max_age_minutes`` before it (stale).
    """
    bid, ask = quote.bid, quote.ask
    if not (math.isfinite(bid) and math.isfinite(ask)):
        return f"non-finite quote (bid {bid}, ask {ask})"
    if bid < 0 or ask <= 0:
        return f"no market (bid {bid}, ask {ask})"
    if bid > ask:
        return f"crossed quote (bid {bid} > ask {ask})"
    if selling and bid <= 0:
        return "no bid to sell into"
    if quote.quote_time > as_of:
        return f"quote stamped {quote.quote_time:%Y-%m-%d %H:%M} after as_of {as_of:%Y-%m-%d %H:%M}"
    age = (as_of - quote.quote_time).total_seconds() / 60.0
    if age > max_age_minutes:
        return f"stale quote ({age:.0f} minutes old, limit {max_age_minutes:g})"
    return None


def fill_price(quantity: float, limit: float | None, bid: float, ask: float, slippage_pct_of_spread: float) -> float | None:
    """The fill price of an order of signed ``quantity`` (negative = sell), or None when it does not fill.

    See the module docstring for the model. ``bid``/``ask`` must have passed :func:`quote_problem`.
    """
    if quantity == 0:
        return None
    spread = max(ask - bid, 0.0)
    price = 0.5 * (bid + ask) if limit is None else limit
    if quantity < 0:
        if price > ask:
            return None
        return max(price - slippage_pct_of_spread * spread, bid)
    if price < bid:
        return None
    return min(price + slippage_pct_of_spread * spread, ask)
