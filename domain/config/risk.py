"""Risk limits, stops, breakers and measures."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from domain.config.base import Section


class RiskConfig(Section):
    max_net_delta: float = Field(0.20, gt=0, le=5, description="Net delta exposure limit (share of portfolio value).")
    max_gamma_exposure: float = Field(
        0.05, gt=0, le=5, description="Gamma exposure limit (share of portfolio value per 1% move)."
    )
    max_vega_exposure: float = Field(
        0.02, gt=0, le=1, description="Vega exposure limit (USD per vol point over portfolio value)."
    )
    vega_alert: float = Field(0.015, gt=0, le=1, description="Vega exposure alert level.")
    stop_loss_pct: float = Field(0.20, gt=0, le=10, description="Close a short option losing this share of its premium.")
    stop_warn_pct: float = Field(0.15, gt=0, le=10, description="Warn when a short option loses this share of premium.")
    vix_spike_pct: float = Field(0.50, gt=0, description="Exit when VIX rose this much since entry.")
    iv_rv_spike_ratio: float = Field(2.0, gt=1, description="Exit when contract IV exceeds this multiple of 30-day RV.")
    spread_widen_pct: float = Field(0.50, gt=0, description="Exit when the spread widened this much since entry.")
    ex_dividend_window_days: int = Field(
        3, ge=1, le=30, description="Close an at-risk short call when an ex-dividend date is this many days away or fewer."
    )
    weekly_loss_breaker: float = Field(
        0.10, gt=0, lt=1, description="Close all and halt when the portfolio falls this much over a rolling week."
    )
    kill_switch: Literal["off", "halt", "liquidate"] = Field(
        "off", description="Kill switch: halt new orders, or liquidate everything."
    )
    liquidity_warn_spread: float = Field(0.03, gt=0, le=1, description="Spread over mid that warns.")
    liquidity_reduce_spread: float = Field(0.05, gt=0, le=1, description="Spread over mid that reduces a position.")
    limit_drift_pct: float = Field(0.10, gt=0, le=1, description="Weekly review adjusts on drift over this share of a limit.")
    intraweek_vix: float = Field(30, gt=0, description="Reviews run daily instead of weekly above this VIX.")
    var_confidence: float = Field(0.95, gt=0.5, lt=1, description="VaR confidence level.")
    var_limit: float = Field(0.015, gt=0, le=1, description="One-day VaR alert over portfolio value.")
    es_confidence: float = Field(0.975, gt=0.5, lt=1, description="Expected shortfall confidence level.")
    stress_limit: float = Field(0.05, gt=0, le=1, description="Stress loss alert over portfolio value.")
    var_lookback_days: int = Field(252, ge=20, description="Days of history for historical VaR and correlation.")
    mc_scenarios: int = Field(10_000, ge=100, le=10_000_000, description="Monte Carlo VaR scenarios.")
    vol_spot_beta: float = Field(
        -5.0, ge=-20, le=0, description="Relative implied-vol change per unit underlying return in VaR scenarios."
    )
    corr_alert: float = Field(0.6, gt=-1, lt=1, description="Alert when the average pairwise correlation exceeds this.")
    corr_change_alert: float = Field(0.2, gt=0, lt=2, description="Alert when average correlation moves this much in a month.")

    @model_validator(mode="after")
    def _levels(self) -> RiskConfig:
        if self.vega_alert > self.max_vega_exposure:
            raise ValueError(f"vega_alert ({self.vega_alert}) must not exceed max_vega_exposure ({self.max_vega_exposure})")
        if self.stop_warn_pct > self.stop_loss_pct:
            raise ValueError(f"stop_warn_pct ({self.stop_warn_pct}) must not exceed stop_loss_pct ({self.stop_loss_pct})")
        if self.liquidity_warn_spread > self.liquidity_reduce_spread:
            raise ValueError("liquidity_warn_spread must not exceed liquidity_reduce_spread")
        return self
