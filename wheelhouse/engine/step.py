"""What a policy sees at one decision time, and the orders it answers with.

A :class:`Policy` is the strategy (the five-stage pipeline) or a benchmark. At each step the simulator hands
it a :class:`Step`: the time, underlying prices, the portfolio, and lazy access to option chains and the
market context (built only when asked for, so a buy-and-hold benchmark never prices a chain).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from domain.config import StrategyConfig
from domain.types import ChainSnapshot, MarketContext, OptionQuote, PortfolioState
from wheelhouse.engine.ledger import TradeRow


@dataclass(frozen=True, slots=True)
class Order:
    """An order for the simulator: signed ``quantity`` (contracts for options, shares when ``is_stock``).

    ``limit_price`` None means a limit at mid (options) or at the last price (stock). ``reason`` goes to the
    trade log (the screen and review rationale for strategy entries); ``entry_regime`` and ``sector`` are
    stamped on a new position.
    """

    symbol: str
    underlying: str
    quantity: float
    limit_price: float | None = None
    is_stock: bool = False
    reason: str = ""
    candidate_id: str | None = None
    sector: str | None = None
    entry_regime: float | None = None


@dataclass
class Step:
    """One decision time. ``chain(u)`` returns the analysed chain (IV and Greeks filled), cached per step."""

    as_of: datetime
    session: date
    at_close: bool
    next_session: date | None
    prices: dict[str, float]
    portfolio: PortfolioState
    config: StrategyConfig
    _chain: Callable[[str], ChainSnapshot | None]
    _raw_chain: Callable[[str], ChainSnapshot | None]
    _market: Callable[[], MarketContext]
    _quote: Callable[[str], OptionQuote | None]
    _market_value: MarketContext | None = field(default=None, init=False)

    def chain(self, underlying: str) -> ChainSnapshot | None:
        return self._chain(underlying)

    def raw_chain(self, underlying: str) -> ChainSnapshot | None:
        """The chain as the data has it (IV and Greeks only when the source filled them); cheaper than
        :meth:`chain` for a policy that needs prices only."""
        return self._raw_chain(underlying)

    def quote(self, symbol: str) -> OptionQuote | None:
        """The step's quote of one contract (from a chain already loaded, or the held contracts' quotes)."""
        return self._quote(symbol)

    @property
    def market(self) -> MarketContext:
        if self._market_value is None:
            self._market_value = self._market()
        return self._market_value


class Policy(Protocol):
    """Decides orders at each step. ``enforce_entry_caps``: the strategy's caps are checked on its entries
    (the benchmarks are fully collateralised by design and skip them)."""

    name: str
    enforce_entry_caps: bool

    def decide(self, step: Step) -> Sequence[Order]:
        ...

    def on_trades(self, step: Step | None, trades: Sequence[TradeRow]) -> None:
        """Fills, settlements and assignments booked since the last call (LEAN's order events)."""
        ...
