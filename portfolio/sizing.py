"""Trade sizing: whole contracts under the per-trade cash-secured cap, cut by regime haircuts.

    cap      = max_trade_pct x total portfolio value x capital_fraction            (USD)
    budget   = cap x (1 - h_1) x (1 - h_2) x ... x review size_multiplier          (USD)
    contracts = floor(budget / notional of one contract)

The notional of one contract is strike x multiplier for a put (the cash it reserves) and underlying price x
multiplier for a covered call (the market value of the shares it covers); the multiplier is the quote's.
Contracts round down, so a trade whose single contract exceeds the budget gets zero. The review's
``size_multiplier`` is clipped to [0, 1]: it can only shrink a trade.

Haircuts (each applies at most once; they multiply):

| name | when | cut |
|---|---|---|
| ``high_vix`` | ``MarketContext.vix`` > ``vix_high`` | ``haircut_high_vix`` |
| ``earnings`` | the underlying's next earnings date is within ``earnings_blackout_days`` calendar days of as_of (inclusive) | ``haircut_earnings`` |
| ``thin_liquidity`` | the quote's spread over mid > ``warn_spread_pct`` | ``haircut_thin_liquidity`` |
| ``holiday`` | ``MarketContext.holiday_week`` | ``haircut_holiday`` |

An unknown VIX or earnings date triggers no haircut: the screen's unknown-reference policy rules on those.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from domain.config import StrategyConfig
from domain.types import Candidate, MarketContext
from portfolio.caps import contract_notional


@dataclass(frozen=True, slots=True)
class SizeResult:
    """Contracts to sell (>= 0) and how they were reached; money in USD."""

    contracts: int
    cap: float
    budget: float
    notional_per_contract: float
    factor: float
    haircuts: tuple[str, ...]

    @property
    def notional(self) -> float:
        return self.contracts * self.notional_per_contract


def haircuts(candidate: Candidate, market: MarketContext, config: StrategyConfig) -> tuple[tuple[str, float], ...]:
    """The haircuts that apply to ``candidate`` now, as (name, cut) pairs."""
    p, s = config.portfolio, config.screen
    out: list[tuple[str, float]] = []
    if market.vix is not None and math.isfinite(market.vix) and market.vix > s.vix_high:
        out.append(("high_vix", p.haircut_high_vix))
    ref = market.reference.get(candidate.underlying)
    if ref is not None and ref.next_earnings is not None:
        days = (ref.next_earnings - market.as_of.date()).days
        if 0 <= days <= s.earnings_blackout_days:
            out.append(("earnings", p.haircut_earnings))
    if candidate.quote.spread_pct() > s.warn_spread_pct:
        out.append(("thin_liquidity", p.haircut_thin_liquidity))
    if market.holiday_week:
        out.append(("holiday", p.haircut_holiday))
    return tuple(out)


def size(candidate: Candidate, total_value: float, market: MarketContext, config: StrategyConfig,
         size_multiplier: float = 1.0) -> SizeResult:
    """Whole contracts of ``candidate`` under the per-trade cap after haircuts and the review's multiplier."""
    p = config.portfolio
    cap = p.max_trade_pct * max(total_value, 0.0) * p.capital_fraction
    cuts = haircuts(candidate, market, config)
    factor = math.prod(1.0 - c for _, c in cuts)
    m = size_multiplier if math.isfinite(size_multiplier) else 0.0
    m = min(max(m, 0.0), 1.0)
    budget = cap * factor * m
    per = contract_notional(candidate)
    contracts = int(math.floor(budget / per + 1e-9)) if per > 0 and math.isfinite(per) else 0
    # Never more than the undiscounted cap allows, whatever the round-off above did.
    if per > 0 and contracts * per > cap + 1e-6:
        contracts -= 1
    return SizeResult(max(contracts, 0), cap, budget, per, factor, tuple(n for n, _ in cuts))
