"""The self-contained HTML report: every chart embedded as a base64 PNG, no external files or scripts."""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping

import pandas as pd

from wheelhouse.report.model import BENCHMARK_NAMES, TRADE_COLUMNS, ReportData
from wheelhouse.report.stats import STAT_KEYS

CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1180px;color:#222}
h1{font-size:22px;margin-bottom:4px} h2{font-size:17px;margin-top:32px;border-bottom:1px solid #ddd}
.meta{color:#555;font-size:13px} .warn{background:#fff4e5;border:1px solid #e0a040;padding:10px 14px;margin:12px 0}
table{border-collapse:collapse;font-size:12px;margin:8px 0} td,th{border:1px solid #ddd;padding:3px 7px}
th{background:#f3f3f3} td.n{text-align:right;font-variant-numeric:tabular-nums} img{max-width:100%}
.trades{max-height:700px;overflow:auto;border:1px solid #ddd} .trades td{vertical-align:top}
"""

PERCENT = {"cagr", "annual_volatility", "max_drawdown", "win_rate"}
MONEY = {"total_fees", "premium_collected"}
CAPTIONS = {
    "equity": "Equity and drawdown against the benchmarks",
    "monthly": "Monthly returns",
    "greeks": "Portfolio Greeks and vega exposure",
    "sectors": "Sector exposure",
    "premium": "Premium captured",
    "regimes": "Regime split",
    "attribution": "P&L attribution",
}


def fmt(key: str, value: object) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if key in PERCENT or key.endswith("_mean") or key.endswith("_hit_rate") or key.endswith("_worst"):
            return f"{100 * float(value):.2f}%"
        if key in MONEY:
            return f"${float(value):,.0f}"
        if isinstance(value, int):
            return f"{value:,}"
        return f"{float(value):.3f}"
    return html.escape(str(value))


def _table(frame: pd.DataFrame, index: bool = True) -> str:
    head = ([html.escape(str(frame.index.name or ""))] if index else []) + [html.escape(str(c)) for c in frame.columns]
    rows = ["<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for key, row in frame.iterrows():
        cells = [f"<th>{html.escape(str(key))}</th>"] if index else []
        for col, v in row.items():
            num = isinstance(v, int | float) and not isinstance(v, bool)
            cells.append(f"<td class='{'n' if num else ''}'>{fmt(str(col), v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>" + "".join(rows) + "</table>"


def stats_table(stats: Mapping[str, object]) -> str:
    benches = stats.get("benchmarks") or {}
    assert isinstance(benches, Mapping)
    cols = ["strategy"] + [b for b in BENCHMARK_NAMES if benches.get(b)]
    frame = pd.DataFrame(index=pd.Index(STAT_KEYS, name="statistic"), columns=cols, dtype=object)
    for k in STAT_KEYS:
        frame.loc[k, "strategy"] = stats.get(k)
        for b in cols[1:]:
            frame.loc[k, b] = benches[b].get(k)  # type: ignore[index,union-attr]
    return _table_by_row(frame)


def _table_by_row(frame: pd.DataFrame) -> str:
    """Like :func:`_table` but formats by the row's statistic name."""
    rows = ["<tr><th>statistic</th>" + "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns) + "</tr>"]
    for key, row in frame.iterrows():
        cells = "".join(f"<td class='n'>{fmt(str(key), v)}</td>" for v in row.to_numpy())
        rows.append(f"<tr><th>{html.escape(str(key))}</th>{cells}</tr>")
    return "<table>" + "".join(rows) + "</table>"


def trades_table(trades: pd.DataFrame) -> str:
    cols = [c for c in TRADE_COLUMNS if c in trades.columns]
    rows = ["<tr>" + "".join(f"<th>{c}</th>" for c in cols) + "</tr>"]
    for rec in trades[cols].itertuples(index=False):
        cells = []
        for c, v in zip(cols, rec, strict=True):
            if c in ("price", "fees", "cash", "reserved_cash", "strike") and isinstance(v, int | float):
                text = "" if not math.isfinite(float(v)) else f"{float(v):,.2f}"
            elif c == "quantity" and isinstance(v, int | float):
                text = f"{float(v):,.4g}"
            else:
                text = "" if v is None or (isinstance(v, float) and not math.isfinite(v)) else html.escape(str(v))
            cells.append(f"<td>{text}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return "<div class='trades'><table>" + "".join(rows) + "</table></div>"


def render(data: ReportData, charts: Mapping[str, bytes | None], tables: Mapping[str, pd.DataFrame]) -> str:
    """The report page. ``charts``: name -> PNG bytes (None = not available); ``tables``: titled frames."""
    s = data.stats
    period = f"{s.get('start', '')} to {s.get('end', '')}"
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(data.title)}</title>"
             f"<style>{CSS}</style></head><body>",
             f"<h1>{html.escape(data.title)}</h1>",
             f"<div class='meta'>{html.escape(data.source)} &middot; {html.escape(period)}<br>"
             f"Data: {html.escape(data.data_description)}</div>"]
    if data.model_priced:
        parts.append("<div class='warn'><b>Option chains are model-priced.</b> The quotes this run traded on "
                     "were computed from the underlying's history by a volatility model, not taken from the "
                     "market: treat the results as a model study, not as what real fills would have given.</div>")
    parts.append("<h2>Statistics</h2>" + stats_table(s))
    for name, png in charts.items():
        if png:
            b64 = base64.b64encode(png).decode()
            parts.append(f"<h2>{html.escape(CAPTIONS.get(name, name))}</h2>"
                         f"<img alt='{html.escape(name)}' src='data:image/png;base64,{b64}'>")
    for title, frame in tables.items():
        if frame is not None and not frame.empty:
            parts.append(f"<h2>{html.escape(title)}</h2>" + _table(frame))
    if data.notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in data.notes) + "</ul>")
    parts.append(f"<h2>Trades ({len(data.trades)})</h2>" + trades_table(data.trades))
    parts.append("</body></html>")
    return "\n".join(parts)
