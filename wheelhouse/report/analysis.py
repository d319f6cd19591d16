"""Tables behind the report: monthly returns, regime split, P&L attribution, premium captured.

**Regimes** (``regime_split``): each calendar month is classified by the underlying's price return over that
month (first to last close): *bull* at or above +``REGIME_BAND`` (2 %), *bear* at or below -2 %,
*sideways* in between. For each regime the report gives the number of months, the strategy's and each
benchmark's mean monthly return, the share of months the strategy made money and its worst month. The
monthly horizon matches the one-month options the strategy sells; a month-level label says how the strategy
fares when the market rises, falls or drifts, which is what a premium seller needs to know.

**Attribution** (``attribution_totals``): sums of the engine's per-session parts (see
``wheelhouse.engine.recorder``): premium decay (theta), underlying moves (delta/gamma, shares included),
volatility (vega), execution against mid, fees, interest, dividends, and the unexplained rest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

REGIME_BAND = 0.02
REGIMES = ("bull", "sideways", "bear")
ATTRIBUTION = {
    "theta": "premium decay (theta)",
    "delta": "underlying moves (delta, gamma, shares)",
    "vega": "volatility (vega)",
    "execution": "fills vs mid",
    "fees": "commissions",
    "interest": "interest on cash",
    "dividends": "dividends",
    "other": "unexplained (higher order, settlement, model marks)",
}


def month_end(values: pd.Series) -> pd.Series:
    """The last value of each calendar month (index: the month's first day)."""
    s = values.copy()
    s.index = pd.DatetimeIndex(s.index)
    last = s.groupby(s.index.to_period("M")).last()
    last.index = last.index.to_timestamp()
    return last


def monthly_returns(equity: pd.Series, start_value: float | None = None) -> pd.Series:
    """Return of each calendar month from the previous month's last value (the first month from
    ``start_value`` when given, else from its first value)."""
    ends = month_end(equity)
    first = start_value if start_value is not None else float(equity.iloc[0])
    prev = pd.concat([pd.Series([first]), pd.Series(ends.to_numpy()[:-1])]).to_numpy(dtype=float)
    return pd.Series(ends.to_numpy(dtype=float) / prev - 1.0, index=ends.index)


def monthly_table(equity: pd.Series, start_value: float | None = None) -> pd.DataFrame:
    """Years x months (1-12) of monthly returns, plus ``year`` (the compounded calendar-year return)."""
    m = monthly_returns(equity, start_value)
    frame = pd.DataFrame({"year": m.index.year, "month": m.index.month, "r": m.to_numpy()})
    table = frame.pivot(index="year", columns="month", values="r").reindex(columns=range(1, 13))
    table["year"] = frame.groupby("year")["r"].apply(lambda r: float(np.prod(1.0 + r) - 1.0))
    return table


def regimes(underlying: pd.Series) -> pd.Series:
    """Each month's regime label from the underlying's price path (see the module docstring)."""
    m = monthly_returns(underlying)
    labels = np.where(m >= REGIME_BAND, "bull", np.where(m <= -REGIME_BAND, "bear", "sideways"))
    return pd.Series(labels, index=m.index)


def regime_split(strategy: pd.Series, underlying: pd.Series, benchmarks: dict[str, pd.Series],
                 start_value: float | None = None) -> pd.DataFrame:
    """One row per regime: months, mean monthly returns (strategy, benchmarks, underlying), hit rate, worst."""
    labels = regimes(underlying)
    strat = monthly_returns(strategy, start_value).reindex(labels.index)
    others = {name: monthly_returns(s).reindex(labels.index) for name, s in benchmarks.items()}
    rows = []
    for regime in REGIMES:
        mask = (labels == regime).to_numpy()
        r = strat[mask].dropna()
        row: dict[str, object] = {"regime": regime, "months": int(mask.sum()),
                                  "strategy_mean": float(r.mean()) if len(r) else None,
                                  "strategy_hit_rate": float((r > 0).mean()) if len(r) else None,
                                  "strategy_worst": float(r.min()) if len(r) else None}
        for name, s in others.items():
            v = s[mask].dropna()
            row[f"{name}_mean"] = float(v.mean()) if len(v) else None
        rows.append(row)
    return pd.DataFrame(rows).set_index("regime")


def attribution_totals(daily: pd.DataFrame) -> dict[str, float]:
    """Sum of each ``pnl_<part>`` column (USD), in the order of :data:`ATTRIBUTION`."""
    return {k: float(daily[f"pnl_{k}"].sum()) for k in ATTRIBUTION if f"pnl_{k}" in daily}


def premium_captured(daily: pd.DataFrame, trades: pd.DataFrame, closed: pd.DataFrame | None) -> pd.DataFrame | None:
    """Cumulative premium collected (USD of sales to open) and cumulative realised option P&L by date.

    The premium comes from ``daily['premium_collected']`` (the offline engine's running total) or else from
    the trades' ``premium`` column; ``closed`` has one row per finished round trip (``closed`` date, ``pnl``).
    None when the run sold no options.
    """
    if "premium_collected" in daily and daily["premium_collected"].fillna(0).abs().sum() > 0:
        prem = daily["premium_collected"].astype(float)
        prem.index = pd.DatetimeIndex(prem.index)
    elif "premium" in trades and (trades["action"] == "sell_to_open").any():
        sales = trades[trades["action"] == "sell_to_open"]
        prem = sales["premium"].astype(float).groupby(pd.DatetimeIndex(sales["time"]).normalize()).sum().cumsum()
    else:
        return None
    out = pd.DataFrame({"premium": prem})
    if closed is not None and len(closed):
        kept = closed.groupby(pd.DatetimeIndex(closed["closed"]).normalize())["pnl"].sum().cumsum()
        out = out.join(kept.rename("realised"), how="outer").ffill().fillna(0.0)
    return out
