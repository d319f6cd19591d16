"""Benchmark of the offline backtest: wall time and peak memory of the default run, against the goals.

``python -m wheelhouse.bench engine`` (part of ``make bench``) runs the default backtest (``config.json``,
bundled data, 1999-2018) in a fresh Python process, exactly as ``make backtest`` does (report included), and
prints:

* wall time against the 2-minute goal, with the time of each part: data load, the strategy's simulation
  split by stage (screen, review, construction, exits, risk, execution, and the engine itself), the three
  benchmarks (run beside the strategy in a second process) and the report;
* the engine's own cost per session against a reference measured in the same run: the buy-and-hold
  benchmark's simulation, the cheapest policy on the same data and loop;
* peak resident memory of the strategy process and of the benchmark process against the 2 GB goal (they run
  at the same time, so their sum bounds the peak of the run).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

GOAL_SECONDS = 120.0
GOAL_BYTES = 2 * 1024**3

_SCRIPT = r"""
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from domain.config import load_config_json
from wheelhouse.engine.run import run_backtest
from wheelhouse.report.writer import write_report
out = Path(sys.argv[1])
config = load_config_json(sys.argv[2])
for item in sys.argv[3:]:
    name, _, value = item.partition("=")
    config = config.replace(**{name: value})
run = run_backtest(config, state_dir=out / "state", review_cache=out / "cache")
t1 = time.perf_counter()
write_report(run.report(), out)
report = time.perf_counter() - t1
bench = {k: run.equity_of(v) for k, v in run.benchmarks.items()}
print(json.dumps({
    "total": time.perf_counter() - t0, "report": report, "timings": run.timings,
    "sessions": len(run.strategy.rows), "trades": len(run.strategy.trades),
    "rss_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    "rss_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    "stats": {k: run.stats()[k] for k in ("cagr", "annual_volatility", "max_drawdown", "sharpe")},
}))
"""


def measure(config: str = "config.json", overrides: tuple[str, ...] = ()) -> dict[str, object]:
    """Run the default backtest in a fresh process; its measurements (see the module docstring)."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-c", _SCRIPT, tmp, config, *overrides], capture_output=True,
                              text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"backtest failed:\n{proc.stderr[-4000:]}")
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def bench_backtest(config: str = "config.json", overrides: tuple[str, ...] = ()) -> list[str]:
    """Measure the default run; returns the report's lines."""
    m = measure(config, overrides)
    t = m["timings"]
    assert isinstance(t, dict)
    total = float(m["total"])  # type: ignore[arg-type]
    sessions = int(m["sessions"])  # type: ignore[call-overload]
    lines = [f"default backtest: {sessions} sessions, {m['trades']} trades, {total:.1f} s wall "
             f"({total / GOAL_SECONDS:.2f} x the {GOAL_SECONDS:.0f} s goal)"]
    parts = ["load", "strategy", "benchmarks"]
    lines.append("  " + ", ".join(f"{p} {float(t.get(p, 0.0)):.1f} s" for p in parts)
                 + f", report {float(m['report']):.1f} s")  # type: ignore[arg-type]
    stage = {k.split(".", 1)[1]: float(v) for k, v in t.items() if k.startswith("strategy.")}
    per = ", ".join(f"{k} {1000 * v / sessions:.1f}" for k, v in sorted(stage.items(), key=lambda kv: -kv[1]))
    lines.append(f"  strategy per session (ms): {per}")
    bench_per = float(t.get("benchmarks", 0.0)) / max(sessions, 1) / 3
    engine_per = stage.get("engine", 0.0) / max(sessions, 1)
    lines.append(f"  engine loop per session: {1000 * engine_per:.1f} ms vs {1000 * bench_per:.1f} ms for a "
                 f"benchmark policy (mean of three, same run): ratio {engine_per / bench_per:.2f}"
                 if bench_per > 0 else "  benchmarks not run")
    rss_self, rss_child = int(m["rss_self"]), int(m["rss_children"])  # type: ignore[call-overload]
    peak = rss_self + rss_child
    lines.append(f"  peak RSS: strategy process {rss_self / 2**20:.0f} MiB, benchmark process "
                 f"{rss_child / 2**20:.0f} MiB, sum {peak / 2**20:.0f} MiB ({peak / GOAL_BYTES:.2f} x the 2 GiB goal)")
    lines.append(f"  strategy stats: {m['stats']}")
    return lines


DEFAULT_OVERRIDES = ("unknown_reference_policy=include",)
"""As ``make backtest``: the default data's underlying is an index, with no earnings dates or issuer rating."""


def bench_engine() -> list[str]:
    """``make bench`` entry: the default run as ``make backtest`` makes it."""
    return bench_backtest(overrides=DEFAULT_OVERRIDES)


if __name__ == "__main__":
    print("\n".join(bench_backtest(overrides=tuple(sys.argv[1:]) or DEFAULT_OVERRIDES)))
