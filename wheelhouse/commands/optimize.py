"""``optimize``: parameter search (grid, random, genetic) or walk-forward validation, on local processes or Dask.

Writes into ``--out`` (default ``optimizations/<timestamp>/``): ``results.csv`` (every trial, best first),
``best.json`` (a config.json with the chosen parameters, usable by ``lean backtest .`` and ``backtest``),
and with ``--walk-forward`` ``walkforward.md`` / ``walkforward.json``. Without ``--walk-forward`` the chosen
configuration is then backtested over the whole period and its report written to ``report/``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import shlex
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

import pandas as pd

from domain.config import ConfigError, StrategyConfig, load_config_json
from wheelhouse.errors import CommandError
from wheelhouse.research.executors import ExecutorError, open_executor
from wheelhouse.research.search import Method, SearchResult, planned_trials, run_search
from wheelhouse.research.space import SearchSpace, lean_optimize_arguments, load_space
from wheelhouse.research.trial import DataSpec, Trial
from wheelhouse.research.walkforward import WalkForwardReport, run_walk_forward, window_summary

DEFAULT_TRIAL = "wheelhouse.research.trial:backtest_trial"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("optimize", help="search strategy settings, or walk forward, on local processes or Dask",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--space", required=True, help="SPACE.json: parameters to vary, objective, constraints")
    p.add_argument("--method", choices=("grid", "random", "genetic"), default="random")
    p.add_argument("--executor", default="local", help="'local' (process pool) or dask://HOST:PORT")
    p.add_argument("--walk-forward", action="store_true", help="rolling in-sample search, out-of-sample report")
    p.add_argument("--trials", type=int, help="trials per search (random/genetic default 50; grid: the whole grid)")
    p.add_argument("--workers", type=int, help="local processes (default: CPU count); Dask: wait for this many")
    add_run_arguments(p)
    p.add_argument("--seed", type=int, help="seed of random and genetic proposals (default: the config's seed)")
    p.add_argument("--in-months", type=int, default=24, help="walk-forward in-sample length (default: 24)")
    p.add_argument("--out-months", type=int, default=12, help="walk-forward out-of-sample length (default: 12)")
    p.add_argument("--top", type=int, default=20, help="rows of the results table to print (default: 20)")
    p.add_argument("--review-cache", default="storage",
                   help="folder of recorded reviews to replay, LEAN's local ObjectStore (default: %(default)s)")
    p.add_argument("--out", type=Path, help="output folder (default: optimizations/<timestamp>)")
    p.add_argument("--no-report", action="store_true", help="skip the full report of the chosen configuration")
    p.add_argument("--lean-command", action="store_true",
                   help="print the equivalent 'lean optimize .' command for the space's numeric grid, then exit")
    p.add_argument("--trial", default=DEFAULT_TRIAL, help=argparse.SUPPRESS)  # MODULE:FUNCTION, for custom trials
    p.set_defaults(func=run)


def load_trial(name: str) -> Trial:
    """The top-level function ``MODULE:FUNCTION`` (it must be importable by every worker)."""
    module_name, _, attr = name.partition(":")
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError):
        raise CommandError(f"trial '{name}' is not an importable MODULE:FUNCTION") from None
    return cast(Trial, fn)


def add_run_arguments(parser: argparse.ArgumentParser, start: date | None = None, end: date | None = None) -> None:
    """The options of the research tools that run backtests: ``--config``, ``--set``, ``--data``, ``--start``,
    ``--end`` (read them with :func:`base_parameters` and ``DataSpec``)."""
    parser.add_argument("--config", default="config.json", help="base settings (config.json; defaults when absent)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override one base parameter for every trial (repeatable), as in the backtest command")
    parser.add_argument("--data", help="LEAN data folder (default: bundled S&P 500 / VIX history)")
    parser.add_argument("--start", type=date.fromisoformat, default=start,
                        help=f"first day (default: {start or 'the config start_date'})")
    parser.add_argument("--end", type=date.fromisoformat, default=end,
                        help=f"last day (default: {end or 'the config end_date'})")


def base_parameters(path: str, overrides: list[str] | None = None) -> StrategyConfig:
    """``path``'s parameters (defaults when the file is absent) with ``NAME=VALUE`` overrides applied."""
    p = Path(path)
    config = load_config_json(p) if p.exists() else StrategyConfig()
    changes: dict[str, str] = {}
    for item in overrides or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"--set {item!r}: expected NAME=VALUE")
        changes[name.strip()] = value.strip()
    return config.replace(**changes) if changes else config


def _progress(total: int, label: str) -> tuple[Callable[[int], None], Any]:
    from tqdm import tqdm

    bar = tqdm(total=total, desc=label, unit="trial", file=sys.stderr, disable=None)
    return bar.update, bar


def _format(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False, float_format=lambda v: f"{v:.4g}")


def _write_best(out: Path, parameters: dict[str, str]) -> Path:
    doc = {"algorithm-language": "Python", "parameters": parameters}
    path = out / "best.json"
    path.write_text(json.dumps(doc, indent=4) + "\n")
    return path


def run(args: argparse.Namespace) -> int:
    try:
        config = base_parameters(args.config, args.set)
        space = load_space(args.space, base=config.to_parameters())
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    if args.lean_command:
        print("lean optimize . " + shlex.join(lean_optimize_arguments(space)))
        return 0
    if args.trials is not None and args.trials < 1:
        raise CommandError("--trials must be at least 1")
    trial = load_trial(args.trial)
    start = args.start or config.general.start_date
    end = args.end or config.general.end_date
    if not start < end:
        raise CommandError(f"--start ({start}) must be before --end ({end})")
    if args.data and not Path(args.data).is_dir():
        raise CommandError(f"--data {args.data}: no such folder")
    seed = config.general.seed if args.seed is None else args.seed
    cache = Path(args.review_cache) if args.review_cache else None
    spec = DataSpec(folder=str(Path(args.data).resolve()) if args.data else None, start=start, end=end,
                    review_cache=str(cache.resolve()) if cache is not None and cache.is_dir() else None)
    out: Path = args.out or Path("optimizations") / datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    out.mkdir(parents=True, exist_ok=True)
    method = cast(Method, args.method)
    try:
        with open_executor(args.executor, args.workers) as executor:
            if args.walk_forward:
                return _walk_forward(args, space, trial, spec, executor, method, seed, out)
            return _search(args, space, trial, spec, executor, method, seed, out)
    except ExecutorError as exc:
        raise CommandError(str(exc)) from None
    except ConfigError as exc:
        raise CommandError(str(exc)) from None


def _search(args: argparse.Namespace, space: SearchSpace, trial: Trial, spec: DataSpec, executor: Any,
            method: Method, seed: int, out: Path) -> int:
    update, bar = _progress(planned_trials(space, method, args.trials), f"{method} search")
    try:
        result: SearchResult = run_search(space, trial, spec, executor, method, args.trials, seed, update)
    finally:
        bar.close()
    table = result.table()
    table.to_csv(out / "results.csv", index=False)
    print(f"{len(result.records)} trials ({method}, {spec.label()}); objective: {space.objective.direction} "
          f"{space.objective.target}" + (f"; constraints: {', '.join(map(str, space.constraints))}"
                                         if space.constraints else ""))
    if result.skipped:
        print(f"{len(result.skipped)} point(s) skipped: they break a config rule (first: {result.skipped[0][1]})")
    print(_format(table.head(args.top)))
    best = result.best
    print(f"\nresults: {out / 'results.csv'}")
    if best is None:
        errors = [r.error for r in result.records if r.error]
        reason = f"every trial failed (first: {errors[0]})" if len(errors) == len(result.records) else \
            "no trial met every constraint"
        print(f"no configuration chosen: {reason}", file=sys.stderr)
        return 1
    params = space.parameters(best.point)
    print(f"chosen (trial {best.number}): {json.dumps(best.point)} -> {_write_best(out, params)}")
    if not args.no_report:
        _report(params, spec, out / "report")
    return 0


def _walk_forward(args: argparse.Namespace, space: SearchSpace, trial: Trial, spec: DataSpec, executor: Any,
                  method: Method, seed: int, out: Path) -> int:
    assert spec.start is not None and spec.end is not None
    from wheelhouse.research.walkforward import windows

    plan = windows(spec.start, spec.end, args.in_months, args.out_months)
    per_window = planned_trials(space, method, args.trials) if space.dimensions else 1
    update, bar = _progress(len(plan) * (per_window + 1), "walk-forward")
    try:
        report: WalkForwardReport = run_walk_forward(
            space, trial, spec, executor, spec.start, spec.end, method, args.trials, seed,
            args.in_months, args.out_months, progress=update)
    finally:
        bar.close()
    text = report.markdown()
    (out / "walkforward.md").write_text(text + "\n")
    (out / "walkforward.json").write_text(json.dumps(window_summary(report), indent=2, default=str) + "\n")
    print(text)
    last = report.results[-1]
    best = _write_best(out, space.parameters(last.chosen))
    print(f"\nwalk-forward report: {out / 'walkforward.md'}; latest window's choice: {json.dumps(last.chosen)} -> {best}")
    return 0


def _report(parameters: dict[str, str], spec: DataSpec, folder: Path) -> None:
    """Backtest the chosen configuration over the whole period and write the engine's report."""
    from wheelhouse.research.engine_trial import EngineUnavailable, write_report

    try:
        path = write_report(parameters, spec, folder)
    except EngineUnavailable as exc:
        print(f"report skipped: {exc}", file=sys.stderr)
        return
    print(f"report of the chosen configuration: {path}")
