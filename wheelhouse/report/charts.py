"""PNG charts of a report (matplotlib, Agg backend: no display needed). Each function returns the PNG bytes,
or None when the run lacks the data (a LEAN result has no Greeks, for example)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from wheelhouse.report import analysis
from wheelhouse.report.model import ReportData
from wheelhouse.report.stats import drawdown_series

COLOURS = {"strategy": "#1f4e79", "put_write": "#c55a11", "buy_write": "#548235", "underlying": "#7f7f7f"}
DPI = 100


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _curves(data: ReportData) -> dict[str, pd.Series]:
    out = {"strategy": data.equity}
    out.update({k: v for k, v in data.benchmarks.items() if v is not None and len(v)})
    return out


def equity_chart(data: ReportData) -> bytes:
    """Growth of $1 (log scale) and drawdown, strategy against the benchmarks."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7), sharex=True, gridspec_kw={"height_ratios": [3, 1.4]})
    for name, s in _curves(data).items():
        first = data.start_value if name == "strategy" else float(s.iloc[0])
        top.plot(pd.DatetimeIndex(s.index), s / first, label=name, color=COLOURS.get(name), lw=1.6 if name ==
                 "strategy" else 1.0)
        dd = drawdown_series(s)
        bottom.plot(pd.DatetimeIndex(s.index), dd * 100, color=COLOURS.get(name), lw=1.0)
    top.set_yscale("log")
    # Plain tick labels: the default log labels go through mathtext (slow, and noisy with this pyparsing).
    plain = FuncFormatter(lambda v, _: f"{v:g}")
    top.yaxis.set_major_formatter(plain)
    top.yaxis.set_minor_formatter(plain)
    top.set_ylabel("growth of 1 (log scale)")
    top.legend(loc="upper left")
    top.grid(alpha=0.3)
    top.set_title("Equity against the benchmarks")
    bottom.set_ylabel("drawdown %")
    bottom.grid(alpha=0.3)
    return _png(fig)


def monthly_heatmap(data: ReportData) -> bytes:
    """Monthly returns (%) by year and month, with the calendar-year return."""
    table = analysis.monthly_table(data.equity, data.start_value)
    values = table.to_numpy(dtype=float) * 100
    fig, ax = plt.subplots(figsize=(11, 0.32 * len(table) + 1.5))
    limit = np.nanmax(np.abs(values[:, :12])) if np.isfinite(values[:, :12]).any() else 1.0
    ax.imshow(values[:, :12], cmap="RdYlGn", vmin=-limit, vmax=limit, aspect="auto")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            if np.isfinite(values[i, j]):
                ax.text(j if j < 12 else 12.3, i, f"{values[i, j]:.1f}", ha="center", va="center", fontsize=7,
                        fontweight="bold" if j == 12 else "normal")
    ax.set_xticks(list(range(12)) + [12.3])
    ax.set_xticklabels(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Year"])
    ax.set_xlim(-0.5, 12.9)
    ax.set_yticks(range(len(table)))
    ax.set_yticklabels([str(y) for y in table.index])
    ax.set_title("Monthly returns (%)")
    return _png(fig)


def greeks_chart(data: ReportData) -> bytes | None:
    """Net delta, gamma and vega exposure (over equity, with the risk limits) and theta (USD per day)."""
    d = data.daily
    cols = [c for c in ("net_delta", "gamma_exposure", "vega_exposure") if c in d and d[c].notna().any()]
    if not cols:
        return None
    panels = cols + (["theta"] if "theta" in d else [])
    fig, axes = plt.subplots(len(panels), 1, figsize=(11, 2.1 * len(panels)), sharex=True)
    axes = np.atleast_1d(axes)
    limit_of = {"net_delta": "max_net_delta", "gamma_exposure": "max_gamma_exposure",
                "vega_exposure": "max_vega_exposure"}
    labels = {"net_delta": "net delta / equity", "gamma_exposure": "gamma / equity (1% move)",
              "vega_exposure": "vega / equity (per vol pt)", "theta": "theta USD/day"}
    idx = pd.DatetimeIndex(d.index)
    for ax, col in zip(axes, panels, strict=True):
        ax.plot(idx, d[col].astype(float), color=COLOURS["strategy"], lw=0.8)
        lim = data.limits.get(limit_of.get(col, ""))
        if lim:
            for sign in (-1, 1):
                ax.axhline(sign * lim, color="#c00000", ls="--", lw=0.8)
        ax.set_ylabel(labels[col], fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].set_title("Portfolio Greeks over time (dashed: risk limits)")
    return _png(fig)


def sector_chart(data: ReportData) -> bytes | None:
    """Secured exposure per sector over equity (short puts at strike notional, shares at market)."""
    cols = [c for c in data.daily.columns if c.startswith("sector:")]
    if not cols:
        return None
    frame = data.daily[cols].fillna(0.0).astype(float) * 100
    fig, ax = plt.subplots(figsize=(11, 3.5))
    ax.stackplot(pd.DatetimeIndex(frame.index), frame.T.to_numpy(), labels=[c[7:] for c in cols], alpha=0.8)
    ax.set_ylabel("% of equity")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    ax.set_title("Sector exposure")
    return _png(fig)


def premium_chart(data: ReportData) -> bytes | None:
    """Cumulative premium collected and cumulative realised option P&L (what was kept)."""
    frame = analysis.premium_captured(data.daily, data.trades, data.closed)
    if frame is None:
        return None
    fig, ax = plt.subplots(figsize=(11, 3.5))
    ax.plot(pd.DatetimeIndex(frame.index), frame["premium"] / 1e3, label="premium collected", color="#c55a11")
    if "realised" in frame:
        ax.plot(pd.DatetimeIndex(frame.index), frame["realised"] / 1e3, label="realised option P&L (kept)",
                color=COLOURS["strategy"])
    ax.set_ylabel("USD thousands, cumulative")
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3)
    ax.set_title("Premium captured")
    return _png(fig)


def regime_chart(table: pd.DataFrame) -> bytes | None:
    """Mean monthly return per regime: strategy and benchmarks."""
    cols = [c for c in table.columns if c.endswith("_mean")]
    if table.empty or not cols:
        return None
    fig, ax = plt.subplots(figsize=(8, 3.5))
    width = 0.8 / len(cols)
    x = np.arange(len(table))
    for i, c in enumerate(cols):
        name = c[:-5]
        vals = pd.to_numeric(table[c], errors="coerce").to_numpy(dtype=float) * 100
        ax.bar(x + i * width, np.nan_to_num(vals), width, label=name, color=COLOURS.get(name))
    ax.set_xticks(x + width * (len(cols) - 1) / 2)
    ax.set_xticklabels([f"{r} ({int(n)} months)" for r, n in zip(table.index, table["months"], strict=True)])
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel("mean monthly return %")
    ax.legend(fontsize=8)
    ax.set_title("Regime split (months classified by the underlying's return)")
    return _png(fig)


def attribution_chart(data: ReportData) -> bytes | None:
    """Cumulative P&L by source: premium decay, underlying moves, volatility, costs, interest."""
    parts = [k for k in analysis.ATTRIBUTION if f"pnl_{k}" in data.daily]
    if not parts:
        return None
    frame = data.daily[[f"pnl_{k}" for k in parts]].astype(float).cumsum() / 1e3
    fig, ax = plt.subplots(figsize=(11, 4))
    for k in parts:
        ax.plot(pd.DatetimeIndex(frame.index), frame[f"pnl_{k}"], label=analysis.ATTRIBUTION[k], lw=1.0)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel("USD thousands, cumulative")
    ax.legend(loc="upper left", fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    ax.set_title("P&L attribution")
    return _png(fig)
