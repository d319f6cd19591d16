"""Portfolio construction and execution settings."""

from __future__ import annotations

from pydantic import Field, model_validator

from domain.config.base import Section


class PortfolioConfig(Section):
    weight_quant: float = Field(0.7, ge=0, le=1, description="Decision matrix: weight of the quantitative score.")
    weight_llm: float = Field(0.2, ge=0, le=1, description="Decision matrix: weight of the reviewer's confidence.")
    weight_risk: float = Field(0.1, ge=0, le=1, description="Decision matrix: weight of the risk-fit score.")
    trade_threshold: float = Field(7.5, ge=0, le=10, description="Trade only at or above this final score (0-10).")
    max_trade_pct: float = Field(
        0.05, gt=0, le=1, description="Largest cash-secured notional of one trade over portfolio value."
    )
    capital_fraction: float = Field(1.0, gt=0, le=1, description="Share of capital the strategy may use.")
    haircut_high_vix: float = Field(0.40, ge=0, lt=1, description="Size cut when VIX is above vix_high.")
    haircut_earnings: float = Field(0.50, ge=0, lt=1, description="Size cut when earnings fall within 7 days.")
    haircut_thin_liquidity: float = Field(
        0.25, ge=0, lt=1, description="Size cut when the spread is above warn_spread_pct."
    )
    haircut_holiday: float = Field(0.25, ge=0, lt=1, description="Size cut in holiday weeks.")
    max_positions: int = Field(10, ge=1, le=200, description="Most underlyings with open option contracts.")
    max_positions_high_vix: int = Field(7, ge=1, le=200, description="Position cap when VIX is above vix_extreme.")
    max_positions_low_vix: int = Field(12, ge=1, le=200, description="Position cap when VIX is below vix_low.")
    sector_max_exposure: float = Field(0.25, gt=0, le=1, description="Largest sector exposure over portfolio value.")
    max_positions_per_sector: int = Field(3, ge=1, description="Most positions in one sector.")
    max_margin_use: float = Field(0.50, gt=0, le=1, description="Largest margin use over portfolio value.")
    profit_take_pct: float = Field(0.50, gt=0, le=1, description="Close a short option at this share of its credit.")
    manage_dte: int = Field(21, ge=0, description="Manage (roll or close) short options at this many days left.")
    roll_for_credit_only: bool = Field(True, description="Roll only for a net credit.")
    limit_offset: float = Field(
        0.0, ge=0, le=1, description="Start limit price at mid shifted toward the natural side by this share of the half-spread."
    )
    reprice_minutes: int = Field(5, ge=1, description="Minutes between limit repricings.")
    reprice_step: float = Field(0.25, gt=0, le=1, description="Each repricing moves this share of the half-spread.")
    max_reprices: int = Field(4, ge=0, description="Repricings before the order is cancelled.")
    max_slippage_pct: float = Field(0.02, ge=0, le=1, description="Never price worse than mid by this share of mid.")
    use_combo_rolls: bool = Field(True, description="Send rolls as combo orders.")

    @model_validator(mode="after")
    def _weights(self) -> PortfolioConfig:
        total = self.weight_quant + self.weight_llm + self.weight_risk
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"weight_quant + weight_llm + weight_risk must sum to 1 (got {total:g})")
        if not self.max_positions_high_vix <= self.max_positions <= self.max_positions_low_vix:
            raise ValueError("max_positions_high_vix <= max_positions <= max_positions_low_vix must hold")
        return self
