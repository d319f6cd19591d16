"""Screening rules for covered calls and cash-secured puts (the alpha stage)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from domain.config.base import Section, check_order

RATINGS = ("AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-", "BB+", "BB", "BB-", "B+", "B", "B-",
           "CCC+", "CCC", "CCC-", "CC", "C", "D")


class ScreenConfig(Section):
    dte_min: int = Field(30, ge=0, le=730, description="Fewest calendar days to expiry a new contract may have.")
    dte_max: int = Field(90, ge=1, le=1095, description="Most calendar days to expiry a new contract may have.")
    min_open_interest: float = Field(100, ge=0, description="Open interest must exceed this.")
    max_quote_age_minutes: float = Field(
        30, gt=0, description="A quote older than this relative to as_of is stale and rejected."
    )
    max_spread_pct: float = Field(0.05, gt=0, le=1, description="Bid-ask spread over mid must not exceed this.")
    warn_spread_pct: float = Field(0.03, gt=0, le=1, description="Bid-ask spread over mid above this is flagged.")
    cc_min_yield: float = Field(
        0.02, ge=0, description="Covered calls: annualised yield bid / underlying x 365 / DTE must exceed this."
    )
    cc_delta_min: float = Field(0.15, gt=0, lt=1, description="Covered calls: lowest delta.")
    cc_delta_max: float = Field(0.35, gt=0, lt=1, description="Covered calls: highest delta.")
    cc_iv_pct_min: float = Field(20, ge=0, le=100, description="Covered calls: lowest IV percentile.")
    cc_iv_pct_max: float = Field(60, ge=0, le=100, description="Covered calls: highest IV percentile.")
    cc_allow_below_cost_basis: bool = Field(
        False, description="Covered calls: allow strikes below the shares' cost basis."
    )
    cc_max_loss_pct: float = Field(
        0.05, gt=0, le=1, description="Covered calls: maximum loss potential over position value must be below."
    )
    csp_min_yield: float = Field(
        0.03, ge=0, description="Puts: annualised yield bid / strike x 365 / DTE must exceed this."
    )
    csp_delta_min: float = Field(-0.35, gt=-1, lt=0, description="Puts: lowest (most negative) delta.")
    csp_delta_max: float = Field(-0.15, gt=-1, lt=0, description="Puts: highest (least negative) delta.")
    earnings_buffer_days: int = Field(
        14, ge=0, description="Puts: no earnings date between as_of and expiry plus this many days."
    )
    earnings_blackout_days: int = Field(7, ge=0, description="No new entry with earnings within this many days.")
    min_credit_rating: str = Field("BBB+", description="Puts: lowest issuer credit rating (S&P scale).")
    screen_sector_max: float = Field(
        0.20, gt=0, le=1, description="Puts: sector exposure after the trade over portfolio value must not exceed."
    )
    unknown_reference_policy: Literal["exclude", "include"] = Field(
        "exclude", description="What to do when an earnings date or credit rating is unknown."
    )
    baseline_rules: bool = Field(
        False, description="Turn on the rule-based baseline (20-30 delta, 30-45 DTE, IV rank above 50)."
    )
    baseline_iv_rank_min: float = Field(50, ge=0, le=100, description="Baseline: lowest IV rank for a new entry.")
    vix_high: float = Field(30, gt=0, description="Volatility regime 'high' above this VIX level.")
    vix_extreme: float = Field(40, gt=0, description="Volatility regime 'extreme' above this VIX level.")
    vix_low: float = Field(15, gt=0, description="Volatility regime 'low' below this VIX level.")

    @model_validator(mode="after")
    def _bands(self) -> ScreenConfig:
        check_order("dte_min", self.dte_min, "dte_max", self.dte_max)
        check_order("cc_delta_min", self.cc_delta_min, "cc_delta_max", self.cc_delta_max)
        check_order("csp_delta_min", self.csp_delta_min, "csp_delta_max", self.csp_delta_max)
        check_order("cc_iv_pct_min", self.cc_iv_pct_min, "cc_iv_pct_max", self.cc_iv_pct_max)
        if self.warn_spread_pct > self.max_spread_pct:
            raise ValueError(
                f"warn_spread_pct ({self.warn_spread_pct}) must not exceed max_spread_pct ({self.max_spread_pct})"
            )
        check_order("vix_low", self.vix_low, "vix_high", self.vix_high)
        check_order("vix_high", self.vix_high, "vix_extreme", self.vix_extreme)
        if self.min_credit_rating not in RATINGS:
            raise ValueError(f"min_credit_rating '{self.min_credit_rating}' is not one of {', '.join(RATINGS)}")
        return self
