"""Portfolio construction: reviewed candidates -> sized, capped, cash-secured targets.

Steps, in order, for every candidate (the first failing step drops it with its reason):

1. one candidate per id; a valid quote (finite, bid > 0, ask >= bid, strike and multiplier > 0, not expired)
   whose right matches the strategy (puts for ``csp``, calls for ``cc``);
2. a review decision exists, is not ``reject`` and has a size multiplier > 0;
3. the decision matrix (:mod:`portfolio.decision`): final score >= ``trade_threshold``; the three parts are
   recorded for every candidate that reaches this step.

Survivors are ranked by final score (ties: candidate id), then admitted greedily:

4. one new target per underlying per call (the best ranked one);
5. covered calls: strike >= the shares' cost basis unless ``cc_allow_below_cost_basis``;
6. sizing (:mod:`portfolio.sizing`): whole contracts under the 5% cash-secured cap after haircuts and the
   review multiplier; zero when one contract exceeds it;
7. caps (:mod:`portfolio.caps`): position cap, per-sector position count and exposure, margin use, free cash
   (puts) and uncovered shares (calls) may reduce the count; zero drops the candidate.

Targets sell (negative quantity) and carry no limit price (execution sets it). Pure and deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import isfinite

from domain.config import StrategyConfig
from domain.types import (
    AssetKind,
    Candidate,
    MarketContext,
    PortfolioState,
    ReviewAction,
    ReviewDecision,
    Right,
    Strategy,
    Target,
)
from portfolio.caps import Exposure
from portfolio.decision import ScoreParts, risk_fit, score
from portfolio.sizing import size


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """What construction decided about one candidate: its score parts (None when dropped before scoring),
    the contracts it got (0 when dropped) and why."""

    candidate_id: str
    underlying: str
    parts: ScoreParts | None
    contracts: int
    notional: float
    haircuts: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class ConstructionResult:
    """Targets (negative quantity = sell), dropped candidates (id, reason), and one record per candidate."""

    targets: tuple[Target, ...]
    dropped: tuple[tuple[str, str], ...]
    records: tuple[DecisionRecord, ...]

    @property
    def scores(self) -> dict[str, ScoreParts]:
        """Score parts by candidate id, for every candidate that was scored."""
        return {r.candidate_id: r.parts for r in self.records if r.parts is not None}


def candidate_problem(candidate: Candidate) -> str | None:
    """Why a candidate cannot be traded at all (None when it can)."""
    q = candidate.quote
    if not (isfinite(q.bid) and isfinite(q.ask) and isfinite(q.strike) and isfinite(q.underlying_price)):
        return "quote has a non-finite number"
    if q.bid <= 0:
        return f"bid {q.bid:g} is not positive"
    if q.ask < q.bid:
        return f"crossed quote (bid {q.bid:g} > ask {q.ask:g})"
    if q.strike <= 0 or q.underlying_price <= 0:
        return "strike or underlying price is not positive"
    if q.multiplier <= 0 or not q.tick_size > 0:
        return "multiplier or tick size is not positive"
    if q.dte(candidate.as_of) <= 0:
        return f"contract expires {q.expiry} (not after as_of)"
    want = Right.PUT if candidate.strategy is Strategy.CASH_SECURED_PUT else Right.CALL
    if q.right is not want:
        return f"strategy {candidate.strategy.value} needs a {want.name.lower()}, got a {q.right.name.lower()}"
    return None


def share_cost_basis(portfolio: PortfolioState, underlying: str) -> float | None:
    """Share-weighted cost basis per share of the stock held in ``underlying`` (None when none is held)."""
    lots = [p for p in portfolio.positions
            if p.kind is AssetKind.STOCK and p.underlying == underlying and p.quantity > 0]
    shares = sum(p.quantity for p in lots)
    return sum(p.quantity * p.cost_basis for p in lots) / shares if shares > 0 else None


def construct(
    candidates: Sequence[Candidate],
    decisions: Mapping[str, ReviewDecision],
    portfolio: PortfolioState,
    market: MarketContext,
    config: StrategyConfig,
    cost_basis: Mapping[str, float] | None = None,
) -> ConstructionResult:
    """Sized, capped targets from reviewed candidates (see the module docstring for every step).

    Args:
        candidates: screened candidates (any order); ``candidate.score`` is the 0-10 quantitative score.
        decisions: review decisions by candidate id; a missing one is a rejection.
        portfolio: current holdings and cash (the project's accounting: puts reserve strike x multiplier).
        market: VIX, reference data (sectors, earnings) and holiday flag at ``market.as_of``.
        config: the strategy settings.
        cost_basis: per-share cost basis by underlying for the covered-call rule (the wheel's adjusted basis);
            default: the stock positions' ``cost_basis``.

    Returns:
        ConstructionResult; each target has ``quantity`` = -contracts, ``score`` = final score, ``reason``
        naming its score parts and haircuts, ``limit_price`` None.
    """
    records: list[DecisionRecord] = []
    dropped: list[tuple[str, str]] = []

    def drop(c: Candidate, reason: str, parts: ScoreParts | None = None, cuts: tuple[str, ...] = ()) -> None:
        dropped.append((c.id, reason))
        records.append(DecisionRecord(c.id, c.underlying, parts, 0, 0.0, cuts, reason))

    if not portfolio.total_value > 0:
        for c in candidates:
            drop(c, "portfolio value is not positive")
        return ConstructionResult((), tuple(dropped), tuple(records))

    exposure = Exposure.of(portfolio, market, config)
    seen: set[str] = set()
    ranked: list[tuple[Candidate, ReviewDecision, ScoreParts, str]] = []
    for c in candidates:
        if c.id in seen:
            drop(c, "duplicate candidate id")
            continue
        seen.add(c.id)
        problem = candidate_problem(c)
        if problem:
            drop(c, problem)
            continue
        d = decisions.get(c.id)
        if d is None:
            drop(c, "no review decision (counts as a rejection)")
            continue
        if d.action is ReviewAction.REJECT or not d.size_multiplier > 0:
            drop(c, f"rejected by review ({d.source})")
            continue
        sector = exposure.sector_for(c, market)
        parts = score(c, d, risk_fit(c, exposure, sector, config), config)
        if not parts.passed:
            drop(c, f"{parts.describe()} below threshold {config.portfolio.trade_threshold:g}", parts)
            continue
        ranked.append((c, d, parts, sector))

    ranked.sort(key=lambda r: (-r[2].final, r[0].id))
    targets: list[Target] = []
    taken: set[str] = set()
    for c, d, parts, sector in ranked:
        if c.underlying in taken:
            drop(c, f"a higher-ranked candidate on {c.underlying} was taken", parts)
            continue
        if c.quote.right is Right.CALL and not config.screen.cc_allow_below_cost_basis:
            basis = (cost_basis or {}).get(c.underlying, share_cost_basis(portfolio, c.underlying))
            if basis is not None and c.quote.strike < basis - 1e-9:
                drop(c, f"call strike {c.quote.strike:g} below cost basis {basis:.2f}", parts)
                continue
        sized = size(c, portfolio.total_value, market, config, d.size_multiplier)
        if sized.contracts == 0:
            drop(c, f"one contract (${sized.notional_per_contract:,.0f}) exceeds the budget "
                    f"${sized.budget:,.0f} (cap ${sized.cap:,.0f})", parts, sized.haircuts)
            continue
        room, binding = exposure.room(c, sector, config)
        contracts = min(sized.contracts, room)
        if contracts <= 0:
            drop(c, f"no room: {binding}", parts, sized.haircuts)
            continue
        note = f"; cut to {contracts} by {binding}" if contracts < sized.contracts else ""
        cuts = f"; haircuts {', '.join(sized.haircuts)}" if sized.haircuts else ""
        exposure.add(c, contracts, sector)
        taken.add(c.underlying)
        reason = f"{c.strategy.value} {contracts}x: {parts.describe()}{cuts}{note}"
        records.append(DecisionRecord(c.id, c.underlying, parts, contracts, contracts * sized.notional_per_contract,
                                      sized.haircuts, reason))
        q = c.quote
        targets.append(Target(symbol=q.symbol, underlying=q.underlying, quantity=-contracts, candidate_id=c.id,
                              strategy=c.strategy, right=q.right, strike=q.strike, expiry=q.expiry,
                              multiplier=q.multiplier, limit_price=None, score=parts.final, reason=reason))
    return ConstructionResult(tuple(targets), tuple(dropped), tuple(records))
