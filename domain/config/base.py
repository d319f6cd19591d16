"""Shared base of every config section: frozen, unknown keys rejected, strings coerced."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """One group of settings. Field names are global parameter names: unique across all sections."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


def check_order(low_name: str, low: float, high_name: str, high: float) -> None:
    """Raise a ValueError naming both settings when ``low`` is not below ``high``."""
    if not low < high:
        raise ValueError(f"{low_name} ({low}) must be less than {high_name} ({high})")
