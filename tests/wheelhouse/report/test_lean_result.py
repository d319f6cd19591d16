"""Reading a LEAN backtest result folder (fixture written from LEAN's documented result format)."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from wheelhouse.cli import main
from wheelhouse.errors import CommandError
from wheelhouse.report.lean_result import load_lean_result, parse_statistic, result_file, series_values

FIXTURE = Path(__file__).parent / "fixtures" / "lean_backtest"


@pytest.mark.parametrize(("text", "value"), [("27.500%", 0.275), ("$1,234.50", 1234.5), ("0.348", 0.348),
                                             ("-3.1%", -0.031), ("n/a", None), (None, None)])
def test_parse_statistic(text: object, value: float | None) -> None:
    assert parse_statistic(text) == (pytest.approx(value) if value is not None else None)


def test_series_points_in_every_shape() -> None:
    t = 1420174800  # 2015-01-02 05:00 UTC = midnight in New York
    s = series_values([[t, 1.0], {"x": t + 86400, "y": 2.0}, [t + 2 * 86400, 3, 4, 2, 3.5]])
    assert list(s.index.date) == [date(2015, 1, 2), date(2015, 1, 3), date(2015, 1, 4)]
    assert list(s) == [1.0, 2.0, 3.5]


def test_result_file_follows_the_config_id() -> None:
    assert result_file(FIXTURE).name == "1234567890.json"


def test_equity_trades_and_statistics() -> None:
    data = load_lean_result(FIXTURE)
    eq = data.equity
    assert len(eq) == 41 and eq.index[0].date() == date(2015, 1, 2) and eq.index[-1].date() == date(2015, 2, 27)
    t = data.trades
    assert list(t["action"]) == ["sell_to_open", "buy_to_close", "buy_stock"]  # the cancelled order is left out
    first = t.iloc[0]
    assert (first["underlying"], first["right"], first["strike"], first["expiry"]) == ("SPY", "P", 195.0,
                                                                                        date(2015, 2, 20))
    assert first["premium"] == pytest.approx(2 * 2.15 * 100) and first["fees"] == pytest.approx(1.3)
    assert first["time"] == pd.Timestamp("2015-01-05 10:01")  # exchange time
    s = data.stats
    assert s["win_rate"] == 1.0 and s["total_fees"] == pytest.approx(3.6) and s["model_priced"] is False
    assert s["max_drawdown"] < 0 and s["start"] == "2015-01-02"
    assert s["lean_statistics"]["Drawdown"] == "1.200%"  # type: ignore[index]
    bench = s["benchmarks"]
    assert isinstance(bench, dict) and set(bench) == {"put_write", "buy_write", "underlying"}
    assert bench["put_write"] is None and bench["underlying"]["cagr"] is not None
    assert data.benchmarks["underlying"].iloc[0] == pytest.approx(eq.iloc[0])


def test_report_command_renders_a_lean_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "backtests" / "2015-03-01_00-00-00"
    shutil.copytree(FIXTURE, folder)
    assert main(["report", str(folder)]) == 0
    out = folder / "wheelhouse-report"
    assert "report:" in capsys.readouterr().out and (out / "report.html").is_file()
    stats = json.loads((out / "stats.json").read_text())
    assert stats["benchmarks"]["underlying"]["max_drawdown"] <= 0
    assert "Compounding Annual Return" in (out / "report.html").read_text()  # LEAN's own figures are listed


def test_bad_result_paths(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no LEAN result"):
        load_lean_result(tmp_path)
    assert main(["report", str(tmp_path / "missing")]) == 2
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        load_lean_result(tmp_path / "x.json")


def test_with_benchmarks_adds_the_offline_put_write(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    shutil.copytree(FIXTURE, folder)
    assert main(["report", str(folder), "--with-benchmarks", "--out", str(tmp_path / "out")]) == 0
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    pw = stats["benchmarks"]["put_write"]
    assert pw is not None and pw["model_priced"] is True and pw["premium_collected"] > 0
    bench = pd.read_csv(tmp_path / "out" / "benchmarks.csv")
    assert {"put_write", "buy_write", "underlying"} <= set(bench.columns)
