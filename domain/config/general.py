"""Universe, dates, capital and pricing settings."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, field_validator, model_validator

from domain.config.base import Section, check_order


class GeneralConfig(Section):
    schema_version: int = Field(1, ge=1, le=1, description="Version of this settings schema.")
    underlyings: tuple[str, ...] = Field(
        ("SPY",), min_length=1, description="Comma-separated tickers whose options the strategy sells."
    )
    start_date: date = Field(date(1999, 1, 4), description="First day of a backtest (YYYY-MM-DD).")
    end_date: date = Field(date(2018, 12, 31), description="Last day of a backtest (YYYY-MM-DD).")
    initial_cash: float = Field(1_000_000.0, gt=0, description="Starting cash of a backtest, USD.")
    resolution: Literal["minute", "hour", "daily"] = Field(
        "minute", description="Data resolution LEAN subscribes to for options and underlyings."
    )
    seed: int = Field(7, ge=0, description="Seed for every random draw (Monte Carlo, search, simulation).")
    risk_free_rate: float = Field(
        0.02, ge=-0.05, le=0.25, description="Annual risk-free rate used when no rate file is available."
    )
    use_rate_file: bool = Field(True, description="Take the risk-free rate from the LEAN interest-rate file.")
    dividend_yield: float = Field(0.0, ge=0, le=0.2, description="Continuous dividend yield assumed for pricing.")
    iv_lookback_days: int = Field(252, ge=20, le=1260, description="Days of history for IV rank and percentile.")
    vol_forecast_model: Literal["garch", "gjr", "har"] = Field(
        "garch", description="Realised-volatility forecast model (arch package)."
    )

    @field_validator("underlyings", mode="before")
    @classmethod
    def _split(cls, v: object) -> object:
        if isinstance(v, str):
            items = tuple(s.strip().upper() for s in v.split(",") if s.strip())
            return items
        return v

    @field_validator("underlyings")
    @classmethod
    def _tickers(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for t in v:
            if not t.replace(".", "").replace("-", "").isalnum():
                raise ValueError(f"'{t}' is not a ticker")
        if len(set(v)) != len(v):
            raise ValueError("tickers repeat")
        return v

    @model_validator(mode="after")
    def _dates(self) -> GeneralConfig:
        if not self.start_date < self.end_date:
            raise ValueError(f"start_date ({self.start_date}) must be before end_date ({self.end_date})")
        return self


__all__ = ["GeneralConfig", "check_order"]
