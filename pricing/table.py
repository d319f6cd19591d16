"""The ``greeks`` table: one contract per row in, IV, price, Greeks and a reason per row out.

Input columns (text, as read from CSV): ``underlying_price, strike, expiry, right, style, rate,
dividend_yield, as_of`` and, per row, ``iv`` or ``price`` (a mid quote; used when ``iv`` is empty). Dates
are ``YYYY-MM-DD``; ``as_of`` may carry a time (``YYYY-MM-DD HH:MM``), which only matters on the expiry day
(see :func:`pricing.bsm.year_fraction`). ``right`` is ``C``/``P`` (or ``call``/``put``), ``style``
``american``/``european``; ``rate`` and ``dividend_yield`` are continuously compounded decimals.

Output: the input columns unchanged, then ``iv, price, delta, gamma, theta, vega, rho, prob_otm, error``.
``iv`` and ``price``, when already input columns, stay in place and are filled in: ``price`` is the model
price at ``iv`` where ``iv`` was given, else the input mid; rows with an error keep their input text there. Theta is per calendar day, vega and rho per point. A bad row never raises: its
outputs are empty and ``error`` names the first problem (``bad_<column>``, ``missing_iv_or_price``,
``expired`` or an implied-volatility reason of :mod:`pricing.iv`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pricing.bsm import DAYS_PER_YEAR, MARKET_CLOSE
from pricing.chain import analyse_arrays
from pricing.greeks import option_greeks

REQUIRED = ("underlying_price", "strike", "expiry", "right", "style", "rate", "dividend_yield", "as_of")
OUTPUTS = ("iv", "price", "delta", "gamma", "theta", "vega", "rho", "prob_otm", "error")


def missing_columns(columns: list[str] | pd.Index) -> list[str]:
    """Required columns absent from ``columns`` (``iv`` or ``price`` counts as one requirement)."""
    cols = set(columns)
    missing = [c for c in REQUIRED if c not in cols]
    if "iv" not in cols and "price" not in cols:
        missing.append("iv or price")
    return missing


def _num(df: pd.DataFrame, col: str) -> np.ndarray:
    if col not in df.columns:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[col].astype(str).str.strip(), errors="coerce").to_numpy(dtype=np.float64)


def _blank(df: pd.DataFrame, col: str) -> np.ndarray:
    if col not in df.columns:
        return np.ones(len(df), dtype=bool)
    s = df[col]
    return (s.isna() | (s.astype(str).str.strip() == "")).to_numpy()


def greeks_table(df: pd.DataFrame) -> pd.DataFrame:
    """Compute the output columns for ``df`` (text or numbers) and return a new frame; never raises on rows.

    Raises ``KeyError`` naming the columns when required columns are missing.
    """
    missing = missing_columns(df.columns)
    if missing:
        raise KeyError(", ".join(missing))
    n = len(df)
    error = np.full(n, "", dtype=object)

    def flag(mask: np.ndarray, reason: str) -> None:
        error[mask & (error == "")] = reason

    spot = _num(df, "underlying_price")
    flag(~(np.isfinite(spot) & (spot > 0)), "bad_underlying_price")
    strike = _num(df, "strike")
    flag(~(np.isfinite(strike) & (strike > 0)), "bad_strike")
    expiry = pd.to_datetime(df["expiry"].astype(str).str.strip(), format="%Y-%m-%d", errors="coerce")
    flag(expiry.isna().to_numpy(), "bad_expiry")
    as_of_text = df["as_of"].astype(str).str.strip()
    as_of = pd.to_datetime(as_of_text, format="mixed", errors="coerce")
    flag(as_of.isna().to_numpy(), "bad_as_of")
    right = df["right"].astype(str).str.strip().str.upper()
    is_call = right.isin(["C", "CALL"]).to_numpy()
    flag(~(is_call | right.isin(["P", "PUT"]).to_numpy()), "bad_right")
    style = df["style"].astype(str).str.strip().str.lower()
    american = (style == "american").to_numpy()
    flag(~(american | (style == "european").to_numpy()), "bad_style")
    rate = _num(df, "rate")
    flag(~np.isfinite(rate), "bad_rate")
    div = _num(df, "dividend_yield")
    flag(~np.isfinite(div), "bad_dividend_yield")

    iv_in = _num(df, "iv")
    iv_blank = _blank(df, "iv")
    flag(~iv_blank & ~(np.isfinite(iv_in) & (iv_in > 0)), "bad_iv")
    price_in = _num(df, "price")
    price_blank = _blank(df, "price")
    use_price = iv_blank & ~price_blank
    flag(iv_blank & price_blank, "missing_iv_or_price")
    flag(use_price & ~np.isfinite(price_in), "bad_price")

    t = _year_fraction(as_of, expiry, as_of_text.str.len().to_numpy() > 10)
    flag(np.isfinite(t) & (t <= 0), "expired")

    out = {name: np.full(n, np.nan) for name in OUTPUTS if name != "error"}
    ok = error == ""
    by_iv = np.flatnonzero(ok & ~iv_blank)
    if by_iv.size:
        g = option_greeks(spot[by_iv], strike[by_iv], t[by_iv], rate[by_iv], div[by_iv], iv_in[by_iv],
                          is_call[by_iv], american[by_iv])  # fmt: skip
        out["iv"][by_iv] = iv_in[by_iv]
        for name in ("price", "delta", "gamma", "theta", "vega", "rho", "prob_otm"):
            out[name][by_iv] = getattr(g, name)
    by_price = np.flatnonzero(ok & use_price)
    if by_price.size:
        i = by_price
        res = analyse_arrays(price_in[i], spot[i], strike[i], t[i], rate[i], div[i], is_call[i], american[i],
                             touch=False)  # fmt: skip
        for name in ("iv", "delta", "gamma", "theta", "vega", "rho", "prob_otm"):
            out[name][i] = getattr(res, name)
        out["price"][i] = price_in[i]  # the quote itself (the model reprices it to rounding)
        error[i] = res.error

    result = df.copy()
    failed_rows = error != ""
    keep_price = failed_rows | use_price  # a solved quote keeps its own text too
    for name in OUTPUTS:
        if name == "error":
            result[name] = error
        elif name in ("iv", "price") and name in df.columns:
            # Rows that failed keep what the input said, so the reason can be checked against it.
            col = df[name].to_numpy(dtype=object).copy()
            keep = keep_price if name == "price" else failed_rows
            col[~keep] = out[name][~keep]
            result[name] = col
        else:
            result[name] = out[name]
    return result


def _year_fraction(as_of: pd.Series, expiry: pd.Series, has_time: np.ndarray) -> np.ndarray:
    """Vectorised :func:`pricing.bsm.year_fraction` (whole days / 365; hours to the close on the expiry day)."""
    days = (expiry.dt.normalize() - as_of.dt.normalize()).dt.days.to_numpy(dtype=np.float64)
    t = days / DAYS_PER_YEAR
    close = expiry.dt.normalize() + pd.Timedelta(hours=MARKET_CLOSE.hour, minutes=MARKET_CLOSE.minute)
    seconds = (close - as_of).dt.total_seconds().to_numpy(dtype=np.float64)
    same_day = (days == 0) & has_time
    t = np.where(same_day, np.maximum(seconds, 0.0) / (DAYS_PER_YEAR * 86400.0), np.where(days > 0, t, 0.0))
    return np.where(np.isfinite(days), t, np.nan)
