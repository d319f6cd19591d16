"""Write a report folder, and read an offline one back.

Files (``<out>/``):

* ``report.html``: the self-contained report; ``<chart>.png``: each chart on its own;
* ``stats.json``: :data:`wheelhouse.report.stats.STAT_KEYS` for the strategy, ``benchmarks: {put_write,
  buy_write, underlying}`` with the same keys (null when not run), and run facts (``start``, ``end``,
  ``initial_cash``, ``final_equity``, ``data``, ``attribution``, ``regimes``, ...);
* ``trades.csv``: :data:`wheelhouse.report.model.TRADE_COLUMNS`; ``equity.csv``:
  :data:`wheelhouse.report.model.EQUITY_COLUMNS` (the file contracts);
* ``daily.csv`` (every per-session column: Greeks, theta, VIX, attribution, sector exposure),
  ``benchmarks.csv`` (benchmark equity by date), ``closed.csv`` (option round trips): what a re-render needs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from wheelhouse.report import analysis, charts
from wheelhouse.report.html import render
from wheelhouse.report.model import EQUITY_COLUMNS, TRADE_COLUMNS, ReportData


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def tables_of(data: ReportData) -> dict[str, pd.DataFrame]:
    """The report's tables: regime split, attribution totals, then any the data brought (LEAN statistics)."""
    out: dict[str, pd.DataFrame] = {}
    if data.underlying is not None and len(data.underlying) > 1:
        out["Regime split (mean monthly return; bull/bear: the underlying moved 2% or more that month)"] = (
            analysis.regime_split(data.equity, data.underlying, data.benchmarks, data.start_value))
    totals = analysis.attribution_totals(data.daily)
    if totals:
        frame = pd.DataFrame({"USD": list(totals.values()), "source": [analysis.ATTRIBUTION[k] for k in totals]},
                             index=pd.Index(list(totals), name="part"))
        out["P&L attribution (USD over the run)"] = frame
    out.update(data.tables)
    return out


def render_charts(data: ReportData, tables: dict[str, pd.DataFrame]) -> dict[str, bytes | None]:
    regime = next((t for name, t in tables.items() if name.startswith("Regime split")), None)
    return {
        "equity": charts.equity_chart(data),
        "monthly": charts.monthly_heatmap(data),
        "greeks": charts.greeks_chart(data),
        "sectors": charts.sector_chart(data),
        "premium": charts.premium_chart(data),
        "regimes": charts.regime_chart(regime) if regime is not None else None,
        "attribution": charts.attribution_chart(data),
    }


def write_report(data: ReportData, out: str | Path) -> Path:
    """Write every file of the report into ``out`` (created); returns the path of ``report.html``."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    tables = tables_of(data)
    stats = dict(data.stats)
    regime = next((t for name, t in tables.items() if name.startswith("Regime split")), None)
    if regime is not None:
        stats["regimes"] = {str(k): {c: row[c] for c in regime.columns} for k, row in regime.iterrows()}
    totals = analysis.attribution_totals(data.daily)
    if totals:
        stats["attribution"] = totals
    (folder / "stats.json").write_text(json.dumps(_jsonable(stats), indent=2, sort_keys=False) + "\n")
    trades = data.trades.copy()
    for c in TRADE_COLUMNS:
        if c not in trades:
            trades[c] = np.nan
    trades[list(TRADE_COLUMNS)].to_csv(folder / "trades.csv", index=False, float_format="%.10g")
    daily = data.daily.copy()
    daily.index = pd.DatetimeIndex(daily.index).date
    daily.index.name = "date"
    eq = daily.reset_index()
    for c in EQUITY_COLUMNS:
        if c not in eq:
            eq[c] = np.nan
    eq[list(EQUITY_COLUMNS)].to_csv(folder / "equity.csv", index=False, float_format="%.10g")
    daily.to_csv(folder / "daily.csv", float_format="%.10g")
    if data.benchmarks:
        bench = pd.DataFrame(data.benchmarks)
        bench.index = pd.DatetimeIndex(bench.index).date
        bench.index.name = "date"
        bench.to_csv(folder / "benchmarks.csv", float_format="%.10g")
    if data.closed is not None:
        data.closed.to_csv(folder / "closed.csv", index=False, float_format="%.10g")
    pngs = render_charts(data, tables)
    for name, png in pngs.items():
        if png:
            (folder / f"{name}.png").write_bytes(png)
    page = render(ReportData(**{**data.__dict__, "stats": stats}), pngs, tables)
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def load_offline(folder: str | Path) -> ReportData:
    """A report folder written by :func:`write_report` (for re-rendering)."""
    f = Path(folder)
    stats = json.loads((f / "stats.json").read_text())
    daily = pd.read_csv(f / "daily.csv", index_col="date", parse_dates=["date"])
    trades = pd.read_csv(f / "trades.csv")
    benchmarks: dict[str, pd.Series] = {}
    if (f / "benchmarks.csv").is_file():
        b = pd.read_csv(f / "benchmarks.csv", index_col="date", parse_dates=["date"])
        benchmarks = {c: b[c].dropna() for c in b.columns}
    closed = pd.read_csv(f / "closed.csv", parse_dates=["closed"]) if (f / "closed.csv").is_file() else None
    underlying = daily["underlying_price"] if "underlying_price" in daily else None
    limits = stats.get("limits") or {}
    return ReportData(
        title=str(stats.get("title", "Backtest report")), source=str(stats.get("source", "offline engine")),
        data_description=str(stats.get("data", "")), model_priced=bool(stats.get("model_priced")),
        start_value=float(stats.get("initial_cash") or daily["equity"].iloc[0]), daily=daily, trades=trades,
        stats=stats, closed=closed, benchmarks=benchmarks, underlying=underlying, limits=dict(limits),
        notes=list(stats.get("notes") or []),
    )
