"""Search scaling benchmark: the same random search on 1 and on N worker processes, wall time and speed-up.

``python -m wheelhouse.research.bench [--trials 50] [--workers 1 2] [--space research/example_space.json]``

``--stages`` instead runs the base configuration twice in this process, as one search worker runs two trials
on the same data source, and prints each trial's CPU seconds and its seconds per stage (``BacktestRun.timings``):
the first trial opens and screens the data, the later one finds it remembered.

Both runs use a process pool (one worker process for the reference, so both pay the same start-up and
pickling costs) and the same seeded trials. Besides wall time it prints the CPU seconds the trials used
(measured inside each worker) and the load average, because on a shared machine other processes take
cores too: the *efficiency* ``trial CPU / (wall x workers)`` shows how much of the pool's capacity the search
actually got. As a reference measured in the same run, the same pool sizes run a fixed pure-CPU task; its
speed-up is what the machine could offer at that moment, and the search's speed-up is reported against it.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import sys
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from wheelhouse.research.executors import LocalPool, single_threaded_context
from wheelhouse.research.search import run_search
from wheelhouse.research.space import load_space
from wheelhouse.research.trial import DataSpec, Trial

ROOT = Path(__file__).resolve().parents[2]


def timed_trial(inner: Trial, parameters: Mapping[str, str], spec: DataSpec) -> dict[str, Any]:
    """Run ``inner`` and add the CPU seconds it took in this worker as ``cpu_seconds``, and the worker's peak
    resident memory so far as ``worker_peak_mib``."""
    start = time.process_time()
    answer = inner(parameters, spec)
    answer["cpu_seconds"] = time.process_time() - start
    answer["worker_peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB
    return answer


def cpu_unit(n: int = 6_000_000) -> int:
    """A fixed amount of pure CPU work (no IO, no memory traffic to speak of): the reference task."""
    total = 0
    for i in range(n):
        total = (total + i * i) % 1_000_003
    return total


def reference_wall(workers: int, units: int = 8) -> float:
    """Wall seconds for ``units`` reference tasks on a pool of ``workers`` processes (same pool kind as trials)."""
    with ProcessPoolExecutor(workers, mp_context=single_threaded_context()) as pool:
        list(pool.map(int, [0] * workers))  # start the workers before the clock
        start = time.perf_counter()
        list(pool.map(cpu_unit, [6_000_000] * units))
        return time.perf_counter() - start


def measure(trial: Trial, space_path: Path, spec: DataSpec, trials: int, workers: int, seed: int,
            base: dict[str, str] | None = None) -> dict[str, float]:
    space = load_space(space_path, base)
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    with LocalPool(workers) as pool:  # the pool `optimize --executor local` uses
        timed = functools.partial(timed_trial, trial)
        if hasattr(trial, "affinity"):
            timed.affinity = trial.affinity  # type: ignore[attr-defined]
        result = run_search(space, timed, spec, pool, "random", trials, seed)
    wall = time.perf_counter() - start
    cpu = sum(r.stats.get("cpu_seconds", 0.0) for r in result.records)
    peak = max((r.stats.get("worker_peak_mib", 0.0) for r in result.records), default=0.0)
    return {"workers": workers, "trials": len(result.records), "failed": sum(1 for r in result.records if r.error),
            "wall_seconds": wall, "trial_cpu_seconds": cpu, "efficiency": cpu / (wall * workers),
            "worker_peak_mib": peak,
            "load_before": load_before, "load_after": os.getloadavg()[0]}


def trial_stages(parameters: Mapping[str, str], spec: DataSpec) -> dict[str, dict[str, float]]:
    """The CPU seconds and the seconds per stage of a data source's first trial and of a later one."""
    from wheelhouse.research.engine_trial import backtest, forget_sources

    forget_sources()
    out: dict[str, dict[str, float]] = {}
    for name in ("first", "later"):
        start = time.process_time()
        run = backtest(parameters, spec)
        out[name] = {"cpu_seconds": time.process_time() - start, **run.timings}
    forget_sources()
    return out


def main(argv: list[str] | None = None) -> int:
    from wheelhouse.commands.optimize import add_run_arguments, base_parameters, load_trial

    parser = argparse.ArgumentParser(prog="python -m wheelhouse.research.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--space", type=Path, default=ROOT / "research" / "example_space.json")
    add_run_arguments(parser, date(1999, 1, 4), date(2018, 12, 31))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--trial", default="wheelhouse.research.trial:backtest_trial")
    parser.add_argument("--reference-units", type=int, default=16, help="reference tasks of about 0.6 s each")
    parser.add_argument("--stages", action="store_true",
                        help="a first and a later trial on one data source, per stage, instead of the searches")
    args = parser.parse_args(argv)

    trial = load_trial(args.trial)
    base = base_parameters(args.config, args.set).to_parameters()
    spec = DataSpec(folder=args.data, start=args.start, end=args.end)
    if args.stages:
        for name, row in trial_stages(base, spec).items():
            print(json.dumps({"trial": name, **{k: round(v, 2) for k, v in row.items()}}), flush=True)
        return 0
    rows = []
    for w in args.workers:
        row = measure(trial, args.space, spec, args.trials, w, args.seed, base)
        rows.append(row)
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}), flush=True)
    # What the machine could give at the time: the same pools on a fixed pure-CPU task, measured in this run.
    machine = {w: reference_wall(w, args.reference_units) for w in args.workers}
    print(json.dumps({"reference_wall_seconds": {str(w): round(v, 3) for w, v in machine.items()},
                      "load_now": round(os.getloadavg()[0], 3)}))
    first = rows[0]
    for row in rows[1:]:
        search = first["wall_seconds"] / row["wall_seconds"]
        available = machine[first["workers"]] / machine[row["workers"]]
        print(f"speed-up {first['workers']} -> {row['workers']} workers: search {search:.2f}x; the machine offered "
              f"{available:.2f}x on the reference task (ideal {row['workers'] / first['workers']:.0f}x); "
              f"search scaling relative to the machine {search / available:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
