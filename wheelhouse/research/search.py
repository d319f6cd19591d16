"""Grid, random and genetic search over config settings, with constraints, on any executor.

Every method proposes points (parameter values), checks each against the config's own validation (a point
that breaks a cross-field rule is skipped with the config's message and costs no trial), runs the trials on
the executor, and ranks the answers: feasible trials (every constraint holds) first, best objective first.
Proposals depend only on the seed and on earlier answers taken in trial order, never on which worker
finished first, so the same search gives the same table on a process pool and on a Dask cluster.

The genetic search is a small steady, seeded GA: tournament selection on rank, uniform crossover,
per-gene mutation (a neighbouring grid point, another listed value, or a Gaussian step of 10% of a
continuous range), the best two carried over, and no point evaluated twice.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from wheelhouse.research.executors import evaluate
from wheelhouse.research.space import Dimension, SearchSpace, SpaceError, points_key
from wheelhouse.research.trial import DataSpec, Trial, stats_of

Method = Literal["grid", "random", "genetic"]
Point = dict[str, Any]
Progress = Callable[[int], None]


@dataclass(frozen=True)
class TrialRecord:
    """One evaluated point: its statistics, objective, violated constraints, or the error it raised."""

    number: int
    point: Point
    stats: dict[str, float]
    objective: float
    violations: tuple[str, ...] = ()
    error: str | None = None
    generation: int = 0

    @property
    def feasible(self) -> bool:
        return self.error is None and not self.violations and math.isfinite(self.objective)


@dataclass
class SearchResult:
    """All trials of a search; :meth:`ranked` puts feasible trials first, best objective first."""

    space: SearchSpace
    method: str
    records: list[TrialRecord] = field(default_factory=list)
    skipped: list[tuple[Point, str]] = field(default_factory=list)

    def rank_key(self, r: TrialRecord) -> tuple[int, int, float, int]:
        return (0 if r.feasible else 1, len(r.violations) + (1 if r.error else 0),
                self.space.objective.sort_key(r.objective), r.number)

    def ranked(self) -> list[TrialRecord]:
        return sorted(self.records, key=self.rank_key)

    @property
    def best(self) -> TrialRecord | None:
        """The best feasible trial, or None when no trial met every constraint."""
        ranked = self.ranked()
        return ranked[0] if ranked and ranked[0].feasible else None

    def table(self, metrics: Sequence[str] = ("cagr", "annual_volatility", "sharpe", "drawdown")) -> pd.DataFrame:
        """One row per trial, best first: rank, trial number, the varied parameters, objective, statistics."""
        rows = []
        for rank, r in enumerate(self.ranked(), start=1):
            row: dict[str, Any] = {"rank": rank, "trial": r.number}
            row.update(r.point)
            row["objective"] = r.objective
            row.update({m: r.stats.get(m, math.nan) for m in metrics})
            row["feasible"] = r.feasible
            row["note"] = r.error or "; ".join(r.violations)
            rows.append(row)
        return pd.DataFrame(rows)


def _record(space: SearchSpace, number: int, point: Point, outcome: tuple[dict[str, Any] | None, str | None],
            generation: int = 0) -> TrialRecord:
    answer, error = outcome
    if answer is None:
        return TrialRecord(number, point, {}, math.nan, (), error or "no result", generation)
    stats = stats_of(answer)
    return TrialRecord(number, point, stats, space.objective.value(stats), space.feasible(stats), None, generation)


def _run(space: SearchSpace, trial: Trial, spec: DataSpec, executor: Executor, points: Sequence[Point],
         first_number: int, progress: Progress | None, generation: int = 0) -> list[TrialRecord]:
    jobs = [(space.parameters(p), spec) for p in points]
    outcomes = evaluate(executor, trial, jobs, progress)
    return [_record(space, first_number + i, p, o, generation) for i, (p, o) in enumerate(zip(points, outcomes, strict=True))]


def grid_points(space: SearchSpace, limit: int | None = None) -> tuple[list[Point], list[tuple[Point, str]]]:
    """Every valid grid point (and the invalid ones with the config's reason)."""
    if limit is not None and space.grid_size() > limit:
        raise SpaceError(f"the grid has {space.grid_size()} points, more than {limit} trials: "
                         "raise --trials or use --method random")
    names = space.names
    valid: list[Point] = []
    skipped: list[tuple[Point, str]] = []
    for combo in itertools.product(*(d.grid() for d in space.dimensions)):
        point = dict(zip(names, combo, strict=True))
        error = space.check(point)
        if error:
            skipped.append((point, error))
        else:
            valid.append(point)
    return valid, skipped


def random_points(space: SearchSpace, n: int, seed: int) -> tuple[list[Point], list[tuple[Point, str]]]:
    """Up to ``n`` distinct valid points drawn with ``seed`` (fewer when the space is smaller)."""
    rng = np.random.default_rng(seed)
    seen: set[tuple[str, ...]] = set()
    valid: list[Point] = []
    skipped: list[tuple[Point, str]] = []
    attempts = 0
    while len(valid) < n and attempts < 50 * n + 100:
        attempts += 1
        point = {d.name: d.sample(rng) for d in space.dimensions}
        key = points_key(point, space.names)
        if key in seen:
            continue
        seen.add(key)
        error = space.check(point)
        if error:
            skipped.append((point, error))
        else:
            valid.append(point)
    return valid, skipped


def _mutate_gene(d: Dimension, value: Any, rng: np.random.Generator) -> Any:
    if d.continuous:
        assert d.low is not None and d.high is not None
        step = rng.normal(0.0, 0.1 * (d.high - d.low))
        return d.cast(min(d.high, max(d.low, float(value) + step)))
    points = d.grid()
    if len(points) == 1:
        return value
    i = points.index(value) if value in points else 0
    if d.values and d.kind is str:  # unordered choices: any other value
        return points[(i + int(rng.integers(1, len(points)))) % len(points)]
    j = min(len(points) - 1, max(0, i + (1 if rng.random() < 0.5 else -1)))
    return points[j]


def _tournament(ranked: Sequence[TrialRecord], rng: np.random.Generator) -> TrialRecord:
    a, b = rng.integers(len(ranked)), rng.integers(len(ranked))
    return ranked[min(a, b)]  # ``ranked`` is best first, so the smaller index wins


def genetic_search(space: SearchSpace, trial: Trial, spec: DataSpec, executor: Executor, n_trials: int,
                   seed: int, population: int | None = None, progress: Progress | None = None) -> SearchResult:
    """A seeded genetic search spending at most ``n_trials`` trials (see the module docstring)."""
    result = SearchResult(space, "genetic")
    rng = np.random.default_rng(seed)
    size = population or max(4, min(20, math.ceil(n_trials / 4)))
    first, skipped = random_points(space, min(size, n_trials), seed)
    result.skipped.extend(skipped)
    seen = {points_key(p, space.names) for p in first} | {points_key(p, space.names) for p, _ in skipped}
    result.records.extend(_run(space, trial, spec, executor, first, 1, progress, generation=0))
    rate = max(0.2, 1.0 / max(1, len(space.dimensions)))
    generation = 0
    while len(result.records) < n_trials and generation < 4 * math.ceil(n_trials / size) + 4:
        generation += 1
        ranked = result.ranked()
        want = min(size, n_trials - len(result.records))
        children: list[Point] = []
        tries = 0
        while len(children) < want and tries < 40 * want:
            tries += 1
            a, b = _tournament(ranked, rng), _tournament(ranked, rng)
            child = {d.name: (a.point if rng.random() < 0.5 else b.point)[d.name] for d in space.dimensions}
            for d in space.dimensions:
                if rng.random() < rate:
                    child[d.name] = _mutate_gene(d, child[d.name], rng)
            key = points_key(child, space.names)
            if key in seen:
                continue
            seen.add(key)
            error = space.check(child)
            if error:
                result.skipped.append((child, error))
                continue
            children.append(child)
        if not children:
            break  # the space is exhausted around the population
        number = len(result.records) + 1
        result.records.extend(_run(space, trial, spec, executor, children, number, progress, generation))
    return result


def run_search(
    space: SearchSpace,
    trial: Trial,
    spec: DataSpec,
    executor: Executor,
    method: Method = "random",
    n_trials: int | None = None,
    seed: int = 7,
    progress: Progress | None = None,
) -> SearchResult:
    """Search ``space`` with ``method`` and return every trial.

    ``n_trials``: random and genetic spend at most this many (default 50); a grid larger than it is refused
    (no limit when None). An empty space runs the base configuration once.
    """
    if not space.dimensions:
        records = _run(space, trial, spec, executor, [{}], 1, progress)
        return SearchResult(space, method, records)
    if method == "grid":
        points, skipped = grid_points(space, n_trials)
    elif method == "random":
        points, skipped = random_points(space, n_trials or 50, seed)
    elif method == "genetic":
        return genetic_search(space, trial, spec, executor, n_trials or 50, seed, progress=progress)
    else:
        raise SpaceError(f"search method '{method}' must be grid, random or genetic")
    if not points:
        raise SpaceError("no valid point in the space: every combination breaks a config rule "
                         f"(first: {skipped[0][1] if skipped else 'empty space'})")
    result = SearchResult(space, method, skipped=skipped)
    result.records = _run(space, trial, spec, executor, points, 1, progress)
    return result


def planned_trials(space: SearchSpace, method: Method, n_trials: int | None) -> int:
    """How many trials a search will run at most (for a progress bar)."""
    if not space.dimensions:
        return 1
    if method == "grid":
        return space.grid_size()
    return n_trials or 50


def point_parameters(space: SearchSpace, point: Mapping[str, Any]) -> dict[str, str]:
    """The full parameter set (base plus point) of a trial, as config.json strings."""
    return space.parameters(point)
