"""LLM review settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from domain.config.base import Section

ReviewMode = Literal["live", "record", "replay", "offline"]


class ReviewConfig(Section):
    review_mode_backtest: ReviewMode = Field(
        "replay", description="Review mode in backtests: replay the cache (a miss uses the offline reviewer)."
    )
    review_mode_live: ReviewMode = Field("live", description="Review mode in live trading.")
    review_model: str = Field("claude-haiku-4-5", min_length=1, description="Anthropic model id of the reviewer.")
    review_timeout_seconds: float = Field(
        20.0, gt=0, le=120, description="Timeout of one review call (a 5-candidate answer takes several seconds)."
    )
    review_max_retries: int = Field(1, ge=0, le=5, description="Retries of a failed review call.")
    review_max_tokens: int = Field(2048, ge=256, le=16384, description="Largest response of one review call.")
    review_failure_policy: Literal["block", "pass_through"] = Field(
        "block", description="When no review is possible: block new entries, or pass them with neutral confidence."
    )
    review_max_calls_per_day: int = Field(50, ge=0, description="Most review calls per day.")
    review_max_dollars_per_day: float = Field(1.0, ge=0, description="Most review spend per day, USD.")
    review_input_price_per_mtok: float = Field(1.0, ge=0, description="USD per million input tokens.")
    review_output_price_per_mtok: float = Field(5.0, ge=0, description="USD per million output tokens.")
    review_anonymise: bool = Field(
        True, description="Hide tickers and dates from the model when reviewing historical data."
    )
    human_approval: bool = Field(False, description="Approved candidates wait for a person's approval.")
