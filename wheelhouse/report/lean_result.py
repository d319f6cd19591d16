"""Read a LEAN backtest result folder (``backtests/<timestamp>/``) into report data.

What is read (LEAN's JSON result, keys camelCase or PascalCase):

* ``<id>.json`` (the largest ``*.json`` that is not ``*-summary``/``*-order-events``/``config``, or the file
  the ``config`` file's ``id`` names): ``charts["Strategy Equity"].series["Equity"].values`` (points as
  ``[time, value]``, candles ``[time, open, high, low, close]`` or ``{"x": time, "y": value}``; times in Unix
  seconds, UTC), ``charts["Benchmark"].series["Benchmark"].values`` (the benchmark's price), ``orders``
  (filled ones become trades), ``statistics`` (strings such as ``"Drawdown": "27.500%"``, shown as LEAN
  computed them) and ``totalPerformance.closedTrades`` (for the win rate);
* ``<id>-order-events.json`` when present: each fill's ``orderFeeAmount``.

The report's statistics are recomputed from the daily equity with the offline engine's definitions
(``wheelhouse.report.stats``), so a LEAN run and an offline run compare like for like; LEAN's own figures are
listed beside them. Option symbols are read as OSI (``SPY   150220P00195000``); the contract multiplier is
not in the result and is a parameter (US equity options: 100).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from wheelhouse.errors import CommandError
from wheelhouse.report.model import BENCHMARK_NAMES, ReportData
from wheelhouse.report.stats import performance

EXCHANGE_TZ = ZoneInfo("America/New_York")
OSI = re.compile(r"^(?P<root>[A-Z0-9.]+)\s*(?P<date>\d{6})(?P<right>[CP])(?P<strike>\d{8})$")
FILLED = 3
EXERCISE = 6


def _get(obj: Mapping[str, Any], *names: str) -> Any:
    """The first present key among ``names`` and their PascalCase forms."""
    for n in names:
        for k in (n, n[:1].upper() + n[1:]):
            if k in obj:
                return obj[k]
    return None


def result_file(folder: Path) -> Path:
    """The main result JSON of a LEAN backtest folder (raises CommandError when there is none)."""
    if folder.is_file() and folder.suffix == ".json":
        return folder
    if not folder.is_dir():
        raise CommandError(f"{folder}: no such folder; expected a LEAN backtest result folder (backtests/<time>/)")
    cfg = folder / "config"
    if cfg.is_file():
        try:
            rid = json.loads(cfg.read_text()).get("id")
        except json.JSONDecodeError:
            rid = None
        if rid and (folder / f"{rid}.json").is_file():
            return folder / f"{rid}.json"
    skip = ("-summary.json", "-order-events.json", "config.json", "stats.json")
    found = [p for p in folder.glob("*.json") if not p.name.endswith(skip)]
    if not found:
        raise CommandError(f"{folder}: no LEAN result '<id>.json' here (and no stats.json of an offline run)")
    return max(found, key=lambda p: p.stat().st_size)


def series_values(values: list[Any]) -> pd.Series:
    """A LEAN chart series as daily values (the last value of each exchange-time date)."""
    times, vals = [], []
    for v in values or []:
        if isinstance(v, Mapping):
            t, y = v.get("x"), v.get("y")
        elif isinstance(v, list | tuple) and len(v) >= 2:
            t, y = v[0], v[-1] if len(v) in (2, 5) else v[1]
        else:
            continue
        if t is None or y is None:
            continue
        times.append(datetime.fromtimestamp(float(t), tz=UTC).astimezone(EXCHANGE_TZ).date())
        vals.append(float(y))
    s = pd.Series(vals, index=pd.DatetimeIndex(times), dtype=float)
    return s.groupby(level=0).last()


def _chart(doc: Mapping[str, Any], chart: str, series: str) -> pd.Series:
    charts = _get(doc, "charts") or {}
    c = charts.get(chart) or {}
    s = (_get(c, "series") or {}).get(series) or {}
    return series_values(_get(s, "values") or [])


def parse_statistic(text: object) -> float | None:
    """``"27.500%"`` -> 0.275, ``"$1,234.50"`` -> 1234.5, ``"0.348"`` -> 0.348; None when not a number."""
    if text is None:
        return None
    s = str(text).strip().replace(",", "").replace("$", "")
    pct = s.endswith("%")
    try:
        v = float(s.rstrip("%"))
    except ValueError:
        return None
    return v / 100.0 if pct else v


def exchange_time(text: object) -> pd.Timestamp:
    """A LEAN timestamp (ISO, usually UTC) as naive exchange time."""
    ts = pd.Timestamp(str(text))
    return ts.tz_convert(EXCHANGE_TZ).tz_localize(None) if ts.tzinfo is not None else ts


def _trades(orders: Mapping[str, Any], fees: Mapping[int, float], multiplier: int) -> pd.DataFrame:
    rows = []
    held: dict[str, float] = {}
    for key in sorted(orders, key=lambda k: int(k)):
        o = orders[key]
        if _get(o, "status") != FILLED:
            continue
        sym = _get(o, "symbol")
        value = str(_get(sym, "value") if isinstance(sym, Mapping) else sym).strip()
        qty = float(_get(o, "quantity") or 0.0)
        price = float(_get(o, "price") or 0.0)
        when = exchange_time(_get(o, "lastFillTime") or _get(o, "time"))
        m = OSI.match(value)
        before = held.get(value, 0.0)
        held[value] = before + qty
        row: dict[str, Any] = {"time": when, "symbol": value, "quantity": qty, "price": price,
                               "fees": fees.get(int(_get(o, "id") or key), 0.0), "reason": _get(o, "tag") or "",
                               "cash": float("nan"), "reserved_cash": float("nan"), "premium": 0.0}
        if m:
            right, strike = m["right"], int(m["strike"]) / 1000.0
            row.update(underlying=m["root"], right=right, strike=strike,
                       expiry=datetime.strptime(m["date"], "%y%m%d").date())
            if _get(o, "type") == EXERCISE:
                row["action"] = ("exercised" if before > 0 else "assigned" if right == "P" else "called_away")
                row["price"] = strike
            elif qty < 0:
                row["action"] = "sell_to_open" if before <= 0 else "sell_to_close"
                if before <= 0:
                    row["premium"] = -qty * price * multiplier
            else:
                row["action"] = "buy_to_close" if before < 0 else "buy_to_open"
        else:
            row.update(underlying=value, right="", strike=float("nan"), expiry=None,
                       action="buy_stock" if qty > 0 else "sell_stock")
        rows.append(row)
    return pd.DataFrame(rows, columns=["time", "underlying", "symbol", "right", "strike", "expiry", "action",
                                       "quantity", "price", "fees", "cash", "reserved_cash", "reason", "premium"])


def _fees(folder: Path, stem: str) -> dict[int, float]:
    path = folder / f"{stem}-order-events.json"
    if not path.is_file():
        return {}
    out: dict[int, float] = {}
    for e in json.loads(path.read_text()):
        oid = _get(e, "orderId")
        fee = _get(e, "orderFeeAmount")
        if oid is not None and fee:
            out[int(oid)] = out.get(int(oid), 0.0) + float(fee)
    return out


def load_lean_result(path: str | Path, multiplier: int = 100) -> ReportData:
    """Report data of a LEAN backtest result folder (or its ``<id>.json``); see the module docstring."""
    folder = Path(path)
    file = result_file(folder)
    try:
        doc = json.loads(file.read_text())
    except json.JSONDecodeError as exc:
        raise CommandError(f"{file}: not valid JSON ({exc})") from None
    equity = _chart(doc, "Strategy Equity", "Equity")
    if equity.empty:
        raise CommandError(f"{file}: no 'Strategy Equity' chart with an 'Equity' series")
    bench_price = _chart(doc, "Benchmark", "Benchmark")
    stats_text = _get(doc, "statistics") or {}
    trades = _trades(_get(doc, "orders") or {}, _fees(file.parent, file.stem), multiplier)
    perf = _get(doc, "totalPerformance") or {}
    closed_raw = _get(perf, "closedTrades") or []
    pnls = [float(_get(t, "profitLoss") or 0.0) - float(_get(t, "totalFees") or 0.0) for t in closed_raw]
    closed = pd.DataFrame({"closed": [exchange_time(_get(t, "exitTime")) for t in closed_raw], "pnl": pnls})
    start_value = float(equity.iloc[0])
    premium = float(trades["premium"].sum()) if len(trades) else 0.0
    stats: dict[str, object] = performance(equity, start_value, None, pnls, float(trades["fees"].sum()) if
                                           len(trades) else 0.0, premium, False)
    benchmarks: dict[str, pd.Series] = {}
    bench_stats: dict[str, object] = dict.fromkeys(BENCHMARK_NAMES)
    if not bench_price.empty:
        b = bench_price.reindex(equity.index).ffill().dropna()
        if len(b):
            benchmarks["underlying"] = b / float(b.iloc[0]) * start_value
            bench_stats["underlying"] = performance(benchmarks["underlying"], start_value, None, (), 0.0, 0.0, False)
    stats["benchmarks"] = bench_stats
    stats.update({"start": str(equity.index[0].date()), "end": str(equity.index[-1].date()),
                  "initial_cash": start_value, "final_equity": float(equity.iloc[-1]),
                  "total_return": float(equity.iloc[-1] / start_value - 1.0), "data": "LEAN backtest",
                  "lean_statistics": {k: str(v) for k, v in stats_text.items()}, "source": f"LEAN result {file}",
                  "title": "Wheelhouse backtest (LEAN)"})
    table = pd.DataFrame({"LEAN": [str(v) for v in stats_text.values()]},
                         index=pd.Index([str(k) for k in stats_text], name="statistic"))
    daily = pd.DataFrame({"equity": equity})
    return ReportData(
        title="Wheelhouse backtest (LEAN)", source=f"LEAN backtest result {file.name}",
        data_description="LEAN data (quotes from the data, not model-priced)", model_priced=False,
        start_value=start_value, daily=daily, trades=trades, stats=stats, closed=closed, benchmarks=benchmarks,
        notes=["Statistics recomputed from LEAN's daily equity with the offline engine's definitions (no "
               "risk-free rate: LEAN's result does not carry one); LEAN's own figures are in the table below.",
               f"Premium assumes a contract multiplier of {multiplier}."],
        tables={"LEAN's statistics": table},
    )
