"""``python -m wheelhouse backtest``: bad input gets a one-line answer; a LEAN folder run writes a report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wheelhouse.cli import main
from wheelhouse.commands.backtest import load_config
from wheelhouse.errors import CommandError


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "/no/such/folder"], "no such folder"),
        (["--start", "2019-13-01"], "is not a date"),
        (["--start", "2010-01-01", "--end", "2009-01-01"], "must be before"),
        (["--config", "/no/such/config.json"], "no such config file"),
        (["--set", "no_equals_sign"], "NAME=VALUE"),
        (["--set", "max_trade_pct=7"], "max_trade_pct"),
        (["--set", "review_mode_backtest=live", "--start", "2010-01-04", "--end", "2010-01-08"], "--network"),
    ],
)
def test_bad_input_is_a_clear_error(args: list[str], message: str, capsys: pytest.CaptureFixture[str],
                                    tmp_path: Path) -> None:
    assert main(["backtest", "--quiet", "--out", str(tmp_path), *args]) == 2
    assert message in capsys.readouterr().err


def test_set_overrides_config_parameters() -> None:
    cfg = load_config("config.json", ["underlyings=GOOG", "trade_threshold=6"])
    assert cfg.general.underlyings == ("GOOG",) and cfg.portfolio.trade_threshold == 6
    with pytest.raises(CommandError):
        load_config("config.json", ["=3"])


def test_lean_folder_run_writes_the_report(lean_data: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["backtest", "--quiet", "--data", str(lean_data), "--set", "underlyings=GOOG", "--set",
                 "resolution=minute", "--start", "2015-12-22", "--end", "2015-12-28", "--out", str(out),
                 "--review-cache", str(tmp_path / "cache"), "--no-benchmarks"])
    assert code == 0
    assert f"report: {out / 'report.html'}" in capsys.readouterr().out
    stats = json.loads((out / "stats.json").read_text())
    assert stats["model_priced"] is False and stats["start"] == "2015-12-22" and stats["end"] == "2015-12-28"
    assert stats["benchmarks"] == {"put_write": None, "buy_write": None, "underlying": None}
    assert "LEAN data folder" in stats["data"]
    assert (out / "state" / "wheelhouse" / "wheel").is_file()  # the run's state, written at the end
