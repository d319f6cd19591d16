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
    return pd.DataFrame(chain_columns(quotes, tz), copy=False)


def chain_columns(quotes: Sequence[OptionQuote], tz: object | None = None) -> dict[str, np.ndarray]:
    """The columns of :func:`chain_frame` as arrays (same values and dtypes), without building a DataFrame."""
    def floats(values: list[float | None]) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    expiry = _datetime64([q.expiry for q in quotes], "datetime64[D]").astype("datetime64[ns]")
    qtime = _datetime64([naive(q.quote_time, tz) for q in quotes], "datetime64[ns]")
    return {
        "symbol": np.array([q.symbol for q in quotes], dtype=object),
        "underlying": np.array([q.underlying for q in quotes], dtype=object),
        "right": np.array([q.right.value for q in quotes], dtype=object),
        "style": np.array([q.style.value for q in quotes], dtype=object),
        "strike": floats([q.strike for q in quotes]),
        "expiry": expiry,
        "bid": floats([q.bid for q in quotes]),
        "ask": floats([q.ask for q in quotes]),
        "underlying_price": floats([q.underlying_price for q in quotes]),
        "volume": floats([q.volume for q in quotes]),
        "open_interest": floats([q.open_interest for q in quotes]),
        "quote_time": qtime,
        "multiplier": floats([q.multiplier for q in quotes]),
        "tick_size": floats([q.tick_size for q in quotes]),
        "last": floats([q.last for q in quotes]),
        "iv_input": floats([q.iv for q in quotes]),
    }


def _datetime64(values: list[date], dtype: str) -> np.ndarray:
    """``np.array(values, dtype)``, converting each distinct value once (a chain has few expiries and times)."""
    distinct = list(dict.fromkeys(values))
    if len(distinct) == len(values):
        return np.array(values, dtype=dtype)
    pos = {v: i for i, v in enumerate(distinct)}
    return np.array(distinct, dtype=dtype)[np.fromiter((pos[v] for v in values), dtype=np.int64, count=len(values))]


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
    f = frame.drop(columns=[c for c in PREPARED_COLUMNS if c in frame.columns]).reset_index(drop=True)
    added = prepare_columns(chain_arrays(f), as_of, rate, div, config)
    return pd.concat([f, pd.DataFrame(added, index=f.index, copy=False)], axis=1)


PREPARED_COLUMNS: tuple[str, ...] = (
    "dte", "mid", "spread_pct", "quote_age_min", "t", "iv", "delta", "gamma", "vega", "theta", "rho", "prob_otm",
    "model_price", "iv_error", "quote_reasons", "valid",
)
"""The columns :func:`prepare` adds, in order."""

_NS_PER_DAY = 86_400 * 10**9
_NUMERIC = ("strike", "bid", "ask", "underlying_price", "volume", "open_interest", "multiplier", "tick_size", "last",
            "iv_input")


def chain_arrays(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The chain columns of a chain frame as arrays for computing: numbers float64, times datetime64[ns]."""
    out = {c: frame[c].to_numpy() for c in CHAIN_COLUMNS}
    for c in _NUMERIC:
        out[c] = np.asarray(out[c], dtype=np.float64)
    for c in ("expiry", "quote_time"):
        out[c] = np.asarray(out[c], dtype="datetime64[ns]")
    return out


def _blank(values: np.ndarray) -> np.ndarray:
    """Missing (None/NaN) or whitespace-only text."""
    missing = np.asarray(pd.isna(values), dtype=bool)
    return missing | np.array([str(v).strip() == "" for v in values], dtype=bool)


def _duplicated(symbols: np.ndarray) -> np.ndarray:
    """Rows whose symbol appeared on an earlier row (as pandas' ``duplicated(keep="first")``)."""
    if not all(isinstance(s, str) for s in symbols):  # missing values: pandas' rules for them
        return pd.Series(symbols).duplicated(keep="first").to_numpy()
    seen: set[str] = set()
    out = np.zeros(len(symbols), dtype=bool)
    for i, s in enumerate(symbols):
        if s in seen:
            out[i] = True
        seen.add(s)
    return out


def prepare_columns(c: dict[str, np.ndarray], as_of: datetime, rate: float, div: dict[str, float] | float,
                    config: ScreenConfig) -> dict[str, np.ndarray]:
    """The columns :func:`prepare` adds (:data:`PREPARED_COLUMNS`), from the chain columns as arrays."""
    now = _as_naive(as_of)
    today = pd.Timestamp(now.date())
    n = len(c["symbol"])
    reasons: list[list[str]] = [[] for _ in range(n)]

    def flag(mask: np.ndarray, text: str | list[str]) -> None:
        for i in np.flatnonzero(mask):
            reasons[i].append(text if isinstance(text, str) else text[i])

    flag(_blank(c["underlying"]), "underlying missing")
    flag(pd.isna(c["right"]), "right is not C or P")
    flag(pd.isna(c["style"]), "style is not american or european")
    for name, label in (("strike", "strike"), ("bid", "bid"), ("ask", "ask"), ("underlying_price", "underlying price")):
        x = c[name]
        flag(np.isnan(x), f"{label} is not a number")
        flag(np.isinf(x), f"{label} is infinite")
    bid, ask, strike, spot = c["bid"], c["ask"], c["strike"], c["underlying_price"]
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
        mult = c["multiplier"]
        flag(~(np.isfinite(mult) & (mult > 0) & (mult == np.round(mult))), "multiplier not a positive whole number")
        flag(c["volume"] < 0, "negative volume")
        flag(c["open_interest"] < 0, "negative open interest")
        ivin = c["iv_input"]
        flag(np.isfinite(ivin) & ((ivin <= 0) | (ivin > MAX_IV)), "given iv not in (0, 10]")
        flag(np.isinf(ivin), "given iv is infinite")

    expiry = c["expiry"]
    no_expiry = np.isnat(expiry)
    flag(no_expiry, "expiry is not a date")
    today64 = np.datetime64(today, "ns")
    flag(expiry < today64, "expired")
    limit = today + pd.DateOffset(years=MAX_YEARS_TO_EXPIRY)
    flag(expiry > np.datetime64(limit, "ns"), f"expiry more than {MAX_YEARS_TO_EXPIRY} years away")
    qt = c["quote_time"]
    no_qt = np.isnat(qt)
    # as pandas' total_seconds: nanoseconds over 1e9, NaT as NaN
    age = np.where(no_qt, np.nan, (np.datetime64(now, "ns") - qt).view(np.int64) / 10**9) / 60.0
    flag(no_qt, "quote time is not a time")
    with np.errstate(invalid="ignore"):
        flag(age < 0, "quote stamped after as_of")
        stale = age > config.max_quote_age_minutes
    flag(stale, [f"stale quote ({a:.0f} min old > {config.max_quote_age_minutes:g})" if s else ""
                 for a, s in zip(age, stale, strict=True)])
    flag(_duplicated(c["symbol"]), "duplicate contract")

    days = (expiry - today64).view(np.int64) // _NS_PER_DAY
    out: dict[str, np.ndarray] = {"dte": np.where(no_expiry, np.nan, days.astype(np.float64))}
    mid = 0.5 * (bid + ask)
    out["mid"] = mid
    with np.errstate(invalid="ignore", divide="ignore"):
        out["spread_pct"] = np.where(mid > 0, (ask - bid) / mid, np.inf)
    out["quote_age_min"] = age
    out.update(_analytics(c, reasons, as_of, rate, div))
    out["quote_reasons"] = np.array(["; ".join(r) for r in reasons], dtype=object)
    out["valid"] = np.array([not r for r in reasons], dtype=bool)
    return out


def _analytics(c: dict[str, np.ndarray], reasons: list[list[str]], as_of: datetime, rate: float,
               div: dict[str, float] | float) -> dict[str, np.ndarray]:
    """Implied volatility and Greeks of every row that passed the checks so far (NaN elsewhere): columns
    ``t``, ``iv delta gamma vega theta rho prob_otm model_price`` and ``iv_error``."""
    n = len(c["symbol"])
    names = ("iv", "delta", "gamma", "vega", "theta", "rho", "prob_otm", "model_price")
    out = {k: np.full(n, np.nan) for k in names}
    err = np.full(n, "", dtype=object)
    ok = np.array([not r for r in reasons], dtype=bool)
    t = np.full(n, np.nan)
    if ok.any():
        idx = np.flatnonzero(ok)
        expiries = c["expiry"][idx]
        uniq, inverse = np.unique(expiries, return_inverse=True)
        yf = np.array([year_fraction(as_of, pd.Timestamp(e).date()) for e in uniq], dtype=np.float64)
        t[idx] = yf[inverse]
        under = c["underlying"][idx]
        q = (np.array([div.get(u, 0.0) for u in under], dtype=np.float64) if isinstance(div, dict)
             else np.full(len(idx), float(div)))
        spot, strike = c["underlying_price"][idx], c["strike"][idx]
        call = c["right"][idx] == Right.CALL.value
        amer = c["style"][idx] == Style.AMERICAN.value
        bid, ask = c["bid"][idx], c["ask"][idx]
        res = analyse_arrays(0.5 * (bid + ask), spot, strike, t[idx], rate, q, call, amer, bid=bid, ask=ask)
        given = c["iv_input"][idx]
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
    bad = err != ""
    for k in names:
        out[k][bad] = np.nan
    return {"t": t, **out, "iv_error": err}
