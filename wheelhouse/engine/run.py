"""One backtest: the strategy and its three benchmarks on the same data, and the report data of the result.

:func:`run_backtest` is the entry point the ``backtest`` command, the research tools and notebooks use::

    run = run_backtest(config, data=None, start=date(2006, 1, 1), end=date(2015, 12, 31))
    run.stats()                      # the stats.json document
    write_report(run.report(), "backtests/offline")

The strategy runs in this process (with an optional progress callback per session); the benchmarks run in a
second process when ``parallel`` (forked, so it shares the loaded data) and one after the other otherwise.
Both orders give the same numbers. The run's own state (wheel book, intents, risk memory) lives in
``state_dir`` (a fresh folder per run, written at the end) or in memory; the review cache in
``review_cache`` (default: LEAN's local ObjectStore folder ``storage/``), so replays find recorded reviews.
"""

from __future__ import annotations

import multiprocessing
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from domain.config import StrategyConfig
from domain.state import MemoryStore, StateStore
from wheelhouse.benchmarks import BENCHMARKS
from wheelhouse.engine.simulator import SimulationResult, Simulator
from wheelhouse.engine.sources import DataAdapter
from wheelhouse.report.model import BENCHMARK_NAMES, ReportData
from wheelhouse.report.stats import performance
from wheelhouse.state import FolderStore, RoutedStore

REVIEW_CACHE_PREFIX = "wheelhouse/review/cache"


@dataclass
class BacktestRun:
    """The strategy's and the benchmarks' simulations over one window of one data source."""

    config: StrategyConfig
    start: date
    end: date
    strategy: SimulationResult
    benchmarks: dict[str, SimulationResult]
    risk_free: pd.Series
    seconds: float
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @staticmethod
    def equity_of(result: SimulationResult) -> pd.Series:
        return pd.Series([float(r["equity"]) for r in result.rows],  # type: ignore[arg-type]
                         index=pd.DatetimeIndex([r["date"] for r in result.rows]), name=result.policy)

    def returns(self) -> pd.Series:
        """Daily simple returns of the strategy (the first from the starting capital)."""
        eq = self.equity_of(self.strategy)
        prev = pd.concat([pd.Series([self.config.general.initial_cash]), eq.iloc[:-1].reset_index(drop=True)])
        return pd.Series(eq.to_numpy() / prev.to_numpy() - 1.0, index=eq.index)

    def _stats(self, result: SimulationResult) -> dict[str, object]:
        eq = self.equity_of(result)
        return performance(eq, self.config.general.initial_cash, self.risk_free, [c.pnl for c in result.closed],
                           result.fees, result.premium_collected, result.model_priced)

    def stats(self) -> dict[str, object]:
        """The ``stats.json`` document (see ``wheelhouse.report.writer``)."""
        out = self._stats(self.strategy)
        out["benchmarks"] = {name: (self._stats(self.benchmarks[name]) if name in self.benchmarks else None)
                             for name in BENCHMARK_NAMES}
        eq = self.equity_of(self.strategy)
        g = self.config.general
        out.update({
            "start": str(eq.index[0].date()), "end": str(eq.index[-1].date()), "initial_cash": g.initial_cash,
            "final_equity": float(eq.iloc[-1]), "total_return": float(eq.iloc[-1] / g.initial_cash - 1.0),
            "underlyings": list(g.underlyings), "data": self.strategy.data_description,
            "trades": len(self.strategy.trades), "unfilled_orders": self.strategy.unfilled_orders,
            "fallback_marks": self.strategy.fallback_marks, "interest": self.strategy.interest,
            "dividends": self.strategy.dividends, "run_seconds": round(self.seconds, 1),
            "limits": self.limits(), "notes": self.notes, "title": "Wheelhouse backtest", "source": "offline engine",
            "timings_seconds": {k: round(v, 2) for k, v in self.timings.items()},
        })
        return out

    def limits(self) -> dict[str, float]:
        r = self.config.risk
        return {"max_net_delta": r.max_net_delta, "max_gamma_exposure": r.max_gamma_exposure,
                "max_vega_exposure": r.max_vega_exposure}

    def report(self) -> ReportData:
        """The run as report data (strategy trades, daily rows, benchmark curves)."""
        s = self.strategy
        rows = pd.DataFrame(s.rows).set_index("date")
        rows.index = pd.DatetimeIndex(rows.index)
        sectors = pd.DataFrame(list(rows.pop("sectors")), index=rows.index).add_prefix("sector:")
        daily = rows.join(sectors) if not sectors.empty else rows
        trades = pd.DataFrame([{
            "time": t.time, "underlying": t.underlying, "symbol": t.symbol, "right": t.right, "strike": t.strike,
            "expiry": t.expiry, "action": t.action, "quantity": t.quantity, "price": t.price, "fees": t.fees,
            "cash": t.cash, "reserved_cash": t.reserved_cash, "reason": t.reason, "premium": t.premium,
        } for t in s.trades])
        if trades.empty:
            trades = pd.DataFrame(columns=["time", "action", "premium"])
        closed = pd.DataFrame([{"symbol": c.symbol, "underlying": c.underlying, "right": c.right,
                                "opened": c.opened, "closed": c.closed, "pnl": c.pnl, "premium": c.premium}
                               for c in s.closed], columns=["symbol", "underlying", "right", "opened", "closed",
                                                            "pnl", "premium"])
        return ReportData(
            title="Wheelhouse backtest", source="offline engine (python -m wheelhouse backtest)",
            data_description=s.data_description, model_priced=s.model_priced,
            start_value=self.config.general.initial_cash, daily=daily, trades=trades, stats=self.stats(),
            closed=closed, benchmarks={k: self.equity_of(v) for k, v in self.benchmarks.items()},
            underlying=daily["underlying_price"].astype(float) if "underlying_price" in daily else None,
            limits=self.limits(), notes=list(self.notes),
        )


@dataclass
class _Shared:
    data: DataAdapter
    config: StrategyConfig
    start: date
    end: date


# What the forked benchmark process reads (set just before the fork; inherited, never pickled).
_SHARED: list[_Shared] = []


def _run_benchmarks(names: tuple[str, ...]) -> tuple[dict[str, SimulationResult], float]:
    t0 = time.perf_counter()
    job = _SHARED[-1]
    data, config, start, end = job.data, job.config, job.start, job.end
    underlying = config.general.underlyings[0]
    out = {n: Simulator(data, config, BENCHMARKS[n](underlying), start, end).run() for n in names}
    return out, time.perf_counter() - t0


def run_backtest(config: StrategyConfig, data: str | Path | None = None, start: date | None = None,
                 end: date | None = None, *, state_dir: str | Path | None = None,
                 review_cache: str | Path | None = "storage", allow_network: bool = False,
                 benchmarks: tuple[str, ...] = BENCHMARK_NAMES, parallel: bool = True,
                 on_session: Callable[[date], None] | None = None, adapter: DataAdapter | None = None) -> BacktestRun:
    """Simulate the strategy and ``benchmarks`` from ``start`` to ``end`` (default: the config's dates).

    ``data``: a LEAN data folder, or None for the bundled default data (``adapter`` overrides both). Raises
    ``wheelhouse.data.DataError`` for missing data, :class:`wheelhouse.engine.errors.InvariantError` when an
    invariant fails, ``NetworkNotAllowed`` when the config asks for network reviews without
    ``allow_network``.
    """
    from wheelhouse.engine.pipeline import Pipeline
    from wheelhouse.engine.strategy import StrategyPolicy

    t0 = time.perf_counter()
    g = config.general
    start, end = start or g.start_date, end or g.end_date
    source = adapter or DataAdapter.open(data, config)
    run_store: StateStore
    folder: FolderStore | None = None
    if state_dir is not None:
        shutil.rmtree(state_dir, ignore_errors=True)  # the run's own folder: every run starts from nothing
        folder = FolderStore(state_dir, deferred=True)
        run_store = folder
    else:
        run_store = MemoryStore()
    store: StateStore = run_store
    if review_cache is not None:
        store = RoutedStore(run_store, {REVIEW_CACHE_PREFIX: FolderStore(review_cache)})
    bench_data = source.for_benchmarks()
    pool: ProcessPoolExecutor | None = None
    future = None
    if parallel and benchmarks and "fork" in multiprocessing.get_all_start_methods():
        _SHARED.append(_Shared(bench_data, config, start, end))
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
        future = pool.submit(_run_benchmarks, tuple(benchmarks))
    try:
        # the run's own store starts empty: only a review cache folder can hold recorded reviews
        recorded = review_cache is not None and Path(review_cache).is_dir()
        policy = StrategyPolicy(Pipeline(config, store, allow_network, source.screen_memo, recorded))
        t1 = time.perf_counter()
        try:
            strategy = Simulator(source, config, policy, start, end, on_session=on_session).run()
        finally:
            policy.finish()
            if folder is not None:
                folder.flush()
        strategy_seconds = time.perf_counter() - t1
        if future is not None:
            bench, bench_seconds = future.result()
        else:
            _SHARED.append(_Shared(bench_data, config, start, end))
            bench, bench_seconds = _run_benchmarks(tuple(benchmarks))
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        _SHARED.clear()
    days = [pd.Timestamp(r["date"]) for r in strategy.rows]  # type: ignore[arg-type]
    rates = pd.Series([source.rate(d.date()) for d in days], index=pd.DatetimeIndex(days))
    notes = [
        f"Strategy: {policy.screens} screens, {policy.candidates} candidates, review sources "
        f"{dict(sorted(policy.review_sources.items()))}; {strategy.unfilled_orders} orders did not fill; "
        f"{strategy.fallback_marks} contract-days marked by the model fallback.",
        "Fills: day limit orders fill on the step they are placed, at the limit moved by slippage_pct_of_spread "
        "x spread, never beyond bid/ask; daily data decides and fills at the close.",
    ]
    stages = dict(policy.pipeline.timings)
    timings = {"load": t1 - t0, "strategy": strategy_seconds, **{f"strategy.{k}": v for k, v in stages.items()},
               "strategy.engine": strategy_seconds - sum(stages.values()), "benchmarks": bench_seconds}
    return BacktestRun(config, start, end, strategy, bench, rates, time.perf_counter() - t0, notes, timings)
