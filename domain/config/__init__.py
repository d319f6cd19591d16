"""The one typed strategy config.

Settings live in sections (one file each); every field name is also the flat parameter name used in
``config.json`` ``parameters``, by ``get_parameter`` inside LEAN and by ``lean optimize --parameter``.
:func:`from_parameters` turns those strings into a validated, frozen :class:`StrategyConfig`; a bad value
raises :class:`ConfigError` naming the parameter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from domain.config.backtest import BacktestConfig
from domain.config.base import Section
from domain.config.general import GeneralConfig
from domain.config.portfolio import PortfolioConfig
from domain.config.review import ReviewConfig
from domain.config.risk import RiskConfig
from domain.config.screen import ScreenConfig

SECTIONS: dict[str, type[Section]] = {
    "general": GeneralConfig,
    "screen": ScreenConfig,
    "review": ReviewConfig,
    "portfolio": PortfolioConfig,
    "risk": RiskConfig,
    "backtest": BacktestConfig,
}


class ConfigError(ValueError):
    """A setting is unknown or has a bad value; the message names it."""


class StrategyConfig(BaseModel):
    """Every setting of the strategy, grouped by stage."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    general: GeneralConfig = GeneralConfig()
    screen: ScreenConfig = ScreenConfig()
    review: ReviewConfig = ReviewConfig()
    portfolio: PortfolioConfig = PortfolioConfig()
    risk: RiskConfig = RiskConfig()
    backtest: BacktestConfig = BacktestConfig()

    def to_parameters(self) -> dict[str, str]:
        """Flat string parameters, as ``config.json`` holds them (round-trips through from_parameters)."""
        out: dict[str, str] = {}
        for section in SECTIONS:
            model = getattr(self, section)
            for name in type(model).model_fields:
                out[name] = format_value(getattr(model, name))
        return out

    def replace(self, **changes: Any) -> StrategyConfig:
        """A copy with some flat parameters changed, validated like any other input."""
        params = self.to_parameters()
        params.update({k: format_value(v) for k, v in changes.items()})
        return from_parameters(params)


def format_value(value: object) -> str:
    """The string form of a setting's value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value)) if not isinstance(value, bool) else str(value)
    return str(value)


def parameter_owner() -> dict[str, str]:
    """Parameter name -> section name. Names are unique across sections (checked here)."""
    owner: dict[str, str] = {}
    for section, model in SECTIONS.items():
        for name in model.model_fields:
            if name in owner:
                raise RuntimeError(f"setting '{name}' is defined in both {owner[name]} and {section}")
            owner[name] = section
    return owner


def from_parameters(params: Mapping[str, object]) -> StrategyConfig:
    """Build the config from flat parameters; unset names keep their defaults.

    Raises:
        ConfigError: an unknown name, or a value that fails its type, bound or cross-field check.
    """
    owner = parameter_owner()
    grouped: dict[str, dict[str, object]] = {s: {} for s in SECTIONS}
    unknown = sorted(k for k in params if k not in owner)
    if unknown:
        raise ConfigError(f"unknown parameter(s): {', '.join(unknown)}")
    for key, value in params.items():
        if isinstance(value, str):
            value = value.strip()
        grouped[owner[key]][key] = value
    sections: dict[str, Section] = {}
    for section, model in SECTIONS.items():
        try:
            sections[section] = model.model_validate(grouped[section])
        except ValidationError as exc:
            raise ConfigError(_describe(exc, grouped[section])) from None
    return StrategyConfig(**sections)  # type: ignore[arg-type]


def _describe(exc: ValidationError, given: Mapping[str, object]) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if loc:
            value = given.get(str(err["loc"][0]), "<default>")
            parts.append(f"parameter '{loc}' = {value!r}: {msg}")
        else:
            parts.append(msg)
    return "; ".join(parts)


def load_config_json(path: str | Path) -> StrategyConfig:
    """Read a LEAN project's ``config.json`` and parse its ``parameters``."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{p}: no such file") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{p}: not valid JSON ({exc})") from None
    params = doc.get("parameters", {})
    if not isinstance(params, dict):
        raise ConfigError(f"{p}: 'parameters' must be an object of strings")
    return from_parameters(params)


def settings_table() -> str:
    """The README's settings table (Markdown), generated from the models."""
    rows = ["| parameter | default | meaning |", "|---|---|---|"]
    defaults = StrategyConfig().to_parameters()
    owner = parameter_owner()
    for name, section in owner.items():
        field = SECTIONS[section].model_fields[name]
        rows.append(f"| `{name}` | `{defaults[name]}` | {field.description or ''} |")
    return "\n".join(rows)


__all__ = [
    "ConfigError",
    "StrategyConfig",
    "from_parameters",
    "load_config_json",
    "parameter_owner",
    "settings_table",
    "format_value",
]
