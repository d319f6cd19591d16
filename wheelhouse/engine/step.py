"""What a policy sees at one decision time, and the orders it answers with.

A :class:`Policy` is the strategy (the five-stage pipeline) or a benchmark. At each step the simulator hands
it a :class:`Step`: the time, underlying prices, the portfolio, and lazy access to option chains and the
market context (built only when asked for, so a buy-and-hold benchmark never prices a chain).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

import pandas as pd

from domain.config import StrategyConfig
from domain.types import ChainSnapshot, MarketContext, OptionQuote, PortfolioState
from wheelhouse.engine.ledger import TradeRow


@dataclass(frozen=True, slots=True)
class Order:
    """An order for the simulator: signed ``quantity`` (contracts for options, shares when ``is_stock``).

    ``limit_price`` None means a limit at mid (options) or at the last price (stock). ``reason`` goes to the
    trade log (the screen and review rationale for strategy entries); ``entry_regime`` and ``sector`` are
    stamped on a new position. A combo (a roll) lists ``legs`` as (symbol, ratio): ``quantity`` is then the
    number of units and ``limit_price`` the price of one unit, sum of ratio x leg price (negative = credit).
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
    legs: tuple[tuple[str, int], ...] = ()
    maintenance: bool = False
    """A roll or an exit of a held position: no new exposure is taken, so the entry caps are not checked
    (construction capped the position when it was opened)."""


@dataclass
class Step:
    """One decision time. ``chain(u)`` returns the analysed chain (IV and Greeks filled), cached per step;
    ``quotes`` holds every quote loaded so far at this step (held contracts and loaded chains) by symbol."""

    as_of: datetime
    session: date
    at_close: bool
    next_session: date | None
    prices: dict[str, float]
    portfolio: PortfolioState
    config: StrategyConfig
    quotes: dict[str, OptionQuote]
    _chain: Callable[[str], ChainSnapshot | None]
    _raw_chain: Callable[[str], ChainSnapshot | None]
    _market: Callable[[], MarketContext]
    _history: Callable[[int], pd.DataFrame]
    _record_iv: Callable[[Mapping[str, float]], None]
    _market_value: MarketContext | None = field(default=None, init=False)

    def chain(self, underlying: str) -> ChainSnapshot | None:
        return self._chain(underlying)

    def raw_chain(self, underlying: str) -> ChainSnapshot | None:
        """The chain as the data has it (IV and Greeks only when the source filled them); cheaper than
        :meth:`chain` for a policy that needs prices only."""
        return self._raw_chain(underlying)

    def quote(self, symbol: str) -> OptionQuote | None:
        """The step's quote of one contract (from a chain already loaded, or the held contracts' quotes)."""
        return self.quotes.get(symbol)

    def history(self, sessions: int) -> pd.DataFrame:
        """Daily closes (rows: dates, columns: underlyings) of the last ``sessions`` sessions known now."""
        return self._history(sessions)

    def record_iv(self, atm_iv: Mapping[str, float]) -> None:
        """Append today's 30-day at-the-money IV per underlying to the history the market context carries
        (once per session; later calls the same day are ignored)."""
        self._record_iv(atm_iv)

    @property
    def market(self) -> MarketContext:
        if self._market_value is None:
            self._market_value = self._market()
        return self._market_value


class Policy(Protocol):
    """Decides orders at each step. ``enforce_entry_caps``: the strategy's caps are checked on its entries
    (the benchmarks are fully collateralised by design and skip them). ``uses_chains``: the policy reads
    chains most steps (held contracts are then quoted from the chain rather than one by one)."""

    name: str
    enforce_entry_caps: bool
    uses_chains: bool

    def decide(self, step: Step) -> Sequence[Order]:
        ...

    def on_trades(self, step: Step | None, trades: Sequence[TradeRow]) -> None:
        """Fills, settlements and assignments booked since the last call (LEAN's order events)."""
        ...
