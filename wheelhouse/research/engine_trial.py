"""The trial that runs the offline engine: (config parameters, data spec) -> the statistics of stats.json."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wheelhouse.research.trial import DataSpec


class EngineUnavailable(RuntimeError):
    """The offline engine's run entry point is not present in this version."""


def run_engine(parameters: Mapping[str, str], spec: DataSpec) -> dict[str, Any]:
    """Run one backtest and return its statistics, daily returns, trade returns and benchmarks."""
    raise EngineUnavailable("the offline engine's run entry point is not available in this version")


def write_report(parameters: Mapping[str, str], spec: DataSpec, folder: Path) -> Path:
    """Backtest ``parameters`` on ``spec`` and write the engine's full report into ``folder``."""
    raise EngineUnavailable("the offline engine's report writer is not available in this version")
