"""The search space, objective and constraints of a parameter search, read from a SPACE.json file.

A space names config parameters (the flat names of ``config.json`` ``parameters``, the same names
``lean optimize --parameter NAME MIN MAX STEP`` takes) and how each may vary::

    {
      "parameters": {
        "csp_delta_max": {"min": -0.30, "max": -0.15, "step": 0.05},
        "dte_max":       {"min": 45, "max": 90, "step": 15},
        "profit_take_pct": {"values": [0.5, 0.65, 0.8]},
        "vol_forecast_model": {"values": ["garch", "har"]}
      },
      "objective": {"target": "sharpe", "direction": "max"},
      "constraints": ["drawdown < 0.15"]
    }

``min``/``max``/``step`` is a grid from min to max inclusive (as in ``lean optimize``); ``min``/``max``
without ``step`` is a continuous range (random and genetic search only; integer settings round);
``values`` is an explicit list. Constraint metrics are trial statistics (see :mod:`wheelhouse.research.trial`);
LEAN's names (``Sharpe Ratio``, ``Drawdown``, ``Compounding Annual Return``...) are accepted as aliases.
"""

from __future__ import annotations

import json
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from domain.config import SECTIONS, ConfigError, StrategyConfig, format_value, from_parameters, parameter_owner

# LEAN optimizer target names -> this project's statistic names (docs/research.md shows both).
LEAN_ALIASES: dict[str, str] = {
    "sharpe ratio": "sharpe",
    "sortino ratio": "sortino",
    "drawdown": "drawdown",
    "compounding annual return": "cagr",
    "annual standard deviation": "annual_volatility",
    "win rate": "win_rate",
    "total fees": "total_fees",
}

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][\w .]*?)\s*(<=|>=|<|>)\s*(-?[\d.]+(?:e-?\d+)?)\s*(%?)\s*$")


class SpaceError(ConfigError):
    """A search space, objective or constraint is malformed; the message names the culprit."""


def metric_name(name: str) -> str:
    """The project's statistic name for ``name`` (LEAN aliases and case folded)."""
    key = name.strip().lower()
    return LEAN_ALIASES.get(key, key.replace(" ", "_"))


@dataclass(frozen=True)
class Constraint:
    """``metric op bound``, e.g. ``drawdown < 0.15``. A missing or NaN metric violates it."""

    metric: str
    op: str
    bound: float

    @classmethod
    def parse(cls, text: str) -> Constraint:
        m = _CONSTRAINT.match(text)
        if not m:
            raise SpaceError(f"constraint '{text}': expected 'metric < number' (operators < <= > >=)")
        bound = float(m.group(3)) / (100.0 if m.group(4) else 1.0)
        return cls(metric_name(m.group(1)), m.group(2), bound)

    def holds(self, stats: Mapping[str, float]) -> bool:
        value = stats.get(self.metric)
        if value is None or not math.isfinite(value):
            return False
        return OPERATORS[self.op](float(value), self.bound)

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.bound:g}"


@dataclass(frozen=True)
class Objective:
    """The statistic a search ranks by and whether larger is better."""

    target: str = "sharpe"
    direction: str = "max"

    def __post_init__(self) -> None:
        if self.direction not in ("max", "min"):
            raise SpaceError(f"objective direction '{self.direction}' must be 'max' or 'min'")

    def value(self, stats: Mapping[str, float]) -> float:
        """The objective of one trial, NaN when missing."""
        v = stats.get(self.target)
        return float(v) if v is not None else math.nan

    def sort_key(self, value: float) -> float:
        """Smaller is better; NaN sorts last."""
        if not math.isfinite(value):
            return math.inf
        return -value if self.direction == "max" else value


@dataclass(frozen=True)
class Dimension:
    """One parameter's range: explicit ``values``, or ``low``..``high`` with an optional grid ``step``."""

    name: str
    kind: type  # int, float, bool or str: the config field's type
    values: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    step: float | None = None

    @property
    def continuous(self) -> bool:
        return not self.values and self.step is None

    def grid(self) -> tuple[Any, ...]:
        """Every grid point (raises for a continuous range, which has none)."""
        if self.values:
            return self.values
        if self.step is None or self.low is None or self.high is None:
            raise SpaceError(f"parameter '{self.name}': grid search needs 'step' or 'values'")
        n = int(math.floor((self.high - self.low) / self.step + 1e-9)) + 1
        points = [self.low + i * self.step for i in range(n)]
        return tuple(dict.fromkeys(self.cast(p) for p in points))

    def cast(self, value: Any) -> Any:
        """Round to the field's type; floats rounded to 10 decimals so grid points print cleanly."""
        if self.kind is int:
            return int(round(float(value)))
        if self.kind is float:
            return round(float(value), 10)
        return value

    def sample(self, rng: np.random.Generator) -> Any:
        if not self.continuous:
            points = self.grid()
            return points[int(rng.integers(len(points)))]
        assert self.low is not None and self.high is not None
        return self.cast(rng.uniform(self.low, self.high))


@dataclass(frozen=True)
class SearchSpace:
    """Dimensions, the objective and the constraints of one search; ``base`` holds fixed parameters."""

    dimensions: tuple[Dimension, ...]
    objective: Objective = Objective()
    constraints: tuple[Constraint, ...] = ()
    base: Mapping[str, str] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dimensions)

    def grid_size(self) -> int:
        return math.prod(len(d.grid()) for d in self.dimensions) if self.dimensions else 1

    def parameters(self, point: Mapping[str, Any]) -> dict[str, str]:
        """Base parameters with ``point`` applied, as config.json strings."""
        params = dict(self.base)
        params.update({k: format_value(v) for k, v in point.items()})
        return params

    def check(self, point: Mapping[str, Any]) -> str | None:
        """None when ``point`` makes a valid config, else the config's error (cross-field rules included)."""
        try:
            from_parameters(self.parameters(point))
        except ConfigError as exc:
            return str(exc)
        return None

    def feasible(self, stats: Mapping[str, float]) -> tuple[str, ...]:
        """The constraints ``stats`` violates (empty when feasible)."""
        return tuple(str(c) for c in self.constraints if not c.holds(stats))


def _field_kind(name: str) -> type:
    section = parameter_owner()[name]
    annotation = SECTIONS[section].model_fields[name].annotation
    return annotation if annotation in (int, float, bool) else str  # type: ignore[return-value]


def dimension(name: str, spec: Mapping[str, Any]) -> Dimension:
    """Parse one parameter's entry; errors name the parameter."""
    if name not in parameter_owner():
        raise SpaceError(f"parameter '{name}' is not a config setting (see: python -m wheelhouse config --markdown)")
    kind = _field_kind(name)
    unknown = set(spec) - {"values", "min", "max", "step"}
    if unknown:
        raise SpaceError(f"parameter '{name}': unknown key(s) {', '.join(sorted(unknown))}")
    if "values" in spec:
        values = spec["values"]
        if not isinstance(values, list) or not values:
            raise SpaceError(f"parameter '{name}': 'values' must be a non-empty list")
        dim = Dimension(name, kind)
        return Dimension(name, kind, values=tuple(dict.fromkeys(dim.cast(v) for v in values)))
    if kind not in (int, float):
        raise SpaceError(f"parameter '{name}' is not numeric: give 'values'")
    try:
        low, high = float(spec["min"]), float(spec["max"])
        step = float(spec["step"]) if spec.get("step") is not None else None
    except (KeyError, TypeError, ValueError):
        raise SpaceError(f"parameter '{name}': give numeric 'min' and 'max' (and 'step' for a grid)") from None
    if not low <= high:
        raise SpaceError(f"parameter '{name}': min ({low:g}) must not exceed max ({high:g})")
    if step is not None and step <= 0:
        raise SpaceError(f"parameter '{name}': step must be positive")
    return Dimension(name, kind, low=low, high=high, step=step)


def parse_space(doc: Mapping[str, Any], base: Mapping[str, str] | None = None) -> SearchSpace:
    """Build a :class:`SearchSpace` from a SPACE.json document; ``base`` are the fixed config parameters."""
    unknown = set(doc) - {"parameters", "objective", "constraints"}
    if unknown:
        raise SpaceError(f"space: unknown key(s) {', '.join(sorted(unknown))}")
    params = doc.get("parameters", {})
    if not isinstance(params, dict):
        raise SpaceError("space: 'parameters' must be an object of name -> range")
    dims = tuple(dimension(k, v) for k, v in params.items())
    obj_doc = doc.get("objective", {})
    objective = Objective(metric_name(str(obj_doc.get("target", "sharpe"))), str(obj_doc.get("direction", "max")))
    raw = doc.get("constraints", [])
    if isinstance(raw, str):
        raw = [raw]
    constraints = tuple(Constraint.parse(str(c)) for c in raw)
    base_params = dict(base or {})
    fixed = {k: v for k, v in base_params.items() if k not in {d.name for d in dims}}
    space = SearchSpace(dims, objective, constraints, fixed)
    error = space.check({})
    if error:
        raise SpaceError(f"base configuration is invalid: {error}")
    return space


def load_space(path: str | Path, base: Mapping[str, str] | None = None) -> SearchSpace:
    """Read SPACE.json; a missing file or bad JSON raises :class:`SpaceError` naming the file."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text())
    except FileNotFoundError:
        raise SpaceError(f"{p}: no such file") from None
    except json.JSONDecodeError as exc:
        raise SpaceError(f"{p}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise SpaceError(f"{p}: expected a JSON object")
    return parse_space(doc, base)


def default_parameters() -> dict[str, str]:
    return StrategyConfig().to_parameters()


def lean_optimize_arguments(space: SearchSpace) -> list[str]:
    """The ``lean optimize .`` arguments for the grid part of ``space`` (same parameter names).

    LEAN's optimizer takes numeric min/max/step only, so explicit value lists are skipped.
    """
    args = ["--strategy", "Grid Search"]
    lean_target = {v: k.title() for k, v in LEAN_ALIASES.items()}
    target = lean_target.get(space.objective.target, space.objective.target)
    args += ["--target", target, "--target-direction", space.objective.direction]
    for d in space.dimensions:
        if d.step is not None and d.low is not None and d.high is not None:
            args += ["--parameter", d.name, f"{d.low:g}", f"{d.high:g}", f"{d.step:g}"]
    for c in space.constraints:
        args += ["--constraint", f"{lean_target.get(c.metric, c.metric)} {c.op} {c.bound:g}"]
    return args


def points_key(point: Mapping[str, Any], names: Sequence[str]) -> tuple[str, ...]:
    """A hashable key of a point (its parameters as strings, in dimension order)."""
    return tuple(format_value(point[n]) for n in names)
