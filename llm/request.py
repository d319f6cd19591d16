"""Build the review request from domain objects (pure: no clock, no IO).

Candidate ids shown to the model are aliases ``C1`` ... ``Cn`` in the order given (best first); the returned
map turns them back into the domain's candidate ids, so an id the model invents maps to nothing.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from datetime import date

from domain.config import StrategyConfig
from domain.types import Candidate, MarketContext, PortfolioState, Position
from llm.anonymise import Anonymiser, Table, scrub
from llm.contract import (
    CandidateBrief,
    GreeksBrief,
    LimitsBrief,
    MarketBrief,
    NewsItem,
    PastTrade,
    PortfolioBrief,
    PositionBrief,
    ReviewRequest,
    VerdictBrief,
)

NEWS_MAX_CHARS = 2_000


def _num(value: float | None, digits: int = 4) -> float | None:
    """Rounded finite number, or None (JSON has no NaN or infinity, and fewer digits are fewer tokens)."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _days(later: date | None, as_of: date) -> int | None:
    return None if later is None else (later - as_of).days


def build_request(
    candidates: Sequence[Candidate],
    portfolio: PortfolioState,
    market: MarketContext,
    config: StrategyConfig,
    *,
    anonymise: bool,
    news: Sequence[NewsItem] = (),
    journal: Sequence[PastTrade] = (),
    greeks: GreeksBrief | None = None,
) -> tuple[ReviewRequest, dict[str, str]]:
    """The request for one rebalance and the alias -> candidate id map.

    ``news`` items name real underlyings; under anonymisation they are aliased and their text scrubbed, and
    ``journal`` trades are aliased the same way. Text is cut to :data:`NEWS_MAX_CHARS` characters.
    """
    anon = Anonymiser(anonymise, [c.underlying for c in candidates])
    for pos in sorted(portfolio.positions, key=lambda p: p.underlying):
        anon.alias(pos.underlying)
    as_of = market.as_of.date()
    briefs = []
    aliases: dict[str, str] = {}
    for i, cand in enumerate(candidates, start=1):
        alias = f"C{i}"
        aliases[alias] = cand.id
        briefs.append(_candidate(alias, cand, market, anon, as_of))
    request = ReviewRequest(
        anonymised=anonymise,
        market=MarketBrief(
            as_of="T" if anonymise else as_of.isoformat(),
            vix=_num(market.vix, 2),
            rate=_or(_num(market.rate), 0.0),
            holiday_week=market.holiday_week,
        ),
        portfolio=_portfolio(portfolio, anon, as_of, greeks),
        limits=LimitsBrief(
            max_trade_pct=config.portfolio.max_trade_pct,
            max_positions=config.portfolio.max_positions,
            sector_max_exposure=config.portfolio.sector_max_exposure,
            max_positions_per_sector=config.portfolio.max_positions_per_sector,
            max_net_delta=config.risk.max_net_delta,
            max_vega_exposure=config.risk.max_vega_exposure,
            trade_threshold=config.portfolio.trade_threshold,
        ),
        screen_rules=tuple(sorted({rule[:200] for rule in {v.rule for c in candidates for v in c.verdicts}})),
        candidates=tuple(briefs),
        news=tuple(
            NewsItem(underlying=anon.alias(n.underlying), source=anon.text(n.source),
                     text=anon.text(n.text)[:NEWS_MAX_CHARS])
            for n in news
        ),
        journal=tuple(t.model_copy(update={"underlying": anon.alias(t.underlying)}) for t in journal),
    )
    return request, aliases


def _candidate(alias: str, cand: Candidate, market: MarketContext, anon: Anonymiser, as_of: date) -> CandidateBrief:
    q = cand.quote
    spot = q.underlying_price
    ref = market.reference.get(q.underlying)
    hide = anon.enabled
    mid = q.mid
    table = anon.table
    return CandidateBrief(
        id=alias,
        underlying=anon.alias(q.underlying),
        strategy=cand.strategy.value,  # type: ignore[arg-type]
        right=q.right.value,  # type: ignore[arg-type]
        dte=q.dte(cand.as_of),
        expiry=None if hide else q.expiry.isoformat(),
        strike=None if hide else _num(q.strike, 2),
        underlying_price=None if hide else _num(spot, 2),
        bid=None if hide else _num(q.bid, 2),
        ask=None if hide else _num(q.ask, 2),
        moneyness=_or(_num(q.strike / spot - 1.0) if spot > 0 else None, 0.0),
        premium_pct_of_strike=_or(_num(mid / q.strike, 5) if q.strike > 0 else None, 0.0),
        spread_pct=_or(_num(q.spread_pct()) if mid > 0 else None, 1.0),
        premium_yield=_or(_num(cand.premium_yield), 0.0),
        delta=_num(q.greeks.delta) if q.greeks else None,
        iv=_num(q.iv),
        iv_rank=_num(cand.iv_rank),
        iv_percentile=_num(cand.iv_percentile),
        realised_vol=_num(market.realised_vol.get(q.underlying)),
        forecast_vol=_num(market.forecast_vol.get(q.underlying)),
        score=_or(_num(cand.score, 2), 0.0),
        contracts=cand.contracts,
        multiplier=q.multiplier,
        sector=cand.sector or (ref.sector if ref else None),
        credit_rating=ref.credit_rating if ref else None,
        days_to_earnings=_days(ref.next_earnings, as_of) if ref else None,
        days_to_ex_dividend=_days(ref.ex_dividend_date, as_of) if ref else None,
        put_call_ratio=_num(ref.put_call_ratio) if ref else None,
        verdicts=tuple([_verdict(v.rule, v.status, scrub(v.reason, table)) for v in cand.verdicts
                        if v.status != "pass"]),
        notes=_notes(cand.notes, table),
    )


_STATUS = {"pass": "pass", "fail": "fail"}


@functools.lru_cache(maxsize=1 << 12)
def _notes(notes: tuple[str, ...], table: Table | None) -> tuple[str, ...]:
    """A candidate's screen notes scrubbed by ``table`` (an :attr:`Anonymiser.table`) and cut to 200
    characters. A pure function of immutable arguments, so it is cached: the screen repeats a few notes."""
    return tuple([scrub(n, table)[:200] for n in notes])


@functools.lru_cache(maxsize=1 << 12)
def _verdict(rule: str, status: str, reason: str) -> VerdictBrief:
    """The brief of one screen verdict (``reason`` already scrubbed); briefs are immutable, so one instance
    serves every candidate with the same verdict (screens repeat a few reasons on most candidates)."""
    return VerdictBrief(rule=rule[:200], status=_STATUS.get(status, "n/a"),  # type: ignore[arg-type]
                        reason=reason[:200])


def _weight(pos: Position, prices: Mapping[str, float], nav: float) -> float:
    if nav <= 0:
        return 0.0
    if pos.is_option and pos.strike is not None:
        notional = pos.strike * pos.multiplier * abs(pos.quantity)
    else:
        price = prices.get(pos.symbol, pos.cost_basis)
        notional = price * max(pos.multiplier, 1) * abs(pos.quantity)
    return round(notional / nav, 4)


def _portfolio(p: PortfolioState, anon: Anonymiser, as_of: date, greeks: GreeksBrief | None) -> PortfolioBrief:
    nav = p.total_value
    share = (lambda x: round(x / nav, 4)) if nav > 0 else (lambda x: 0.0)
    positions = []
    for pos in sorted(p.positions, key=lambda x: (x.underlying, x.symbol)):
        spot = p.prices.get(pos.underlying)
        positions.append(PositionBrief(
            underlying=anon.alias(pos.underlying),
            kind="option" if pos.is_option else "stock",
            quantity=pos.quantity,
            right=pos.right.value if pos.right else None,  # type: ignore[arg-type]
            moneyness=_num(pos.strike / spot - 1.0) if (pos.strike and spot) else None,
            dte=_days(pos.expiry, as_of),
            weight=_weight(pos, p.prices, nav),
        ))
    return PortfolioBrief(
        total_value=round(nav, 2),
        cash_pct=share(p.cash),
        free_cash_pct=share(p.free_cash()),
        reserved_cash_pct=share(p.reserved_cash()),
        positions=tuple(positions),
        greeks=greeks,
    )
