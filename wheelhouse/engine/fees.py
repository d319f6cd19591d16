"""Interactive Brokers commissions, from the ``backtest`` settings.

* Options (IB tiered, US): ``commission_per_contract`` per contract, at least ``commission_min_per_order``
  per order. IB's lower per-contract rates for premiums under $0.10 are ignored (slightly conservative).
* Stock (IB fixed, US): ``stock_commission_per_share`` per share, at least ``stock_commission_min_per_order``
  per order and at most 1 % of the trade value (IB's cap).
* Exercise, assignment and expiry cost nothing (IB charges no commission for them).

Regulatory and exchange fees are not modelled; at under $0.06 per contract they are small next to the
commission.
"""

from __future__ import annotations

from domain.config.backtest import BacktestConfig

STOCK_MAX_PCT_OF_VALUE = 0.01
"""IB fixed pricing caps a stock commission at 1 % of the trade value."""


def option_commission(contracts: float, cfg: BacktestConfig) -> float:
    """USD commission of one option order of ``contracts`` contracts (sign ignored; 0 contracts cost 0)."""
    n = abs(contracts)
    if n == 0:
        return 0.0
    return max(n * cfg.commission_per_contract, cfg.commission_min_per_order)


def stock_commission(shares: float, price: float, cfg: BacktestConfig) -> float:
    """USD commission of one stock order of ``shares`` shares at ``price`` (sign ignored)."""
    n = abs(shares)
    if n == 0:
        return 0.0
    fee = max(n * cfg.stock_commission_per_share, cfg.stock_commission_min_per_order)
    return min(fee, STOCK_MAX_PCT_OF_VALUE * n * abs(price))
