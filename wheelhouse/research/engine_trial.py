"""The trial that runs the offline engine: (config parameters, data spec) -> the statistics of stats.json.

:func:`run_engine` builds the config from the parameters, runs ``wheelhouse.engine.run.run_backtest`` on the
spec's window with the benchmarks the spec names (one after the other: the search already keeps every core
busy), and answers with the ``stats.json`` statistics, the benchmarks' statistics, and the daily returns,
risk-free rates and per-trade returns that walk-forward and Monte Carlo use.

A worker process keeps the opened data source between trials (:func:`data_adapter`): opening the default
data fits the volatility model and costs seconds, while most searched settings (sizes, deltas, exits, risk
limits) do not change the data: the adapter keeps the chains it read and their quote checks, implied vols
and Greeks (``DataAdapter.remember``; ``alpha.screen.screen_many``'s memo). The cache key holds exactly the settings the data sources read
(:data:`DATA_SETTINGS`; a test fails if a source starts reading another one), so a change to any of them
opens the data afresh.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from domain.config import StrategyConfig, from_parameters
from wheelhouse.research.trial import DataSpec

if TYPE_CHECKING:
    from wheelhouse.engine.run import BacktestRun
    from wheelhouse.engine.sources import DataAdapter

# (section, setting) pairs that DataAdapter.open and the data sources read from the config.
DATA_SETTINGS: tuple[tuple[str, str], ...] = (
    ("general", "underlyings"), ("general", "resolution"), ("general", "use_rate_file"),
    ("general", "risk_free_rate"), ("general", "vol_forecast_model"), ("general", "dividend_yield"),
    ("screen", "dte_min"), ("screen", "dte_max"), ("backtest", "implied_realised_ratio"),
)


class EngineUnavailable(RuntimeError):
    """The offline engine's run entry point is not present in this version."""


def data_key(folder: str | None, config: StrategyConfig) -> tuple[object, ...]:
    """What the opened data depends on: the folder and :data:`DATA_SETTINGS`."""
    return (folder, *(getattr(getattr(config, s), n) for s, n in DATA_SETTINGS))


def parameters_data_key(parameters: Mapping[str, str], spec: DataSpec) -> tuple[object, ...]:
    """What the opened data depends on, from a trial's parameters (the trial's ``affinity``): trials with
    the same key reuse one worker's opened data and screen memo when they run one after another."""
    return (spec.folder, *(parameters.get(name) for _, name in DATA_SETTINGS))


class _Sources:
    """The data sources this process opened, by :func:`data_key`, the most recent ``keep`` of them.

    Keyed by the data key alone: trials that differ only in strategy settings share one opened source, and
    with it the chains and the screen memo it remembers (about 0.5 GB for the default data).
    """

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self._adapters: OrderedDict[tuple[object, ...], DataAdapter] = OrderedDict()

    def __call__(self, key: tuple[object, ...], config: StrategyConfig) -> DataAdapter:
        adapter = self._adapters.get(key)
        if adapter is not None:
            self._adapters.move_to_end(key)
            return adapter
        from wheelhouse.engine.sources import DataAdapter

        adapter = DataAdapter.open(key[0], config)  # type: ignore[arg-type]
        adapter.remember()  # the next trials replay the same chains: keep them and their analytics
        self._adapters[key] = adapter
        while len(self._adapters) > self.keep:
            self._adapters.popitem(last=False)
        return adapter

    def __len__(self) -> int:
        return len(self._adapters)

    def cache_clear(self) -> None:
        self._adapters.clear()


_open = _Sources(keep=2)


def forget_sources() -> None:
    """Drop the data sources this process keeps: the next trial opens and screens its data afresh."""
    _open.cache_clear()


def data_adapter(folder: str | None, config: StrategyConfig) -> DataAdapter:
    """The engine's data source for ``config``, reused across trials of this process while the key matches."""
    return _open(data_key(folder, config), config)


def backtest(parameters: Mapping[str, str], spec: DataSpec) -> BacktestRun:
    """One engine run for a trial (no state folder, the spec's review cache, no network)."""
    try:
        from wheelhouse.engine.run import run_backtest
    except ImportError as exc:
        raise EngineUnavailable(f"the offline engine is not available ({exc})") from None
    config = from_parameters(parameters)
    return run_backtest(config, spec.folder, spec.start, spec.end, state_dir=None, review_cache=spec.review_cache,
                        allow_network=False, benchmarks=spec.benchmarks, parallel=False,
                        adapter=data_adapter(spec.folder, config))


def _numbers(stats: Mapping[str, object]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in stats.items():
        if isinstance(value, bool):
            out[key] = float(value)
        elif isinstance(value, int | float):
            out[key] = float(value)
        elif value is None:
            out[key] = math.nan
    return out


def _returns(equity: pd.Series, start_value: float) -> pd.Series:
    prev = pd.concat([pd.Series([start_value]), pd.Series(equity.to_numpy()[:-1])]).to_numpy()
    return pd.Series(equity.to_numpy() / prev - 1.0, index=equity.index)


def answer(run: BacktestRun) -> dict[str, Any]:
    """A trial's answer from an engine run (see :mod:`wheelhouse.research.trial`)."""
    stats = run.stats()
    # run_seconds is a wall-clock reading, not a result: leaving it out keeps answers identical across workers.
    out: dict[str, Any] = _numbers({k: v for k, v in stats.items() if k not in ("benchmarks", "run_seconds")})
    benchmarks = stats.get("benchmarks") or {}
    assert isinstance(benchmarks, dict)
    out["benchmarks"] = {name: _numbers(s) for name, s in benchmarks.items() if s}
    start_value = run.config.general.initial_cash
    equity = run.equity_of(run.strategy)
    out["returns"] = _returns(equity, start_value)
    out["risk_free"] = run.risk_free
    out["benchmark_returns"] = {n: _returns(run.equity_of(r), start_value) for n, r in run.benchmarks.items()}
    # A trade's return: its P&L over the portfolio value at the close before it opened.
    before = equity.shift(1).fillna(start_value)
    closed = run.strategy.closed
    if closed:
        opened = pd.DatetimeIndex([pd.Timestamp(c.opened).normalize() for c in closed])
        pos = equity.index.searchsorted(opened, side="left").clip(0, len(equity) - 1)
        values = before.to_numpy()[pos]
        out["trade_returns"] = pd.Series([c.pnl for c in closed], index=pd.DatetimeIndex(
            [pd.Timestamp(c.closed) for c in closed])) / values
    else:
        out["trade_returns"] = pd.Series(dtype=float)
    return out


def run_engine(parameters: Mapping[str, str], spec: DataSpec) -> dict[str, Any]:
    """Run one backtest and return its statistics, daily returns, trade returns and benchmarks."""
    return answer(backtest(parameters, spec))


def write_report(parameters: Mapping[str, str], spec: DataSpec, folder: Path) -> Path:
    """Backtest ``parameters`` on ``spec`` with every benchmark and write the engine's full report into ``folder``."""
    from wheelhouse.report.model import BENCHMARK_NAMES
    from wheelhouse.report.writer import write_report as write

    run = backtest(parameters, spec.with_benchmarks(*BENCHMARK_NAMES))
    return write(run.report(), folder)
