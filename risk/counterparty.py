"""Counterparty exposure: what is held at each brokerage account.

One LEAN deployment trades one brokerage account, so a portfolio state is one account; reports from several
deployments merge by account id. Per account, in dollars:

* ``cash``: cash balance held by the broker (the counterparty risk on the broker itself);
* ``long_market_value``: stock and long options at their marks;
* ``short_market_value``: what buying back every short position (options) would cost at its mark;
* ``put_assignment_obligation``: strike x multiplier x contracts of every short put (cash owed if all are
  assigned); ``reserved_cash`` is the project's reservation for them (equal by construction);
* ``net_liquidation``: the portfolio's total value as the broker reports it.
"""

from __future__ import annotations

from domain.types import PortfolioState

DEFAULT_ACCOUNT = "default"


def account_exposure(portfolio: PortfolioState, marks: dict[str, float] | None = None) -> dict[str, float]:
    """The account's exposures (see the module docstring); ``marks`` (symbol -> price per unit) override
    ``portfolio.prices``; a position without a mark is carried at its cost basis."""
    prices = {**portfolio.prices, **(marks or {})}
    long_mv = short_mv = obligation = 0.0
    for p in portfolio.positions:
        value = prices.get(p.symbol, p.cost_basis) * p.quantity * (p.multiplier if p.is_option else 1)
        if value >= 0:
            long_mv += value
        else:
            short_mv += -value
        if p.is_short_put and p.strike is not None:
            obligation += p.strike * p.multiplier * -p.quantity
    return {
        "cash": portfolio.cash,
        "long_market_value": long_mv,
        "short_market_value": short_mv,
        "put_assignment_obligation": obligation,
        "reserved_cash": portfolio.reserved_cash(),
        "net_liquidation": portfolio.total_value,
    }


def counterparty_report(accounts: dict[str, PortfolioState]) -> dict[str, dict[str, float]]:
    """Exposures by account id."""
    return {name: account_exposure(p) for name, p in accounts.items()}
