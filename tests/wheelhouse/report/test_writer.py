"""The report folder: file contracts, self-contained HTML, model-priced header, re-rendering."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from domain.config import StrategyConfig
from tests.wheelhouse.engine.synthetic import SyntheticMarket
from wheelhouse.benchmarks import BuyAndHold, BuyWrite, PutWrite
from wheelhouse.cli import main
from wheelhouse.engine.run import BacktestRun
from wheelhouse.engine.simulator import Simulator
from wheelhouse.report import analysis
from wheelhouse.report.model import EQUITY_COLUMNS, TRADE_COLUMNS
from wheelhouse.report.stats import STAT_KEYS
from wheelhouse.report.writer import load_offline, write_report

START, END = date(2020, 1, 1), date(2020, 6, 30)
CFG = StrategyConfig().replace(underlyings="XYZ", initial_cash=100_000)


@pytest.fixture(scope="module")
def run() -> BacktestRun:
    market = SyntheticMarket.path(START, END, seed=11, daily_vol=0.015)
    res = {cls.name: Simulator(market, CFG, cls("XYZ"), START, END).run() for cls in (PutWrite, BuyWrite, BuyAndHold)}
    days = pd.DatetimeIndex([r["date"] for r in res["put_write"].rows])
    # The put-write stands in for the strategy: the report does not care which policy made the run.
    return BacktestRun(CFG, START, END, res["put_write"], res, pd.Series(0.02, index=days), 1.0)


@pytest.fixture(scope="module")
def folder(run: BacktestRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    assert write_report(run.report(), out) == out / "report.html"
    return out


def test_files_follow_the_contracts(run: BacktestRun, folder: Path) -> None:
    tmp_path = folder
    trades = pd.read_csv(tmp_path / "trades.csv")
    assert tuple(trades.columns) == TRADE_COLUMNS
    assert set(trades["action"]) <= {"sell_to_open", "buy_to_close", "expired", "assigned", "called_away",
                                     "exercised", "buy_stock", "sell_stock"}
    equity = pd.read_csv(tmp_path / "equity.csv")
    assert tuple(equity.columns) == EQUITY_COLUMNS and len(equity) == len(run.strategy.rows)
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert set(STAT_KEYS) <= set(stats) and stats["model_priced"] is True
    assert set(stats["benchmarks"]) == {"put_write", "buy_write", "underlying"}
    for b in stats["benchmarks"].values():
        assert set(b) == set(STAT_KEYS)
    assert stats["premium_collected"] == pytest.approx(run.strategy.premium_collected)
    for png in ("equity", "monthly", "greeks", "premium", "regimes", "attribution"):
        assert (tmp_path / f"{png}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_html_is_self_contained_and_says_model_priced(folder: Path) -> None:
    page = (folder / "report.html").read_text()
    assert "Option chains are model-priced" in page
    assert page.count("data:image/png;base64,") >= 6
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "put-write roll" in page  # the trade table carries each trade's reason


def test_offline_folder_re_renders(folder: Path, tmp_path: Path) -> None:
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True)
    first = json.loads((tmp_path / "stats.json").read_text())
    data = load_offline(tmp_path)
    assert data.model_priced and len(data.benchmarks) == 3
    assert main(["report", str(tmp_path)]) == 0
    again = json.loads((tmp_path / "stats.json").read_text())
    assert again["cagr"] == pytest.approx(first["cagr"]) and again["benchmarks"] == first["benchmarks"]


def test_monthly_returns_and_regimes_by_hand() -> None:
    idx = pd.to_datetime(["2020-01-15", "2020-01-31", "2020-02-28", "2020-03-31", "2020-04-30"])
    eq = pd.Series([100.0, 102.0, 101.0, 95.0, 95.5], index=idx)
    m = analysis.monthly_returns(eq, start_value=100.0)
    assert list(m.round(6)) == [0.02, round(101 / 102 - 1, 6), round(95 / 101 - 1, 6), round(95.5 / 95 - 1, 6)]
    labels = analysis.regimes(eq)  # January from its first close: +2 % -> bull
    assert list(labels) == ["bull", "sideways", "bear", "sideways"]
    table = analysis.monthly_table(eq, 100.0)
    assert table.loc[2020, "year"] == pytest.approx(95.5 / 100 - 1)
    split = analysis.regime_split(eq, eq, {}, 100.0)
    assert split.loc["bear", "months"] == 1 and split.loc["bear", "strategy_mean"] == pytest.approx(95 / 101 - 1)
