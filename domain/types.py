"""Frozen value types every stage speaks.

Units used throughout the project:

* prices and money in US dollars; a contract's dollar value is price x ``multiplier``;
* option quantities in contracts (negative = short), stock quantities in shares;
* :class:`Greeks` per *one unit of the instrument* (one share-equivalent of one option):
  delta per $1 of the underlying, gamma per $1 squared, vega per 1 volatility point (0.01),
  theta per calendar day, rho per 1 rate point (0.01);
* time to expiry: calendar days from ``as_of`` to ``expiry`` over 365 (Act/365F).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum


class Right(StrEnum):
    """Option right."""

    CALL = "C"
    PUT = "P"


class Style(StrEnum):
    """Exercise style."""

    AMERICAN = "american"
    EUROPEAN = "european"


class Strategy(StrEnum):
    """What a candidate trade is: sell a cash-secured put or a covered call."""

    CASH_SECURED_PUT = "csp"
    COVERED_CALL = "cc"


@dataclass(frozen=True, slots=True)
class Greeks:
    """Sensitivities of one unit; they add and scale.

    ``position_greeks = greeks.scale(quantity * multiplier)`` turns per-share Greeks of an option into the
    Greeks of a position of ``quantity`` contracts.
    """

    delta: float = 0.0
    gamma: float = 0.0
    vega: float = 0.0
    theta: float = 0.0
    rho: float = 0.0

    def __add__(self, other: Greeks) -> Greeks:
        return Greeks(
            self.delta + other.delta,
            self.gamma + other.gamma,
            self.vega + other.vega,
            self.theta + other.theta,
            self.rho + other.rho,
        )

    def scale(self, factor: float) -> Greeks:
        """Multiply every sensitivity by ``factor`` (for example quantity x multiplier)."""
        return Greeks(
            self.delta * factor,
            self.gamma * factor,
            self.vega * factor,
            self.theta * factor,
            self.rho * factor,
        )

    def __mul__(self, factor: float) -> Greeks:
        return self.scale(factor)

    __rmul__ = __mul__

    @staticmethod
    def total(items: list[Greeks] | tuple[Greeks, ...]) -> Greeks:
        """Sum of many Greeks (the empty sum is zero)."""
        out = Greeks()
        for g in items:
            out = out + g
        return out


@dataclass(frozen=True, slots=True)
class OptionQuote:
    """One option contract's quote at ``quote_time``.

    ``symbol`` is the contract's identifier (OSI-like ``GOOG  151231C00750000`` or LEAN's symbol value);
    ``iv`` and ``greeks`` are filled by the project's pricing, not the data vendor.
    """

    symbol: str
    underlying: str
    right: Right
    strike: float
    expiry: date
    bid: float
    ask: float
    underlying_price: float
    quote_time: datetime
    style: Style = Style.AMERICAN
    multiplier: int = 100
    tick_size: float = 0.01
    volume: float = 0.0
    open_interest: float = 0.0
    last: float | None = None
    iv: float | None = None
    greeks: Greeks | None = None

    @property
    def mid(self) -> float:
        return 0.5 * (self.bid + self.ask)

    @property
    def spread(self) -> float:
        return self.ask - self.bid

    def spread_pct(self) -> float:
        """Bid-ask spread over mid (inf when mid is not positive)."""
        m = self.mid
        return self.spread / m if m > 0 else float("inf")

    def dte(self, as_of: date | datetime) -> int:
        """Calendar days from ``as_of`` to expiry."""
        d = as_of.date() if isinstance(as_of, datetime) else as_of
        return (self.expiry - d).days

    def with_analytics(self, iv: float | None, greeks: Greeks | None) -> OptionQuote:
        return replace(self, iv=iv, greeks=greeks)


@dataclass(frozen=True, slots=True)
class ChainSnapshot:
    """All quotes of one underlying's option chain seen at ``as_of`` (never data stamped after it)."""

    underlying: str
    underlying_price: float
    as_of: datetime
    quotes: tuple[OptionQuote, ...]

    def __len__(self) -> int:
        return len(self.quotes)


@dataclass(frozen=True, slots=True)
class Verdict:
    """One screen's answer for one contract: ``status`` is ``pass``, ``fail`` or ``n/a``."""

    rule: str
    status: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A contract that passed every screen, with what the screen knew about it.

    ``contracts`` is the number of contracts the screen would sell (positive); sizing happens later.
    """

    quote: OptionQuote
    strategy: Strategy
    score: float
    as_of: datetime
    verdicts: tuple[Verdict, ...] = ()
    premium_yield: float = 0.0
    iv_percentile: float | None = None
    iv_rank: float | None = None
    sector: str | None = None
    contracts: int = 1
    notes: tuple[str, ...] = ()
    id: str = field(init=False, repr=False, compare=False)
    """:func:`candidate_id` of the contract, strategy and time, computed once at creation (the stages look it
    up often); derived from the fields above, so it takes no part in equality, hashing or ``repr``."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", candidate_id(self.quote.symbol, self.strategy, self.as_of))

    @property
    def underlying(self) -> str:
        return self.quote.underlying


def candidate_id(symbol: str, strategy: Strategy, as_of: datetime | date) -> str:
    """Deterministic short id of a candidate: same contract, action and time give the same id."""
    raw = f"{symbol}|{strategy.value}|{as_of.isoformat()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


class AssetKind(StrEnum):
    STOCK = "stock"
    OPTION = "option"


@dataclass(frozen=True, slots=True)
class Position:
    """A holding. ``quantity`` is shares for stock and contracts for options (negative = short).

    ``cost_basis`` is per share for stock and the premium per share (per unit of the contract) for options;
    ``entry_underlying_vol`` records the volatility regime reading at entry (VIX or proxy) for stops.
    """

    symbol: str
    underlying: str
    quantity: float
    cost_basis: float
    kind: AssetKind = AssetKind.STOCK
    right: Right | None = None
    strike: float | None = None
    expiry: date | None = None
    multiplier: int = 1
    style: Style = Style.AMERICAN
    entry_time: datetime | None = None
    entry_regime: float | None = None
    sector: str | None = None

    @property
    def is_option(self) -> bool:
        return self.kind is AssetKind.OPTION

    @property
    def is_short_put(self) -> bool:
        return self.is_option and self.right is Right.PUT and self.quantity < 0

    @property
    def is_short_call(self) -> bool:
        return self.is_option and self.right is Right.CALL and self.quantity < 0

    def reserved_cash(self) -> float:
        """Cash a short put locks up: strike x multiplier x contracts; zero for anything else."""
        if self.is_short_put and self.strike is not None:
            return self.strike * self.multiplier * -self.quantity
        return 0.0


@dataclass(frozen=True, slots=True)
class PortfolioState:
    """Cash, total value and positions at ``as_of``; marks are in ``prices`` (symbol -> price)."""

    cash: float
    total_value: float
    positions: tuple[Position, ...] = ()
    as_of: datetime | None = None
    prices: dict[str, float] = field(default_factory=dict)

    def reserved_cash(self) -> float:
        """Cash reserved by every open short put (the project's own accounting, not the broker's margin)."""
        return sum(p.reserved_cash() for p in self.positions)

    def free_cash(self) -> float:
        """Cash minus what open short puts reserve."""
        return self.cash - self.reserved_cash()

    def shares(self, underlying: str) -> float:
        return sum(p.quantity for p in self.positions if p.kind is AssetKind.STOCK and p.underlying == underlying)

    def options(self, underlying: str | None = None) -> tuple[Position, ...]:
        return tuple(
            p for p in self.positions if p.is_option and (underlying is None or p.underlying == underlying)
        )

    def shares_committed_to_calls(self, underlying: str) -> float:
        """Shares already promised to short calls on ``underlying`` (contracts x multiplier)."""
        return sum(-p.quantity * p.multiplier for p in self.options(underlying) if p.is_short_call)

    def uncovered_shares(self, underlying: str) -> float:
        """Shares still free to cover a new call."""
        return self.shares(underlying) - self.shares_committed_to_calls(underlying)


@dataclass(frozen=True, slots=True)
class Target:
    """A wanted position change in one contract, as produced by construction and reduced by risk.

    ``quantity`` is the signed number of contracts to trade (negative = sell); ``reason`` explains it.
    """

    symbol: str
    underlying: str
    quantity: int
    candidate_id: str | None = None
    strategy: Strategy | None = None
    right: Right | None = None
    strike: float | None = None
    expiry: date | None = None
    multiplier: int = 100
    limit_price: float | None = None
    score: float | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Reference:
    """Slow-moving facts about an underlying; None means unknown (handled by a configured policy)."""

    underlying: str
    sector: str | None = None
    credit_rating: str | None = None
    next_earnings: date | None = None
    put_call_ratio: float | None = None
    ex_dividend_date: date | None = None
    dividend: float | None = None


@dataclass(frozen=True, slots=True)
class MarketContext:
    """Market facts at ``as_of`` that the stages read besides chains and the portfolio.

    ``vix`` is the volatility-regime input (VIX level or a realised-vol proxy in the same units, e.g. 18.5);
    ``iv_history`` holds each underlying's past at-the-money 30-day implied vols (decimals, oldest first,
    data stamped at or before ``as_of`` only) for IV rank and percentile; ``realised_vol`` and
    ``forecast_vol`` are annualised decimals; ``rate`` the continuous risk-free rate.
    """

    as_of: datetime
    rate: float = 0.0
    vix: float | None = None
    dividend_yield: dict[str, float] = field(default_factory=dict)
    iv_history: dict[str, tuple[float, ...]] = field(default_factory=dict)
    realised_vol: dict[str, float] = field(default_factory=dict)
    forecast_vol: dict[str, float] = field(default_factory=dict)
    reference: dict[str, Reference] = field(default_factory=dict)
    holiday_week: bool = False


class ReviewAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REDUCE = "reduce"


@dataclass(frozen=True, slots=True)
class ReviewDecision:
    """The reviewer's verdict on one candidate, after authority checks.

    ``size_multiplier`` is in [0, 1] (1 for approve, 0 for reject); ``confidence`` is 0-10; ``source`` is
    ``llm``, ``cache``, ``fallback`` or ``offline``.
    """

    candidate_id: str
    action: ReviewAction
    size_multiplier: float
    confidence: float
    source: str
    rationale: str = ""
