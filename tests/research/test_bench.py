"""The scaling benchmark runs the same seeded search on each pool size and reports the speed-up."""

from __future__ import annotations

import json

import pytest

from wheelhouse.research import bench


@pytest.mark.slow
def test_bench_prints_one_row_per_pool_and_the_speed_up(capsys: pytest.CaptureFixture[str]) -> None:
    code = bench.main(["--trials", "3", "--workers", "1", "2", "--trial", "tests.research.trials:synthetic_trial",
                       "--start", "2010-01-01", "--end", "2011-12-31", "--config", "/no/such/config.json",
                       "--reference-units", "2"])
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rows = [json.loads(line) for line in lines[:2]]
    assert [r["workers"] for r in rows] == [1, 2] and all(r["trials"] == 3 and r["failed"] == 0 for r in rows)
    assert all(r["trial_cpu_seconds"] > 0 for r in rows)
    assert set(json.loads(lines[2])["reference_wall_seconds"]) == {"1", "2"}
    assert lines[3].startswith("speed-up 1 -> 2 workers: search")


def test_timed_trial_adds_cpu_seconds() -> None:
    from tests.research.trials import synthetic_trial
    from wheelhouse.research.trial import DataSpec

    answer = bench.timed_trial(synthetic_trial, {}, DataSpec())
    assert answer["cpu_seconds"] >= 0 and "sharpe" in answer


@pytest.mark.slow
def test_stages_prints_a_first_and_a_later_trial_on_one_source(capsys: pytest.CaptureFixture[str]) -> None:
    from wheelhouse.research.engine_trial import _open

    code = bench.main(["--stages", "--start", "2010-03-01", "--end", "2010-04-30", "--config", "/no/such/config.json",
                       "--set", "unknown_reference_policy=include"])
    assert code == 0 and len(_open) == 0  # the process keeps no source afterwards
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [r["trial"] for r in rows] == ["first", "later"]
    for r in rows:
        stages = [k for k in r if k.startswith("strategy.")]
        assert {"strategy.screen", "strategy.review", "strategy.engine"} <= set(stages)
        assert r["cpu_seconds"] > 0 and r["strategy"] == pytest.approx(sum(r[k] for k in stages), abs=0.05)
