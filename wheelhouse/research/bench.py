"""Search scaling benchmark: the same random search on 1 and on N worker processes, wall time and speed-up.

``python -m wheelhouse.research.bench [--trials 50] [--workers 1 2] [--space research/example_space.json]``

Both runs use a process pool (one worker process for the reference, so both pay the same start-up and
pickling costs) and the same seeded trials. Besides wall time it prints the CPU seconds the trials used
(measured inside each worker) and the load average, because on a shared machine other processes take
cores too: the *efficiency* ``trial CPU / (wall x workers)`` shows how much of the pool's capacity the search
actually got.
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from wheelhouse.research.executors import single_threaded
from wheelhouse.research.search import run_search
from wheelhouse.research.space import load_space
from wheelhouse.research.trial import DataSpec, Trial

ROOT = Path(__file__).resolve().parents[2]


def timed_trial(inner: Trial, parameters: Mapping[str, str], spec: DataSpec) -> dict[str, Any]:
    """Run ``inner`` and add the CPU seconds it took in this worker as ``cpu_seconds``."""
    start = time.process_time()
    answer = inner(parameters, spec)
    answer["cpu_seconds"] = time.process_time() - start
    return answer


def measure(trial: Trial, space_path: Path, spec: DataSpec, trials: int, workers: int, seed: int,
            base: dict[str, str] | None = None) -> dict[str, float]:
    space = load_space(space_path, base)
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=single_threaded) as pool:
        result = run_search(space, functools.partial(timed_trial, trial), spec, pool, "random", trials, seed)
    wall = time.perf_counter() - start
    cpu = sum(r.stats.get("cpu_seconds", 0.0) for r in result.records)
    return {"workers": workers, "trials": len(result.records), "failed": sum(1 for r in result.records if r.error),
            "wall_seconds": wall, "trial_cpu_seconds": cpu, "efficiency": cpu / (wall * workers),
            "load_before": load_before, "load_after": os.getloadavg()[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wheelhouse.research.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--space", type=Path, default=ROOT / "research" / "example_space.json")
    parser.add_argument("--start", type=date.fromisoformat, default=date(1999, 1, 4))
    parser.add_argument("--end", type=date.fromisoformat, default=date(2018, 12, 31))
    parser.add_argument("--data", help="LEAN data folder (default: bundled data)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--trial", default="wheelhouse.research.trial:backtest_trial")
    parser.add_argument("--config", default="config.json", help="base settings (defaults when absent)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a base setting")
    args = parser.parse_args(argv)
    from wheelhouse.commands.optimize import base_parameters, load_trial

    trial = load_trial(args.trial)
    base = base_parameters(args.config, args.set).to_parameters()
    spec = DataSpec(folder=args.data, start=args.start, end=args.end)
    rows = []
    for w in args.workers:
        row = measure(trial, args.space, spec, args.trials, w, args.seed, base)
        rows.append(row)
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}), flush=True)
    reference = rows[0]["wall_seconds"]
    for row in rows[1:]:
        print(f"speed-up {rows[0]['workers']} -> {row['workers']} workers: {reference / row['wall_seconds']:.2f}x "
              f"(ideal {row['workers'] / rows[0]['workers']:.0f}x; efficiency {rows[0]['efficiency']:.2f} -> "
              f"{row['efficiency']:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
