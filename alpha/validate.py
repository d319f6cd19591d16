"""Quote validation and analytics: the chain as one DataFrame, each bad quote rejected with its reasons.

A chain frame has one row per contract and the columns :data:`CHAIN_COLUMNS` (see :func:`chain_frame` for
domain quotes and :func:`normalise_chain` for raw text such as a CSV). :func:`prepare` adds the derived
columns every screen reads and rejects what cannot be traded on. A row is rejected (``valid`` False, the
reasons ``"; "``-joined in ``quote_reasons``) when any of these holds:

* a required field is missing or not a number (underlying, right, style, strike, expiry, bid, ask,
  underlying price, quote time), a price is infinite, or the multiplier is not a positive whole number;
* the bid or the ask is zero or negative, or the quote is crossed (bid above ask; a locked quote,
  bid equal to ask, is allowed);
* the quote is stale (older than ``max_quote_age_minutes`` before ``as_of``) or stamped after ``as_of``;
* strike nonsense: not positive, not representable in an OSI symbol (more than 3 decimals or 100,000 and
  above), or implausibly far from the underlying (strike over underlying outside [1/50, 50]);
* expiry nonsense: before ``as_of``'s date (expired) or more than :data:`MAX_YEARS_TO_EXPIRY` years away;
* volume or open interest negative (missing open interest is allowed: the liquidity screen fails it);
* a given ``iv`` that is not positive or above :data:`MAX_IV` (a missing one is solved for);
* the same contract listed twice (the later rows are rejected);
* the implied volatility of the mid cannot be solved (``pricing.iv`` reason codes: below intrinsic, above
  the no-arbitrage upper bound, no time value, ...).

Rejected rows keep NaN analytics; they are never scored and never become candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import numpy as np
import pandas as pd

from domain.config.screen import ScreenConfig
from domain.types import OptionQuote, Right, Style
from pricing.bsm import year_fraction
from pricing.chain import analyse_arrays
from pricing.greeks import option_greeks

CHAIN_COLUMNS: tuple[str, ...] = (
    "symbol", "underlying", "right", "style", "strike", "expiry", "bid", "ask", "underlying_price", "volume",
    "open_interest", "quote_time", "multiplier", "tick_size", "last", "iv_input",
)
"""Columns of a chain frame: ``right`` 'C'/'P' (None when unreadable), ``style`` 'american'/'european',
``expiry`` and ``quote_time`` datetime64 (NaT when unreadable), ``iv_input`` a given IV or NaN."""

REQUIRED_CSV_COLUMNS: tuple[str, ...] = (
    "underlying", "underlying_price", "strike", "expiry", "right", "style", "bid", "ask", "volume",
    "open_interest", "quote_time",
)
MAX_YEARS_TO_EXPIRY = 5
"""Listed equity options (LEAPS) run about 3 years; an expiry further out is a data error."""
MAX_IV = 10.0
"""A given implied volatility above 1,000 % is a data error."""
STRIKE_RATIO_BOUNDS = (1 / 50, 50.0)
"""Strike over underlying price outside this range is a data error, not a tradeable contract."""

_RIGHTS = {"C": "C", "CALL": "C", "P": "P", "PUT": "P"}
_STYLES = {"AMERICAN": "american", "A": "american", "EUROPEAN": "european", "E": "european"}
DEFAULT_MULTIPLIER: int = OptionQuote.__dataclass_fields__["multiplier"].default  # type: ignore[assignment]
DEFAULT_TICK: float = OptionQuote.__dataclass_fields__["tick_size"].default  # type: ignore[assignment]


def osi_symbol(underlying: str, expiry: date, right: str, strike: float) -> str:
    """OCC/OSI symbol: root padded to 6, ``YYMMDD``, ``C``/``P``, strike x 1000 in 8 digits."""
    return f"{underlying:<6}{expiry:%y%m%d}{right}{round(strike * 1000):08d}"


def naive(ts: datetime, tz: object | None) -> datetime:
    """``ts`` as a naive datetime in the time zone ``tz`` (naive inputs are taken to be in it already)."""
    if ts.tzinfo is None:
        return ts
    return ts.astimezone(tz).replace(tzinfo=None) if tz is not None else ts.replace(tzinfo=None)  # type: ignore[arg-type]


def chain_frame(quotes: Sequence[OptionQuote], tz: object | None = None) -> pd.DataFrame:
    """Domain quotes as a chain frame (times made naive in ``tz``, the time zone of ``as_of``)."""
    rows = [
        (q.symbol, q.underlying, q.right.value, q.style.value, q.strike, pd.Timestamp(q.expiry), q.bid, q.ask,
         q.underlying_price, q.volume, q.open_interest, pd.Timestamp(naive(q.quote_time, tz)), q.multiplier,
         q.tick_size, np.nan if q.last is None else q.last, np.nan if q.iv is None else q.iv)
        for q in quotes
    ]
    frame = pd.DataFrame.from_records(rows, columns=list(CHAIN_COLUMNS))
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for col in ("strike", "bid", "ask", "underlying_price", "volume", "open_interest", "multiplier", "tick_size",
                "last", "iv_input"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(np.float64)
    for col in ("expiry", "quote_time"):
        frame[col] = pd.to_datetime(frame[col], errors="coerce")
    frame["expiry"] = frame["expiry"].dt.normalize()
    return frame.reset_index(drop=True)


def normalise_chain(raw: pd.DataFrame, tz: object | None = None) -> pd.DataFrame:
    """A chain frame from raw text columns (a CSV read with ``dtype=str``); unreadable values become NaN/None.

    Required columns are :data:`REQUIRED_CSV_COLUMNS`; optional ``symbol`` (else the OSI symbol is built),
    ``iv``, ``multiplier`` (default: the domain's standard contract), ``tick_size`` and ``last``. Values are
    never guessed: a bad number becomes NaN and :func:`prepare` rejects the row naming the field.

    Raises:
        ValueError: naming the missing required columns.
    """
    cols = {c.strip().lower(): c for c in raw.columns}
    missing = [c for c in REQUIRED_CSV_COLUMNS if c not in cols]
    if missing:
        raise ValueError(f"chain is missing column(s): {', '.join(missing)}")

    def col(name: str, default: object = np.nan) -> pd.Series:
        if name in cols:
            return raw[cols[name]]
        return pd.Series([default] * len(raw), index=raw.index, dtype=object)

    def text(name: str) -> pd.Series:
        return col(name, "").fillna("").astype(str).str.strip()

    frame = pd.DataFrame({
        "underlying": text("underlying").str.upper(),
        "right": text("right").str.upper().map(_RIGHTS),
        "style": text("style").str.upper().map(_STYLES),
        "strike": col("strike"), "expiry": col("expiry"), "bid": col("bid"), "ask": col("ask"),
        "underlying_price": col("underlying_price"), "volume": col("volume"),
        "open_interest": col("open_interest"), "quote_time": col("quote_time"),
        "multiplier": col("multiplier", DEFAULT_MULTIPLIER), "tick_size": col("tick_size", DEFAULT_TICK),
        "last": col("last"), "iv_input": col("iv"),
    })
    for name, default in (("multiplier", DEFAULT_MULTIPLIER), ("tick_size", DEFAULT_TICK)):
        blank = frame[name].isna() | (frame[name].astype(str).str.strip() == "")
        frame.loc[blank, name] = default
    for name in ("iv_input", "last", "volume"):
        blank = frame[name].astype(str).str.strip().isin(["", "nan", "None"])
        frame.loc[blank, name] = np.nan
    frame["volume"] = frame["volume"].where(frame["volume"].notna(), 0.0)
    frame["quote_time"] = pd.to_datetime(frame["quote_time"], errors="coerce", utc=False, format="mixed")
    if getattr(frame["quote_time"].dt, "tz", None) is not None:
        frame["quote_time"] = frame["quote_time"].dt.tz_convert(tz).dt.tz_localize(None)  # type: ignore[arg-type]
    frame["expiry"] = pd.to_datetime(frame["expiry"], errors="coerce", format="mixed")
    frame = _typed(frame)
    symbols = text("symbol")
    built = [
        osi_symbol(u, e.date(), r, k) if u and isinstance(r, str) and pd.notna(e) and np.isfinite(k) and 0 < k < 1e5
        else f"{u or '?'}#row{i + 1}"
        for i, (u, r, e, k) in enumerate(zip(frame["underlying"], frame["right"], frame["expiry"], frame["strike"],
                                             strict=True))
    ]
    frame.insert(0, "symbol", np.where(symbols != "", symbols, built))
    return frame[list(CHAIN_COLUMNS)]


def _as_naive(as_of: datetime) -> datetime:
    return as_of.replace(tzinfo=None)


def prepare(frame: pd.DataFrame, as_of: datetime, rate: float, div: dict[str, float] | float,
            config: ScreenConfig) -> pd.DataFrame:
    """A copy of the chain frame with validation and analytics columns.

    Added columns: ``dte`` (calendar days), ``t`` (years, :func:`pricing.bsm.year_fraction`), ``mid``,
    ``spread_pct`` (spread over mid), ``quote_age_min``, ``iv`` (given or solved from the mid), ``iv_error``,
    ``delta gamma vega theta rho prob_otm`` (project pricing; American where the style is American),
    ``quote_reasons`` and ``valid``. ``div`` is a continuous dividend yield, per underlying or for all.
    """
    f = frame.copy().reset_index(drop=True)
    now = _as_naive(as_of)
    today = pd.Timestamp(now.date())
    n = len(f)
    reasons: list[list[str]] = [[] for _ in range(n)]

    def flag(mask: np.ndarray | pd.Series, text: str | list[str]) -> None:
        idx = np.flatnonzero(np.asarray(mask, dtype=bool))
        for i in idx:
            reasons[i].append(text if isinstance(text, str) else text[i])

    under = f["underlying"].fillna("").astype(str)
    flag(under.str.strip() == "", "underlying missing")
    flag(f["right"].isna(), "right is not C or P")
    flag(f["style"].isna(), "style is not american or european")
    for name, label in (("strike", "strike"), ("bid", "bid"), ("ask", "ask"), ("underlying_price", "underlying price")):
        x = f[name].to_numpy(dtype=np.float64)
        flag(np.isnan(x), f"{label} is not a number")
        flag(np.isinf(x), f"{label} is infinite")
    bid, ask = f["bid"].to_numpy(np.float64), f["ask"].to_numpy(np.float64)
    strike, spot = f["strike"].to_numpy(np.float64), f["underlying_price"].to_numpy(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        flag(bid == 0, "zero bid")
        flag(bid < 0, "negative bid")
        flag(ask <= 0, "ask not positive")
        flag(bid > ask, "crossed quote (bid above ask)")
        flag(strike <= 0, "strike not positive")
        flag(spot <= 0, "underlying price not positive")
        thousandths = strike * 1000
        flag((strike > 0) & ((np.abs(thousandths - np.round(thousandths)) > 1e-6) | (strike >= 1e5)),
             "strike not representable in an OSI symbol")
        ratio = strike / spot
        lo, hi = STRIKE_RATIO_BOUNDS
        flag((strike > 0) & (spot > 0) & np.isfinite(ratio) & ((ratio < lo) | (ratio > hi)),
             "strike implausibly far from the underlying price")
    mult = f["multiplier"].to_numpy(np.float64)
    flag(~(np.isfinite(mult) & (mult > 0) & (mult == np.round(mult))), "multiplier not a positive whole number")
    flag(f["volume"].to_numpy(np.float64) < 0, "negative volume")
    flag(f["open_interest"].to_numpy(np.float64) < 0, "negative open interest")
    ivin = f["iv_input"].to_numpy(np.float64)
    flag(np.isfinite(ivin) & ((ivin <= 0) | (ivin > MAX_IV)), "given iv not in (0, 10]")
    flag(np.isinf(ivin), "given iv is infinite")

    expiry = f["expiry"]
    flag(expiry.isna(), "expiry is not a date")
    flag(expiry.notna() & (expiry < today), "expired")
    flag(expiry.notna() & (expiry > today + pd.DateOffset(years=MAX_YEARS_TO_EXPIRY)),
         f"expiry more than {MAX_YEARS_TO_EXPIRY} years away")
    qt = f["quote_time"]
    age = (pd.Timestamp(now) - qt).dt.total_seconds().to_numpy(np.float64) / 60.0
    flag(qt.isna(), "quote time is not a time")
    flag(age < 0, "quote stamped after as_of")
    stale = age > config.max_quote_age_minutes
    flag(stale, [f"stale quote ({a:.0f} min old > {config.max_quote_age_minutes:g})" if s else ""
                 for a, s in zip(age, stale, strict=True)])
    flag(f["symbol"].duplicated(keep="first"), "duplicate contract")

    f["dte"] = (expiry - today).dt.days.astype(np.float64)
    f["mid"] = 0.5 * (bid + ask)
    with np.errstate(invalid="ignore", divide="ignore"):
        f["spread_pct"] = np.where(f["mid"] > 0, (ask - bid) / f["mid"], np.inf)
    f["quote_age_min"] = age
    _analytics(f, reasons, as_of, rate, div)
    f["quote_reasons"] = ["; ".join(r) for r in reasons]
    f["valid"] = [not r for r in reasons]
    return f


def _analytics(f: pd.DataFrame, reasons: list[list[str]], as_of: datetime, rate: float,
               div: dict[str, float] | float) -> None:
    """Implied volatility and Greeks of every row that passed the checks so far (NaN elsewhere)."""
    n = len(f)
    names = ("iv", "delta", "gamma", "vega", "theta", "rho", "prob_otm", "model_price")
    out = {k: np.full(n, np.nan) for k in names}
    err = np.full(n, "", dtype=object)
    ok = np.array([not r for r in reasons], dtype=bool)
    t = np.full(n, np.nan)
    if ok.any():
        idx = np.flatnonzero(ok)
        expiries = f.loc[ok, "expiry"]
        yf = {e: year_fraction(as_of, e.date()) for e in expiries.unique()}
        t[idx] = expiries.map(yf).to_numpy(np.float64)
        sub = f.loc[ok]
        q = (sub["underlying"].map(lambda u: div.get(u, 0.0)).to_numpy(np.float64) if isinstance(div, dict)
             else np.full(len(sub), float(div)))
        spot, strike = sub["underlying_price"].to_numpy(np.float64), sub["strike"].to_numpy(np.float64)
        call = (sub["right"] == Right.CALL.value).to_numpy()
        amer = (sub["style"] == Style.AMERICAN.value).to_numpy()
        bid, ask = sub["bid"].to_numpy(np.float64), sub["ask"].to_numpy(np.float64)
        res = analyse_arrays(0.5 * (bid + ask), spot, strike, t[idx], rate, q, call, amer, bid=bid, ask=ask)
        given = sub["iv_input"].to_numpy(np.float64)
        use_given = np.isfinite(given) & (given > 0)
        iv = np.where(use_given, given, res.iv)
        cols = {"delta": res.delta, "gamma": res.gamma, "vega": res.vega, "theta": res.theta, "rho": res.rho,
                "prob_otm": res.prob_otm, "model_price": res.price}
        if use_given.any():
            g = option_greeks(spot[use_given], strike[use_given], t[idx][use_given], rate, q[use_given],
                              given[use_given], call[use_given], amer[use_given])
            for k in cols:
                cols[k] = cols[k].copy()
                cols[k][use_given] = getattr(g, "price" if k == "model_price" else k)
        out["iv"][idx] = iv
        for k, v in cols.items():
            out[k][idx] = v
        err[idx] = res.error
        for j, i in enumerate(idx):
            if res.error[j]:
                reasons[i].append(f"IV cannot be solved ({res.error[j].replace('_', ' ')})")
    f["t"] = t
    for k in names:
        f[k] = out[k]
    f["iv_error"] = err
    bad = f["iv_error"] != ""
    for k in names:
        f.loc[bad, k] = np.nan
