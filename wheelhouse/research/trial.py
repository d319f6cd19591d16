"""What one trial is: a pure, top-level function of (config parameters, data spec) returning a stats dict.

A *trial* is any picklable callable ``trial(parameters, spec) -> dict``:

* ``parameters``: flat ``config.json`` parameters (name -> string), the only thing a search varies;
* ``spec``: a :class:`DataSpec` naming the data and the window (no data travels with the task, so the
  same call runs in a local process or on a Dask worker that can read the same folder);
* the answer: the statistics of ``stats.json`` at the top level (``cagr``, ``sharpe``, ``max_drawdown``,
  ...; numbers only), ``benchmarks`` (name -> statistics, e.g. ``put_write``), and optionally
  ``returns`` (daily simple returns, a ``pd.Series`` indexed by date), ``risk_free`` (the annual rate of each
  session, same index), ``benchmark_returns`` (name -> series) and ``trade_returns`` (one return per closed
  trade). Walk-forward stitches ``returns`` across
  windows; Monte Carlo resamples ``returns`` and ``trade_returns``.

Trials must not read the wall clock or keep state between calls: the same arguments give the same answer
on any worker, which is what makes local and distributed searches agree.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pandas as pd

Trial = Callable[[Mapping[str, str], "DataSpec"], dict[str, Any]]
SERIES_KEYS = ("returns", "benchmark_returns", "trade_returns", "risk_free")


@dataclass(frozen=True)
class DataSpec:
    """The data a trial runs on: a LEAN data folder (None = the bundled default data) and a date window.

    ``start``/``end`` override the config's ``start_date``/``end_date`` when set. ``benchmarks`` names the
    benchmarks to measure on the same window (``put_write``, ``buy_write``, ``underlying``); a search leaves
    it empty, because benchmarks do not depend on the strategy's settings and would only cost time.
    ``review_cache`` is the folder of recorded LLM reviews to replay (LEAN's local ObjectStore, ``storage/``);
    None reviews with the offline rule-based reviewer only.
    """

    folder: str | None = None
    start: date | None = None
    end: date | None = None
    benchmarks: tuple[str, ...] = ()
    review_cache: str | None = None

    def window(self, start: date, end: date) -> DataSpec:
        return replace(self, start=start, end=end)

    def with_benchmarks(self, *names: str) -> DataSpec:
        return replace(self, benchmarks=tuple(names))

    def label(self) -> str:
        where = self.folder or "default data"
        return f"{where} {self.start or '...'}..{self.end or '...'}"


def stats_of(output: Mapping[str, Any]) -> dict[str, float]:
    """The numeric statistics of a trial's answer, plus ``drawdown`` (the positive magnitude of max_drawdown).

    Booleans become 0/1; nested and series values are left out.
    """
    stats: dict[str, float] = {}
    for key, value in output.items():
        if key in SERIES_KEYS or isinstance(value, Mapping | pd.Series | list | tuple | str):
            continue
        if isinstance(value, bool | int | float):
            stats[key] = float(value)
    if "max_drawdown" in stats and "drawdown" not in stats:
        stats["drawdown"] = abs(stats["max_drawdown"])
    return stats


def benchmark_stats(output: Mapping[str, Any], name: str) -> dict[str, float]:
    """Statistics of one benchmark in a trial's answer (empty when absent)."""
    bench = output.get("benchmarks", {}) or {}
    return stats_of(bench.get(name, {}) or {})


def finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def backtest_trial(parameters: Mapping[str, str], spec: DataSpec) -> dict[str, Any]:
    """Run the offline engine on ``spec`` with ``parameters``; the trial every command uses.

    The engine is imported here, inside the worker, so that a search can be planned (and its space
    validated) without loading the simulator.
    """
    from wheelhouse.research.engine_trial import run_engine

    return run_engine(parameters, spec)


def _data_affinity(parameters: Mapping[str, str], spec: DataSpec) -> tuple[object, ...]:
    from wheelhouse.research.engine_trial import parameters_data_key

    return parameters_data_key(parameters, spec)


setattr(backtest_trial, "affinity", _data_affinity)  # noqa: B010 - executors.evaluate groups jobs by it
