"""A Dask LocalCluster runs the same search as the local process pool and gives the same table."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tests.research.trials import synthetic_trial
from wheelhouse.research.executors import open_executor
from wheelhouse.research.search import run_search
from wheelhouse.research.space import parse_space
from wheelhouse.research.trial import DataSpec
from wheelhouse.research.walkforward import run_walk_forward

distributed = pytest.importorskip("distributed")

SPEC = DataSpec(start=date(2010, 1, 1), end=date(2011, 12, 31))
SPACE = parse_space({
    "parameters": {"max_trade_pct": {"min": 0.01, "max": 0.05, "step": 0.01}, "dte_max": {"values": [45, 90]}},
    "objective": {"target": "sharpe"},
    "constraints": ["drawdown < 0.2"],
})


@pytest.fixture(scope="module")
def cluster():  # type: ignore[no-untyped-def]
    # Threads in this process (quick to start), but over TCP so the dask://HOST:PORT path is exercised.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  dashboard_address=None) as c:
        yield c


def test_dask_cluster_matches_local_processes(cluster) -> None:  # type: ignore[no-untyped-def]
    address = cluster.scheduler_address.removeprefix("tcp://")
    with open_executor(f"dask://{address}", workers=2) as executor:
        on_dask = run_search(SPACE, synthetic_trial, SPEC, executor, "genetic", n_trials=8, seed=2)
    with open_executor("local", workers=2) as pool:
        local = run_search(SPACE, synthetic_trial, SPEC, pool, "genetic", n_trials=8, seed=2)
    pd.testing.assert_frame_equal(on_dask.table(), local.table())
    assert on_dask.best is not None and on_dask.best.point == local.best.point  # type: ignore[union-attr]


def test_walk_forward_runs_on_dask(cluster) -> None:  # type: ignore[no-untyped-def]
    address = cluster.scheduler_address.removeprefix("tcp://")
    space = parse_space({"parameters": {"max_trade_pct": {"values": [0.02, 0.03]}}})
    with open_executor(f"dask://{address}") as executor:
        report = run_walk_forward(space, synthetic_trial, DataSpec(), executor, date(2010, 1, 1),
                                  date(2012, 12, 31), method="grid", in_months=12, out_months=12)
    assert [r.window.number for r in report.results] == [1, 2]
    assert all(r.chosen == {"max_trade_pct": 0.03} for r in report.results)
