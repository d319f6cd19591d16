"""``python -m wheelhouse optimize`` end to end on the synthetic trial (the engine's trial is tested apart)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from domain.config import from_parameters
from wheelhouse.cli import main

TRIAL = "tests.research.trials:synthetic_trial"
SPACE = {
    "parameters": {"max_trade_pct": {"min": 0.01, "max": 0.05, "step": 0.01}, "dte_max": {"values": [60, 90]}},
    "objective": {"target": "sharpe", "direction": "max"},
    "constraints": ["drawdown < 0.15"],
}


def _space(tmp_path: Path, doc: dict[str, object] = SPACE) -> str:
    path = tmp_path / "space.json"
    path.write_text(json.dumps(doc))
    return str(path)


def _run(tmp_path: Path, *extra: str, space: dict[str, object] = SPACE) -> int:
    return main(["optimize", "--space", _space(tmp_path, space), "--trial", TRIAL, "--no-report",
                 "--config", str(tmp_path / "none.json"), "--start", "2010-01-01", "--end", "2012-12-31",
                 "--out", str(tmp_path / "out"), "--workers", "1", *extra])


def test_grid_search_writes_results_best_first_and_the_chosen_config(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path, "--method", "grid", "--top", "3") == 0
    out = capsys.readouterr().out
    assert "10 trials (grid" in out and "chosen (trial" in out
    table = pd.read_csv(tmp_path / "out" / "results.csv")
    assert len(table) == 10 and table["objective"].is_monotonic_decreasing
    best = json.loads((tmp_path / "out" / "best.json").read_text())["parameters"]
    cfg = from_parameters(best)  # a valid config.json that `lean backtest .` and `backtest` accept
    assert (cfg.portfolio.max_trade_pct, cfg.screen.dte_max) == (table.loc[0, "max_trade_pct"], table.loc[0, "dte_max"])


def test_set_overrides_the_base_of_every_trial(tmp_path: Path) -> None:
    space = {"parameters": {"dte_max": {"values": [60, 90]}}}
    assert _run(tmp_path, "--method", "grid", "--set", "max_trade_pct=0.03", "--set", "capital_fraction=0.5",
                space=space) == 0
    best = json.loads((tmp_path / "out" / "best.json").read_text())["parameters"]
    assert (best["max_trade_pct"], best["capital_fraction"]) == ("0.03", "0.5")


def test_walk_forward_writes_the_window_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _run(tmp_path, "--walk-forward", "--method", "random", "--trials", "3", "--in-months", "12",
                "--out-months", "12", "--seed", "4")
    assert code == 0
    out = capsys.readouterr().out
    assert "Total in-sample vs out-of-sample gap on sharpe" in out
    summary = json.loads((tmp_path / "out" / "walkforward.json").read_text())
    assert [w["window"] for w in summary["windows"]] == [1, 2]
    assert all(w["trials"] == 3 for w in summary["windows"])
    assert (tmp_path / "out" / "walkforward.md").read_text().startswith("Objective: max sharpe")


@pytest.mark.parametrize(
    ("extra", "space", "message"),
    [
        ((), {"parameters": {"max_trade_pc": {"values": [0.1]}}}, "max_trade_pc"),
        (("--executor", "spark://x"), SPACE, "dask://HOST:PORT"),
        (("--method", "grid", "--trials", "4"), SPACE, "raise --trials"),
        (("--trials", "0"), SPACE, "--trials"),
        (("--data", "/no/such/folder"), SPACE, "no such folder"),
        (("--trial", "nowhere:fn"), SPACE, "MODULE:FUNCTION"),
        (("--set", "max_trade_pct"), SPACE, "NAME=VALUE"),
        (("--set", "max_trade_pct=7"), SPACE, "max_trade_pct"),
    ],
)
def test_user_mistakes_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...],
                                    space: dict[str, object], message: str) -> None:
    assert _run(tmp_path, *extra, space=space) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_no_feasible_configuration_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    space = {"parameters": {"dte_max": {"values": [60, 90]}}, "constraints": ["cagr > 3"]}
    assert _run(tmp_path, "--method", "grid", space=space) == 1
    assert "no trial met every constraint" in capsys.readouterr().err
    assert not (tmp_path / "out" / "best.json").exists()


def test_lean_command_names_the_same_parameters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path, "--lean-command") == 0
    out = capsys.readouterr().out.strip()
    assert out == ("lean optimize . --strategy 'Grid Search' --target 'Sharpe Ratio' --target-direction max "
                   "--parameter max_trade_pct 0.01 0.05 0.01 --constraint 'Drawdown < 0.15'")
    assert not (tmp_path / "out").exists()
