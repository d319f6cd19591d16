"""Offline-engine settings: fills, fees, collateral interest, model-priced chains."""

from __future__ import annotations

from pydantic import Field

from domain.config.base import Section


class BacktestConfig(Section):
    commission_per_contract: float = Field(0.65, ge=0, description="Option commission per contract, USD (IB tiered).")
    commission_min_per_order: float = Field(1.00, ge=0, description="Smallest option commission per order, USD.")
    stock_commission_per_share: float = Field(
        0.005, ge=0, description="Stock commission per share, USD (IB fixed); exercise and assignment are free."
    )
    stock_commission_min_per_order: float = Field(1.00, ge=0, description="Smallest stock commission per order, USD.")
    slippage_pct_of_spread: float = Field(
        0.0, ge=0, le=1, description="Fills this share of the spread beyond the limit price (0 = at the limit)."
    )
    cash_interest: bool = Field(True, description="Cash and collateral earn the risk-free rate.")
    implied_realised_ratio: float = Field(
        1.1, gt=0.5, le=3, description="Model-priced chains: implied vol over forecast realised vol when no VIX."
    )
