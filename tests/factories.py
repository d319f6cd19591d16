"""Builders for domain objects used across the test suite (one place, plain defaults)."""

from __future__ import annotations

from datetime import date, datetime

from domain.types import (
    AssetKind,
    Candidate,
    Greeks,
    MarketContext,
    OptionQuote,
    PortfolioState,
    Position,
    ReviewAction,
    ReviewDecision,
    Right,
    Strategy,
    Style,
)

AS_OF = datetime(2015, 12, 24, 10, 0)


def quote(
    right: Right = Right.PUT,
    strike: float = 100.0,
    expiry: date = date(2016, 1, 29),
    bid: float = 1.00,
    ask: float = 1.04,
    underlying_price: float = 105.0,
    underlying: str = "XYZ",
    quote_time: datetime = AS_OF,
    **kw: object,
) -> OptionQuote:
    symbol = f"{underlying:<6}{expiry:%y%m%d}{right.value}{round(strike * 1000):08d}"
    defaults: dict[str, object] = {"volume": 500.0, "open_interest": 1000.0, "style": Style.AMERICAN}
    defaults.update(kw)
    return OptionQuote(symbol=symbol, underlying=underlying, right=right, strike=strike, expiry=expiry, bid=bid,
                       ask=ask, underlying_price=underlying_price, quote_time=quote_time, **defaults)  # type: ignore[arg-type]


def stock(underlying: str = "XYZ", shares: float = 100.0, cost_basis: float = 100.0) -> Position:
    return Position(symbol=underlying, underlying=underlying, quantity=shares, cost_basis=cost_basis)


def option_position(
    right: Right = Right.PUT,
    strike: float = 100.0,
    contracts: float = -1.0,
    premium: float = 1.0,
    underlying: str = "XYZ",
    expiry: date = date(2016, 1, 29),
    multiplier: int = 100,
) -> Position:
    symbol = f"{underlying:<6}{expiry:%y%m%d}{right.value}{round(strike * 1000):08d}"
    return Position(symbol=symbol, underlying=underlying, quantity=contracts, cost_basis=premium,
                    kind=AssetKind.OPTION, right=right, strike=strike, expiry=expiry, multiplier=multiplier)


def portfolio(cash: float = 100_000.0, positions: tuple[Position, ...] = (), total_value: float | None = None,
              prices: dict[str, float] | None = None) -> PortfolioState:
    return PortfolioState(cash=cash, total_value=cash if total_value is None else total_value,
                          positions=positions, as_of=AS_OF, prices=prices or {})


def greeks(delta: float = 0.0, gamma: float = 0.0, vega: float = 0.0, theta: float = 0.0, rho: float = 0.0) -> Greeks:
    return Greeks(delta, gamma, vega, theta, rho)


def candidate(
    right: Right = Right.PUT,
    strike: float = 50.0,
    score: float = 9.0,
    underlying: str = "XYZ",
    sector: str | None = None,
    as_of: datetime = AS_OF,
    **quote_kw: object,
) -> Candidate:
    """A screened candidate on a fresh quote (strategy from the right: puts are cash-secured, calls covered)."""
    q = quote(right=right, strike=strike, underlying=underlying, quote_time=as_of, **quote_kw)  # type: ignore[arg-type]
    strategy = Strategy.CASH_SECURED_PUT if right is Right.PUT else Strategy.COVERED_CALL
    return Candidate(quote=q, strategy=strategy, score=score, as_of=as_of, sector=sector)


def approve(c: Candidate, confidence: float = 9.0, size_multiplier: float = 1.0,
            action: ReviewAction = ReviewAction.APPROVE) -> ReviewDecision:
    """A review decision on ``c`` (offline source)."""
    return ReviewDecision(candidate_id=c.id, action=action, size_multiplier=size_multiplier, confidence=confidence,
                          source="offline")


def market(vix: float | None = 20.0, as_of: datetime = AS_OF, **kw: object) -> MarketContext:
    return MarketContext(as_of=as_of, vix=vix, **kw)  # type: ignore[arg-type]
