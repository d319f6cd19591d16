"""Portfolio caps in the project's own cash-secured accounting.

Definitions (all money in USD; ``capital`` = ``capital_fraction`` x total portfolio value, the part of the
portfolio the strategy may use; every percentage cap below is a share of ``capital``):

* **position**: an underlying with open option contracts (long or short). Shares alone are not a position.
  Position cap: ``max_positions_high_vix`` when VIX > ``vix_extreme``, ``max_positions_low_vix`` when
  VIX < ``vix_low``, else ``max_positions`` (unknown VIX: ``max_positions``). Rolls and trades on an
  underlying that already has open contracts are maintenance, not new positions.
* **exposure of an underlying**: cash reserved by its short puts (strike x multiplier x contracts) plus the
  market value of its shares (mark from ``PortfolioState.prices``, else the shares' cost basis). Short calls
  add nothing: they are covered by the shares already counted.
* **sector exposure**: the sum of its underlyings' exposures; must stay <= ``sector_max_exposure`` x capital,
  and a sector holds at most ``max_positions_per_sector`` positions. Sector comes from the position, then
  ``MarketContext.reference``, then the candidate; unknown sectors share one bucket, ``UNKNOWN`` (so missing
  reference data can only tighten the cap).
* **margin use** (committed capital): the sum of every underlying's exposure; must stay <= ``max_margin_use``
  x capital. A cash-secured book has no borrowed margin, so the collateral it commits is what this cap limits.
* **cash reservation**: free cash = cash - reserved cash of open short puts; a new put must leave it >= 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from domain.config import StrategyConfig
from domain.types import AssetKind, Candidate, MarketContext, PortfolioState, Position, Right

UNKNOWN_SECTOR = "UNKNOWN"
# Slack for float round-off so a trade that exactly fills a cap is not lost to 1e-12 noise.
_EPS = 1e-9


def position_cap(vix: float | None, config: StrategyConfig) -> int:
    """Most positions allowed in the current volatility regime."""
    p, s = config.portfolio, config.screen
    if vix is None or not math.isfinite(vix):
        return p.max_positions
    if vix > s.vix_extreme:
        return p.max_positions_high_vix
    if vix < s.vix_low:
        return p.max_positions_low_vix
    return p.max_positions


def sector_of(underlying: str, market: MarketContext, own: str | None = None, fallback: str | None = None) -> str:
    """Sector of an underlying: ``own`` (a position's), then reference data, then ``fallback`` (a candidate's),
    then UNKNOWN."""
    if own:
        return own
    ref = market.reference.get(underlying)
    if ref is not None and ref.sector:
        return ref.sector
    return fallback or UNKNOWN_SECTOR


def share_price(portfolio: PortfolioState, position: Position) -> float:
    """Mark of a stock position: the portfolio's price, else its cost basis."""
    price = portfolio.prices.get(position.symbol, portfolio.prices.get(position.underlying))
    if price is None or not math.isfinite(price) or price <= 0:
        return position.cost_basis
    return price


def put_notional(candidate: Candidate) -> float:
    """Cash one contract of a put reserves: strike x multiplier."""
    return candidate.quote.strike * candidate.quote.multiplier


def call_notional(candidate: Candidate) -> float:
    """Market value of the shares one covered call covers: underlying price x multiplier."""
    return candidate.quote.underlying_price * candidate.quote.multiplier


def contract_notional(candidate: Candidate) -> float:
    """Cash-secured notional of one contract (puts: strike; calls: underlying value covered)."""
    return put_notional(candidate) if candidate.quote.right is Right.PUT else call_notional(candidate)


@dataclass
class Exposure:
    """Running book of the caps while targets are added (mutable on purpose: construction is greedy).

    Built from a portfolio with :meth:`of`; :meth:`room` says how many contracts of a candidate still fit
    and which cap binds; :meth:`add` books an accepted target.
    """

    capital: float
    free_cash: float
    committed: float
    positions: set[str]
    position_cap: int
    per_sector: int
    sector_exposure: dict[str, float] = field(default_factory=dict)
    sector_positions: dict[str, set[str]] = field(default_factory=dict)
    uncovered: dict[str, float] = field(default_factory=dict)
    sectors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, portfolio: PortfolioState, market: MarketContext, config: StrategyConfig) -> Exposure:
        capital = config.portfolio.capital_fraction * portfolio.total_value
        book = cls(
            capital=capital,
            free_cash=portfolio.free_cash(),
            committed=0.0,
            positions={p.underlying for p in portfolio.positions if p.is_option and p.quantity != 0},
            position_cap=position_cap(market.vix, config),
            per_sector=config.portfolio.max_positions_per_sector,
        )
        for p in portfolio.positions:
            book.sectors.setdefault(p.underlying, sector_of(p.underlying, market, p.sector))
        for p in portfolio.positions:
            sector = book.sectors[p.underlying]
            if p.kind is AssetKind.STOCK:
                value = abs(p.quantity) * share_price(portfolio, p)
                book.uncovered.setdefault(p.underlying, portfolio.uncovered_shares(p.underlying))
            else:
                value = p.reserved_cash()
            book.committed += value
            book.sector_exposure[sector] = book.sector_exposure.get(sector, 0.0) + value
        for u in book.positions:
            book.sector_positions.setdefault(book.sectors[u], set()).add(u)
        return book

    def sector_for(self, candidate: Candidate, market: MarketContext) -> str:
        known = self.sectors.get(candidate.underlying)
        return known if known is not None else sector_of(candidate.underlying, market, fallback=candidate.sector)

    def is_new_position(self, underlying: str) -> bool:
        return underlying not in self.positions

    def slot_problem(self, underlying: str, sector: str) -> str | None:
        """Why a new position on ``underlying`` cannot open (None when it can or is not new)."""
        if not self.is_new_position(underlying):
            return None
        if len(self.positions) >= self.position_cap:
            return f"position cap reached ({len(self.positions)} of {self.position_cap})"
        held = len(self.sector_positions.get(sector, ()))
        if held >= self.per_sector:
            return f"sector {sector} already holds {held} positions (cap {self.per_sector})"
        return None

    def room(self, candidate: Candidate, sector: str, config: StrategyConfig) -> tuple[int, str]:
        """Most contracts of ``candidate`` every cap still allows, and the binding cap's description."""
        problem = self.slot_problem(candidate.underlying, sector)
        if problem:
            return 0, problem
        mult = candidate.quote.multiplier
        if candidate.quote.right is Right.CALL:
            shares = self.uncovered.get(candidate.underlying, 0.0)
            return _floor(shares / mult), f"uncovered shares ({shares:g})"
        per = put_notional(candidate)
        p = config.portfolio
        limits = {
            f"free cash (${self.free_cash:,.0f})": self.free_cash / per,
            f"sector {sector} exposure cap": (p.sector_max_exposure * self.capital
                                              - self.sector_exposure.get(sector, 0.0)) / per,
            "margin-use cap": (p.max_margin_use * self.capital - self.committed) / per,
        }
        name = min(limits, key=lambda k: limits[k])
        return max(_floor(limits[name]), 0), name

    def add(self, candidate: Candidate, contracts: int, sector: str) -> None:
        """Book ``contracts`` (> 0) sold of ``candidate``."""
        u = candidate.underlying
        self.sectors.setdefault(u, sector)
        if self.is_new_position(u):
            self.positions.add(u)
            self.sector_positions.setdefault(sector, set()).add(u)
        if candidate.quote.right is Right.CALL:
            self.uncovered[u] = self.uncovered.get(u, 0.0) - contracts * candidate.quote.multiplier
            return
        cash = put_notional(candidate) * contracts
        self.free_cash -= cash
        self.committed += cash
        self.sector_exposure[sector] = self.sector_exposure.get(sector, 0.0) + cash


def _floor(x: float) -> int:
    if not math.isfinite(x):
        return 0
    return int(math.floor(x + _EPS))
