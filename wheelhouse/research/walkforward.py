"""Walk-forward validation: choose parameters in-sample, report them out-of-sample, window after window.

Windows roll forward by the out-of-sample length: in-sample ``[s, s + IS)`` (default 24 months), then
out-of-sample ``[s + IS, s + IS + OOS)`` (default 12 months), then ``s += OOS``. In each window the search
runs on the in-sample period only; the best feasible trial by the declared objective (constraints such as
``drawdown < 0.15`` must hold) is then run, unchanged, on the out-of-sample period, where the benchmark
(the put-write index by default) is measured on the same dates by the same engine. With an empty space the
base configuration is simply measured in and out of sample.

Totals: in-sample is the mean over windows; out-of-sample statistics come from the stitched out-of-sample
daily returns (each window starts flat with fresh capital, so the stitched path is what re-optimising once a
year would have earned), computed with the same definitions as ``stats.json`` (``wheelhouse.report.stats``,
risk-free rate from the trials' ``risk_free`` series when given); when trials give no daily returns, the mean
over windows is used instead. A window whose in-sample or out-of-sample run stopped with an error (an
engine invariant, missing data) is shown with its error and left out of every total. The gap
is ``(in - out) / |in|`` for an objective to maximise (``(out - in) / |in|`` to minimise); a gap above
``max_gap`` (10%) is flagged, per window and in total.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from wheelhouse.research.executors import evaluate
from wheelhouse.research.search import Method, Progress, TrialRecord, run_search
from wheelhouse.research.space import SearchSpace, SpaceError
from wheelhouse.research.trial import DataSpec, Trial, benchmark_stats, stats_of

SUMMARY_KEYS = ("cagr", "annual_volatility", "sharpe", "drawdown", "max_drawdown")


@dataclass(frozen=True)
class Window:
    """One walk-forward step; ends are inclusive dates."""

    number: int
    in_start: date
    in_end: date
    out_start: date
    out_end: date


def windows(start: date, end: date, in_months: int = 24, out_months: int = 12, min_out_months: int = 3) -> list[Window]:
    """Rolling windows over ``start..end``; a last out-of-sample period shorter than ``min_out_months`` is dropped."""
    if in_months < 1 or out_months < 1:
        raise SpaceError("in-sample and out-of-sample lengths must be at least one month")
    out: list[Window] = []
    s = pd.Timestamp(start)
    last = pd.Timestamp(end)
    while True:
        split = s + pd.DateOffset(months=in_months)
        stop = split + pd.DateOffset(months=out_months)
        if split + pd.DateOffset(months=min_out_months) > last + pd.Timedelta(days=1):
            break
        out_end = min(stop - pd.Timedelta(days=1), last)
        out.append(Window(len(out) + 1, s.date(), (split - pd.Timedelta(days=1)).date(), split.date(), out_end.date()))
        s = s + pd.DateOffset(months=out_months)
    if not out:
        raise SpaceError(f"{start}..{end} is too short for {in_months} months in-sample plus "
                         f"{min_out_months} months out-of-sample")
    return out


def relative_gap(in_sample: float, out_of_sample: float, direction: str = "max") -> float:
    """How much worse out-of-sample is than in-sample, as a share of |in-sample| (NaN when undefined)."""
    if not (math.isfinite(in_sample) and math.isfinite(out_of_sample)) or abs(in_sample) < 1e-12:
        return math.nan
    worse = in_sample - out_of_sample if direction == "max" else out_of_sample - in_sample
    return worse / abs(in_sample)


@dataclass(frozen=True)
class WindowResult:
    """A window's chosen parameters and its in-sample, out-of-sample and benchmark statistics."""

    window: Window
    chosen: dict[str, Any]
    in_sample: dict[str, float]
    out_of_sample: dict[str, float]
    benchmark: dict[str, float]
    gap: float
    flagged: bool
    feasible: bool
    trials: int
    note: str = ""
    failed: bool = False  # the in-sample choice or the out-of-sample run stopped with an error


@dataclass
class WalkForwardReport:
    """Every window plus the totals; :meth:`table` and :meth:`markdown` render it."""

    space: SearchSpace
    benchmark_name: str
    max_gap: float
    results: list[WindowResult] = field(default_factory=list)
    total_in: dict[str, float] = field(default_factory=dict)
    total_out: dict[str, float] = field(default_factory=dict)
    total_benchmark: dict[str, float] = field(default_factory=dict)
    gap: float = math.nan
    out_returns: pd.Series | None = None
    stitched: bool = True  # totals from stitched daily returns (else the mean over windows)

    @property
    def excluded(self) -> list[int]:
        """Windows left out of the totals because a run in them stopped with an error."""
        return [r.window.number for r in self.results if r.failed]

    @property
    def flagged(self) -> bool:
        return math.isfinite(self.gap) and self.gap > self.max_gap

    def table(self) -> pd.DataFrame:
        target = self.space.objective.target
        rows: list[dict[str, Any]] = []
        for r in self.results:
            w = r.window
            rows.append({
                "window": w.number, "in_sample": f"{w.in_start}..{w.in_end}",
                "out_of_sample": f"{w.out_start}..{w.out_end}",
                **{k: v for k, v in r.chosen.items()},
                f"is_{target}": r.in_sample.get(target, math.nan),
                f"oos_{target}": r.out_of_sample.get(target, math.nan),
                "gap": r.gap, "flag": "GAP" if r.flagged else "",
                "oos_cagr": r.out_of_sample.get("cagr", math.nan),
                "oos_drawdown": r.out_of_sample.get("drawdown", math.nan),
                f"{self.benchmark_name}_{target}": r.benchmark.get(target, math.nan),
                f"{self.benchmark_name}_cagr": r.benchmark.get("cagr", math.nan),
                f"{self.benchmark_name}_drawdown": r.benchmark.get("drawdown", math.nan),
                "feasible": r.feasible, "note": r.note,
            })
        return pd.DataFrame(rows)

    def totals(self) -> pd.DataFrame:
        keys: list[str] = [k for k in ("sharpe", "cagr", "annual_volatility", "drawdown") if k in
                self.total_out or k in self.total_in or k in self.total_benchmark]
        target = self.space.objective.target
        if target not in keys:
            keys.insert(0, target)
        how = "stitched" if self.stitched else "mean of windows"
        return pd.DataFrame({
            "in_sample (mean of windows)": [self.total_in.get(k, math.nan) for k in keys],
            f"out_of_sample ({how})": [self.total_out.get(k, math.nan) for k in keys],
            f"{self.benchmark_name} ({how})": [self.total_benchmark.get(k, math.nan) for k in keys],
        }, index=pd.Index(keys, name="statistic"))

    def markdown(self) -> str:
        target = self.space.objective.target
        flag = f" **(gap over {self.max_gap:.0%}: flagged)**" if self.flagged else ""
        lines = [
            f"Objective: {self.space.objective.direction} {target}"
            + (f" subject to {', '.join(str(c) for c in self.space.constraints)}" if self.space.constraints else ""),
            "",
            _markdown(self.table()),
            "",
            _markdown(self.totals()),
            "",
            f"Total in-sample vs out-of-sample gap on {target}: {self.gap:.1%}{flag}",
        ]
        if self.excluded:
            used = len(self.results) - len(self.excluded)
            lines.append(f"Totals cover {used} of {len(self.results)} windows; left out (a run stopped with an "
                         f"error, see the notes): {', '.join(map(str, self.excluded))}.")
        return "\n".join(lines)


def _markdown(frame: pd.DataFrame) -> str:
    """A pipe table without the optional ``tabulate`` dependency."""
    df = frame.reset_index() if frame.index.name or not isinstance(frame.index, pd.RangeIndex) else frame

    def cell(v: Any) -> str:
        if isinstance(v, float | np.floating):
            return "" if not math.isfinite(v) else f"{v:.3f}"
        return str(v)

    head = "| " + " | ".join(str(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _stitched(outputs: list[dict[str, Any]], key: str, name: str | None = None) -> pd.Series | None:
    """The windows' series under ``key`` (or ``key[name]``) end to end; None when any window lacks it."""
    parts = []
    for o in outputs:
        s = o.get(key) if name is None else (o.get(key) or {}).get(name)
        if not isinstance(s, pd.Series) or s.empty:
            return None
        parts.append(s)
    return pd.concat(parts) if parts else None


def stitched_stats(returns: pd.Series, risk_free: pd.Series | None = None) -> dict[str, float]:
    """``stats.json`` statistics of a daily return series (compounded from 1), plus ``drawdown``."""
    from wheelhouse.report.stats import performance

    r = returns.copy()
    r.index = pd.DatetimeIndex(pd.to_datetime(r.index))
    rf = None
    if risk_free is not None:
        rf = risk_free.copy()
        rf.index = pd.DatetimeIndex(pd.to_datetime(rf.index))
    stats = performance((1.0 + r).cumprod(), 1.0, rf)
    # Fees, premium and win rate need the trades, not the returns: leave them out rather than report zeros.
    return_based = ("cagr", "annual_volatility", "sharpe", "sortino", "max_drawdown", "longest_drawdown_days")
    out = {k: float(v) for k, v in stats.items() if k in return_based and isinstance(v, int | float)}
    if "max_drawdown" in out:
        out["drawdown"] = -out["max_drawdown"]
    return out


def _mean(stats: list[dict[str, float]]) -> dict[str, float]:
    keys = set().union(*stats) if stats else set()
    return {k: float(np.nanmean([s.get(k, math.nan) for s in stats])) for k in sorted(keys)}


def run_walk_forward(
    space: SearchSpace,
    trial: Trial,
    spec: DataSpec,
    executor: Executor,
    start: date,
    end: date,
    method: Method = "random",
    n_trials: int | None = 20,
    seed: int = 7,
    in_months: int = 24,
    out_months: int = 12,
    benchmark: str = "put_write",
    max_gap: float = 0.10,
    progress: Progress | None = None,
) -> WalkForwardReport:
    """Walk forward over ``start..end`` (see the module docstring) and return the report."""
    plan = windows(start, end, in_months, out_months)
    direction = space.objective.direction
    chosen: list[TrialRecord] = []
    trial_counts: list[int] = []
    if not space.dimensions:
        jobs = [(space.parameters({}), spec.window(w.in_start, w.in_end)) for w in plan]
        outcomes = evaluate(executor, trial, jobs, progress)
        for outcome in outcomes:
            answer, error = outcome
            stats = stats_of(answer) if answer else {}
            chosen.append(TrialRecord(1, {}, stats, space.objective.value(stats), space.feasible(stats), error))
            trial_counts.append(1)
    else:
        for w in plan:
            found = run_search(space, trial, spec.window(w.in_start, w.in_end), executor, method, n_trials,
                               seed + w.number, progress)
            chosen.append(found.ranked()[0])
            trial_counts.append(len(found.records))
    oos_spec = spec.with_benchmarks(benchmark)
    out_jobs = [(space.parameters(rec.point), oos_spec.window(w.out_start, w.out_end))
                for w, rec in zip(plan, chosen, strict=True)]
    out_outcomes = evaluate(executor, trial, out_jobs, progress)
    report = WalkForwardReport(space, benchmark, max_gap)
    target = space.objective.target
    outputs: list[dict[str, Any] | None] = []
    for w, rec, count, (answer, error) in zip(plan, chosen, trial_counts, out_outcomes, strict=True):
        outputs.append(answer)
        oos = stats_of(answer) if answer else {}
        bench = benchmark_stats(answer, benchmark) if answer else {}
        gap = relative_gap(rec.objective, oos.get(target, math.nan), direction)
        notes = [n for n in (rec.error, error and f"out-of-sample: {error}") if n]
        if not rec.feasible and rec.error is None:
            notes.append("no in-sample trial met the constraints; least-violating kept")
        report.results.append(WindowResult(w, dict(rec.point), rec.stats, oos, bench, gap,
                                           math.isfinite(gap) and gap > max_gap, rec.feasible, count,
                                           "; ".join(notes), failed=bool(rec.error or error)))
    _totals(report, [o for r, o in zip(report.results, outputs, strict=True) if not r.failed and o is not None])
    return report


def _totals(report: WalkForwardReport, outputs: list[dict[str, Any]]) -> None:
    """Fill the totals from the windows whose runs all completed (failed windows are listed, not averaged)."""
    target = report.space.objective.target
    done = [r for r in report.results if not r.failed]
    report.total_in = _mean([r.in_sample for r in done])
    returns = _stitched(outputs, "returns")
    report.out_returns = returns
    report.stitched = returns is not None
    risk_free = _stitched(outputs, "risk_free")
    report.total_out = stitched_stats(returns, risk_free) if returns is not None else _mean(
        [r.out_of_sample for r in done])
    if target not in SUMMARY_KEYS:
        report.total_out[target] = _mean([r.out_of_sample for r in done]).get(target, math.nan)
    bench_returns = _stitched(outputs, "benchmark_returns", report.benchmark_name)
    report.total_benchmark = stitched_stats(bench_returns, risk_free) if bench_returns is not None else _mean(
        [r.benchmark for r in done])
    report.gap = relative_gap(report.total_in.get(target, math.nan), report.total_out.get(target, math.nan),
                              report.space.objective.direction)


def window_summary(report: WalkForwardReport) -> Mapping[str, Any]:
    """A JSON-ready dict of the report (windows, totals, gap)."""
    return {
        "objective": {"target": report.space.objective.target, "direction": report.space.objective.direction},
        "constraints": [str(c) for c in report.space.constraints],
        "benchmark": report.benchmark_name,
        "max_gap": report.max_gap,
        "windows": [
            {"window": r.window.number, "in_sample": [str(r.window.in_start), str(r.window.in_end)],
             "out_of_sample": [str(r.window.out_start), str(r.window.out_end)], "chosen": r.chosen,
             "in_sample_stats": r.in_sample, "out_of_sample_stats": r.out_of_sample, "benchmark_stats": r.benchmark,
             "gap": r.gap, "flagged": r.flagged, "feasible": r.feasible, "trials": r.trials, "note": r.note,
             "failed": r.failed}
            for r in report.results
        ],
        "total_in_sample": report.total_in,
        "total_out_of_sample": report.total_out,
        "total_benchmark": report.total_benchmark,
        "gap": report.gap,
        "flagged": report.flagged,
        "totals_from": "stitched daily returns" if report.stitched else "mean of windows",
        "excluded_windows": report.excluded,
    }

