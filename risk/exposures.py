"""Portfolio Greeks and the three exposure measures the limits bound.

Definitions (``V`` = ``portfolio.total_value`` in $, ``S`` the underlying price, ``m`` the multiplier, ``n``
the signed contracts, per-share Greeks from the project's pricing; stock counts as delta 1 per share):

* **net delta exposure** = (sum over options of delta x m x n x S + sum over stock of shares x S) / V.
  Dollar delta over portfolio value: the fraction of V gained when every underlying rises 1%, divided by
  1%. Unitless (share of portfolio value per unit relative move).
* **gamma exposure** = (sum of gamma x m x n x S x (0.01 x S)) / V. The change of *dollar delta* when every
  underlying rises 1%, over V: how far the net delta exposure itself moves on a 1% move (share of portfolio
  value per 1% move). It pairs with the delta limit: with gamma exposure -0.05, a 4% fall moves net delta
  by +0.20, the whole delta limit. The P&L form (0.5 x gamma x (0.01 S)^2 x m x n / V) is 0.005 times this
  number, so a 0.05 limit on it would bound nothing a cash-secured book can reach.
* **vega exposure** = (sum of vega x m x n) / V with vega per vol point (0.01): the share of V gained when
  every implied volatility rises one point. Unitless (share of portfolio value per vol point).

Theta is reported in $ per calendar day (not limited). Limits bound the absolute value of each measure
(short premium gives negative gamma and vega).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from domain.types import MarketContext, OptionQuote, PortfolioState
from risk.book import Book, portfolio_book

MEASURES: tuple[str, str, str] = ("net_delta", "gamma", "vega")
"""The three limited measures, in the column order of :func:`unit_exposures`."""

MOVE = 0.01
"""The 1% underlying move the gamma measure is stated per."""


@dataclass(frozen=True)
class Exposures:
    """Dollar Greeks of a book and the three measures over portfolio value (definitions in the module doc).

    ``delta_dollars``: $ of underlying held (delta x m x n x S); ``gamma_dollars``: $ change of that dollar
    delta per 1% move; ``vega_dollars``: $ per vol point; ``theta_dollars``: $ per calendar day.
    """

    portfolio_value: float
    delta_dollars: float
    gamma_dollars: float
    vega_dollars: float
    theta_dollars: float
    by_underlying: dict[str, dict[str, float]] = field(default_factory=dict)
    unpriced: tuple[str, ...] = ()

    @property
    def net_delta(self) -> float:
        return self.delta_dollars / self.portfolio_value

    @property
    def gamma(self) -> float:
        return self.gamma_dollars / self.portfolio_value

    @property
    def vega(self) -> float:
        return self.vega_dollars / self.portfolio_value

    def vector(self) -> NDArray[np.float64]:
        """(net delta, gamma, vega) exposure, the order of :data:`MEASURES`."""
        return np.array([self.net_delta, self.gamma, self.vega])

    def as_dict(self) -> dict[str, object]:
        return {
            "portfolio_value": self.portfolio_value,
            "net_delta": self.net_delta,
            "gamma": self.gamma,
            "vega": self.vega,
            "delta_dollars": self.delta_dollars,
            "gamma_dollars_per_1pct": self.gamma_dollars,
            "vega_dollars_per_vol_point": self.vega_dollars,
            "theta_dollars_per_day": self.theta_dollars,
            "by_underlying": self.by_underlying,
            "unpriced": list(self.unpriced),
        }


def dollar_units(book: Book) -> NDArray[np.float64]:
    """Per-unit dollar Greeks, shape (legs, 4): $ delta, $ gamma per 1% move, $ vega per point, $ theta/day."""
    return np.column_stack([
        book.delta * book.spot,
        book.gamma * book.spot * (MOVE * book.spot),
        book.vega,
        book.theta,
    ])


def unit_exposures(book: Book, portfolio_value: float) -> NDArray[np.float64]:
    """Shape (legs, 3): the three measures contributed by +1 unit (one contract or one share) of each leg."""
    _check_value(portfolio_value)
    return dollar_units(book)[:, :3] / portfolio_value


def exposures_of(book: Book, portfolio_value: float) -> Exposures:
    """Exposures of ``book`` with its own quantities."""
    _check_value(portfolio_value)
    dollars = dollar_units(book) * book.quantity[:, None]
    by_und: dict[str, dict[str, float]] = {}
    for i, name in enumerate(book.underlyings):
        rows = dollars[book.und == i].sum(axis=0)
        by_und[name] = {
            "net_delta": float(rows[0] / portfolio_value),
            "gamma": float(rows[1] / portfolio_value),
            "vega": float(rows[2] / portfolio_value),
            "delta_dollars": float(rows[0]),
        }
    total = dollars.sum(axis=0) if len(book) else np.zeros(4)
    return Exposures(portfolio_value, float(total[0]), float(total[1]), float(total[2]), float(total[3]),
                     by_und, book.unpriced)


def portfolio_exposures(portfolio: PortfolioState, quotes: Mapping[str, OptionQuote],
                        market: MarketContext) -> Exposures:
    """Exposures of every held position at ``market.as_of`` over ``portfolio.total_value``.

    Raises:
        ValueError: the portfolio value is not positive (no exposure ratio is defined).
    """
    return exposures_of(portfolio_book(portfolio, quotes, market), portfolio.total_value)


def _check_value(value: float) -> None:
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"portfolio value must be positive to state exposures (got {value})")
