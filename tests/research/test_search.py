"""Grid, random and genetic search on a synthetic trial whose optimum is known."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pandas as pd
import pytest

from tests.research.trials import failing_trial, pid_trial, synthetic_trial
from wheelhouse.research.executors import ExecutorError, dask_address, open_executor
from wheelhouse.research.search import grid_points, random_points, run_search
from wheelhouse.research.space import SpaceError, parse_space
from wheelhouse.research.trial import DataSpec

SPEC = DataSpec(start=date(2010, 1, 1), end=date(2011, 12, 31))
SPACE = parse_space({
    "parameters": {
        "max_trade_pct": {"min": 0.01, "max": 0.05, "step": 0.01},
        "dte_max": {"values": [45, 60, 90]},
    },
    "objective": {"target": "sharpe", "direction": "max"},
})


@pytest.fixture(scope="module")
def threads() -> ThreadPoolExecutor:
    with ThreadPoolExecutor(2) as pool:
        yield pool  # type: ignore[misc]


def test_grid_covers_every_point_and_ranks_by_objective(threads: ThreadPoolExecutor) -> None:
    result = run_search(SPACE, synthetic_trial, SPEC, threads, "grid")
    assert len(result.records) == 15
    ranked = result.ranked()
    assert [r.objective for r in ranked] == sorted((r.objective for r in ranked), reverse=True)
    # Same noise for every point, volatility cancels in the Sharpe ratio: the analytic best point wins.
    assert result.best is not None and result.best.point == {"max_trade_pct": 0.03, "dte_max": 90}
    table = result.table()
    assert list(table.columns[:4]) == ["rank", "trial", "max_trade_pct", "dte_max"]
    assert table["rank"].tolist() == list(range(1, 16))


def test_constraints_push_violators_down(threads: ThreadPoolExecutor) -> None:
    space = parse_space({"parameters": {"max_trade_pct": {"min": 0.01, "max": 0.05, "step": 0.01}},
                         "constraints": ["annual_volatility < 0.07"]})
    result = run_search(space, synthetic_trial, SPEC, threads, "grid")
    feasible = {r.point["max_trade_pct"] for r in result.records if r.feasible}
    assert feasible == {0.01, 0.02, 0.03}  # vol = 0.10 x pct / 0.05 -> 0.02, 0.04, 0.06 pass; 0.08, 0.10 fail
    assert result.best is not None and result.best.point == {"max_trade_pct": 0.03}
    assert all(r.feasible for r in result.ranked()[:3])
    assert "annual_volatility < 0.07" in result.table().iloc[-1]["note"]


def test_no_feasible_trial_means_no_best(threads: ThreadPoolExecutor) -> None:
    space = parse_space({"parameters": {"max_trade_pct": {"values": [0.04, 0.05]}}, "constraints": ["cagr > 5"]})
    result = run_search(space, synthetic_trial, SPEC, threads, "grid")
    assert result.best is None and len(result.ranked()) == 2


def test_invalid_points_are_skipped_not_run(threads: ThreadPoolExecutor) -> None:
    space = parse_space({"parameters": {"dte_min": {"values": [30, 60]}, "dte_max": {"values": [45, 90]}}})
    valid, skipped = grid_points(space)
    assert {(p["dte_min"], p["dte_max"]) for p in valid} == {(30, 45), (30, 90), (60, 90)}
    assert len(skipped) == 1 and "dte_min" in skipped[0][1]
    result = run_search(space, synthetic_trial, SPEC, threads, "grid")
    assert len(result.records) == 3 and len(result.skipped) == 1


def test_grid_larger_than_the_trial_budget_is_refused(threads: ThreadPoolExecutor) -> None:
    with pytest.raises(SpaceError, match="15 points"):
        run_search(SPACE, synthetic_trial, SPEC, threads, "grid", n_trials=10)


def test_random_is_seeded_distinct_and_bounded_by_the_space() -> None:
    a, _ = random_points(SPACE, 8, seed=3)
    b, _ = random_points(SPACE, 8, seed=3)
    c, _ = random_points(SPACE, 8, seed=4)
    assert a == b and a != c
    assert len({tuple(p.values()) for p in a}) == 8
    everything, _ = random_points(SPACE, 100, seed=3)
    assert len(everything) == 15  # only 15 distinct points exist


def test_failing_trial_is_recorded_and_ranked_last(threads: ThreadPoolExecutor) -> None:
    result = run_search(SPACE, failing_trial, SPEC, threads, "grid")
    failed = [r for r in result.records if r.error]
    assert len(failed) == 5 and all("free_cash_non_negative" in (r.error or "") for r in failed)
    assert all(r.error for r in result.ranked()[-5:])


def test_genetic_search_is_seeded_spends_its_budget_and_beats_its_first_generation(threads: ThreadPoolExecutor) -> None:
    space = parse_space({"parameters": {"max_trade_pct": {"min": 0.005, "max": 0.06},
                                        "dte_max": {"min": 30, "max": 120}}})
    one = run_search(space, synthetic_trial, SPEC, threads, "genetic", n_trials=24, seed=11)
    two = run_search(space, synthetic_trial, SPEC, threads, "genetic", n_trials=24, seed=11)
    assert [r.point for r in one.records] == [r.point for r in two.records]
    assert len(one.records) == 24
    assert len({tuple(r.point.values()) for r in one.records}) == 24
    first = max(r.objective for r in one.records if r.generation == 0)
    assert one.best is not None and one.best.objective >= first
    assert max(r.generation for r in one.records) >= 3
    # The genetic search should approach the analytic optimum (max_trade_pct 0.03, dte_max >= 90).
    top = one.best.point
    assert abs(top["max_trade_pct"] - 0.03) < 0.01 and top["dte_max"] >= 70


def test_genetic_on_a_tiny_space_stops_when_exhausted(threads: ThreadPoolExecutor) -> None:
    space = parse_space({"parameters": {"dte_max": {"values": [45, 60, 90]}}})
    result = run_search(space, synthetic_trial, SPEC, threads, "genetic", n_trials=20, seed=1)
    assert sorted(r.point["dte_max"] for r in result.records) == [45, 60, 90]


def test_empty_space_runs_the_base_configuration_once(threads: ThreadPoolExecutor) -> None:
    space = parse_space({"parameters": {}}, base={"max_trade_pct": "0.03"})
    result = run_search(space, synthetic_trial, SPEC, threads, "random")
    assert len(result.records) == 1 and result.records[0].point == {}


def test_local_process_pool_gives_the_same_table_as_threads(threads: ThreadPoolExecutor) -> None:
    expected = run_search(SPACE, synthetic_trial, SPEC, threads, "random", n_trials=6, seed=5).table()
    before = os.environ.get("OPENBLAS_NUM_THREADS")
    with open_executor("local", workers=2) as pool:
        got = run_search(SPACE, synthetic_trial, SPEC, pool, "random", n_trials=6, seed=5).table()
        threads = [pool.submit(os.getenv, name).result() for name in ("NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS")]
    pd.testing.assert_frame_equal(expected, got)
    assert threads == ["1", "1"]  # one worker process per core, each single-threaded from its start
    assert os.environ.get("OPENBLAS_NUM_THREADS") == before  # the parent's environment is left alone


def test_executor_names() -> None:
    assert dask_address("dask://10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    assert dask_address("tls://h:1") == "tls://h:1"
    assert dask_address("local") is None
    with pytest.raises(ExecutorError, match="dask://HOST:PORT"), open_executor("ray://x"):
        pass
    with pytest.raises(ExecutorError, match="cannot reach"), open_executor("dask://127.0.0.1:9", timeout=0.5):
        pass



def test_jobs_sharing_an_affinity_key_are_submitted_together_and_answered_in_job_order() -> None:
    from wheelhouse.research.executors import evaluate

    calls: list[str] = []

    def trial(params: dict[str, str], spec: DataSpec) -> dict[str, float]:
        calls.append(params["name"])
        return {"value": float(params["name"][1:])}

    trial.affinity = lambda params, spec: params["data"]  # type: ignore[attr-defined]
    jobs = [({"name": f"j{i}", "data": d}, SPEC) for i, d in enumerate("abcabca")]
    with ThreadPoolExecutor(1) as one:
        outcomes = evaluate(one, trial, jobs)
    assert calls == ["j0", "j3", "j6", "j1", "j4", "j2", "j5"]
    assert [answer["value"] for answer, _ in outcomes] == [0, 1, 2, 3, 4, 5, 6]  # type: ignore[index]
    del trial.affinity  # type: ignore[attr-defined]
    calls.clear()
    with ThreadPoolExecutor(1) as one:
        evaluate(one, trial, jobs)
    assert calls == [f"j{i}" for i in range(7)]



def test_the_local_pool_runs_each_affinity_group_in_one_process_largest_first() -> None:
    from wheelhouse.research.executors import LocalPool, evaluate

    jobs = [({"name": f"j{i}", "data": d}, SPEC) for i, d in enumerate("aabbbcaab")]  # a: 4, b: 4, c: 1
    trial = pid_trial
    with LocalPool(2) as pool:
        outcomes = evaluate(pool, trial, jobs)
        assert pool.workers == 2
        # submit_together: one process for all of them
        together = pool.submit_together([(os.getpid, (), {}) for _ in range(3)])
        assert len({f.result() for f in together}) == 1
    answers = [answer for answer, _ in outcomes]
    assert [a["value"] for a in answers] == list(range(9))  # type: ignore[index]
    pid = {d: {a["pid"] for a, (p, _) in zip(answers, jobs, strict=True) if p["data"] == d}  # type: ignore[index]
           for d in "abc"}
    assert all(len(p) == 1 for p in pid.values())  # each group ran in one process
    assert pid["a"] != pid["b"]  # the two large groups went to different processes
    # one key for every job: cut into one part per process, so both work
    single = [({"name": f"j{i}", "data": "a"}, SPEC) for i in range(6)]
    with LocalPool(2) as pool:
        answers = [answer for answer, _ in evaluate(pool, trial, single)]
    assert [a["value"] for a in answers] == list(range(6))  # type: ignore[index]
    assert len({a["pid"] for a in answers[:3]}) == 1 and len({a["pid"] for a in answers}) == 2  # type: ignore[index]


def test_the_local_pool_gives_the_next_group_to_the_process_that_is_free_first() -> None:
    """A long group keeps one process busy; the short groups after it all go to the other process, which
    frees up first, rather than alternating between the two."""
    from wheelhouse.research.executors import LocalPool, evaluate

    jobs = [({"name": "j0", "data": "long", "sleep": "3"}, SPEC)]
    jobs += [({"name": f"j{i}", "data": f"short{i}", "sleep": "0.05"}, SPEC) for i in range(1, 5)]
    with LocalPool(2) as pool:
        answers = [answer for answer, _ in evaluate(pool, pid_trial, jobs)]
    assert [a["value"] for a in answers] == list(range(5))  # type: ignore[index]
    pids = [a["pid"] for a in answers]  # type: ignore[index]
    assert len(set(pids[1:])) == 1 and pids[0] != pids[1]


def test_the_local_pool_reports_failures_and_cancels_what_waits() -> None:
    from concurrent.futures import CancelledError

    from wheelhouse.research.executors import LocalPool

    with LocalPool(1) as pool:
        failing = pool.submit(pid_trial, {"sleep": "0"}, SPEC)  # no "name": KeyError in the worker
        after = pool.submit(pid_trial, {"name": "j2"}, SPEC)
        with pytest.raises(KeyError):
            failing.result(timeout=60)
        assert after.result(timeout=60)["value"] == 2.0  # the process goes on after a failure
    pool = LocalPool(1)
    slow = pool.submit(pid_trial, {"name": "j1", "sleep": "1"}, SPEC)
    waiting = pool.submit_together([(pid_trial, ({"name": f"j{i}"}, SPEC), {}) for i in range(3)])
    pool.shutdown(cancel_futures=True)
    assert slow.result()["value"] == 1.0
    assert all(f.cancelled() for f in waiting)
    with pytest.raises(CancelledError):
        waiting[0].result()
    with pytest.raises(RuntimeError, match="after shutdown"):
        pool.submit(pid_trial, {"name": "j9"}, SPEC)
