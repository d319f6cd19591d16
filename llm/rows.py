"""Screen-table rows (the ``screen`` command's output as JSON records) to candidates and market context.

A row needs ``underlying, strike, expiry, right, bid, ask, underlying_price, score`` and a time (``as_of`` or
``quote_time``); ``symbol`` defaults to the OSI symbol. Optional: ``strategy`` (csp/cc, else from the right),
``passed`` (rows that did not pass are skipped), ``iv``, ``delta, gamma, vega, theta``, ``premium_yield``,
``iv_percentile``, ``iv_rank``, ``sector``, ``credit_rating``, ``next_earnings``, ``pcr``, ``contracts``,
``multiplier``, ``tick_size``, ``volume``, ``open_interest``, ``style``, ``reasons``; every other column whose
value is ``pass``, ``fail`` or ``n/a`` is a screen verdict. Candidates share one ``as_of`` (the newest row
time, which is the screen command's default screen time), so their ids match the screen's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from domain.types import Candidate, Greeks, MarketContext, OptionQuote, Reference, Right, Strategy, Style, Verdict

REQUIRED = ("underlying", "strike", "expiry", "right", "bid", "ask", "underlying_price", "score")
STATUSES = {"pass", "fail", "n/a"}
NOT_RULES = {"passed", "strategy", "right", "style", "underlying", "symbol", "sector", "credit_rating", "regime",
             "reasons", "quote_time", "as_of", "expiry", "next_earnings"}


class RowError(ValueError):
    """A row that cannot become a candidate; the message names the row and the field."""


def _float(row: Mapping[str, Any], key: str, where: str, default: float | None = None) -> float | None:
    value = row.get(key, default)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise RowError(f"{where}: '{key}' = {value!r} is not a number") from None
    return x if math.isfinite(x) else default


def _need(row: Mapping[str, Any], key: str, where: str) -> float:
    x = _float(row, key, where)
    if x is None:
        raise RowError(f"{where}: '{key}' is required")
    return x


def _time(value: Any, where: str, key: str) -> datetime:
    try:
        return datetime.fromisoformat(str(value).strip().replace("Z", ""))
    except ValueError:
        raise RowError(f"{where}: '{key}' = {value!r} is not an ISO date-time") from None


def _date(value: Any, where: str, key: str) -> date | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise RowError(f"{where}: '{key}' = {value!r} is not YYYY-MM-DD") from None


def _passed(value: Any) -> bool:
    return str(value).strip().lower() not in ("false", "0", "no", "")


def candidates_from_rows(rows: Sequence[Mapping[str, Any]], rate: float = 0.0,
                         vix: float | None = None) -> tuple[list[Candidate], MarketContext]:
    """Passing rows as candidates (in the given order) and the market context they imply."""
    kept = [(n, r) for n, r in enumerate(rows, start=1) if "passed" not in r or _passed(r["passed"])]
    times = []
    for n, row in kept:
        key = "as_of" if row.get("as_of") else "quote_time"
        if not row.get(key):
            raise RowError(f"row {n}: 'as_of' or 'quote_time' is required")
        times.append(_time(row[key], f"row {n}", key))
    if not kept:
        raise RowError("no passing rows: nothing to review")
    as_of = max(times)
    out: list[Candidate] = []
    reference: dict[str, Reference] = {}
    for (n, row), quote_time in zip(kept, times, strict=True):
        where = f"row {n}"
        missing = [k for k in REQUIRED if row.get(k) in (None, "")]
        if missing:
            raise RowError(f"{where}: missing {', '.join(missing)}")
        underlying = str(row["underlying"]).strip().upper()
        right_text = str(row["right"]).strip().upper()[:1]
        if right_text not in ("C", "P"):
            raise RowError(f"{where}: 'right' = {row['right']!r} must be C or P")
        right = Right(right_text)
        expiry = _date(row["expiry"], where, "expiry")
        assert expiry is not None
        strike = _need(row, "strike", where)
        symbol = str(row.get("symbol") or f"{underlying:<6}{expiry:%y%m%d}{right.value}{round(strike * 1000):08d}")
        delta = _float(row, "delta", where)
        greeks = None if delta is None else Greeks(delta, _float(row, "gamma", where, 0.0) or 0.0,
                                                   _float(row, "vega", where, 0.0) or 0.0,
                                                   _float(row, "theta", where, 0.0) or 0.0)
        style = Style.EUROPEAN if str(row.get("style", "")).strip().lower() == "european" else Style.AMERICAN
        quote = OptionQuote(
            symbol=symbol, underlying=underlying, right=right, strike=strike, expiry=expiry,
            bid=_need(row, "bid", where), ask=_need(row, "ask", where),
            underlying_price=_need(row, "underlying_price", where), quote_time=quote_time, style=style,
            multiplier=int(_float(row, "multiplier", where, 100) or 100),
            tick_size=_float(row, "tick_size", where, 0.01) or 0.01,
            volume=_float(row, "volume", where, 0.0) or 0.0,
            open_interest=_float(row, "open_interest", where, 0.0) or 0.0,
            iv=_float(row, "iv", where), greeks=greeks,
        )
        strategy_text = str(row.get("strategy") or "").strip().lower()
        if strategy_text not in ("", "csp", "cc"):
            raise RowError(f"{where}: 'strategy' = {row['strategy']!r} must be csp or cc")
        strategy = Strategy(strategy_text) if strategy_text else (
            Strategy.CASH_SECURED_PUT if right is Right.PUT else Strategy.COVERED_CALL)
        verdicts = tuple(Verdict(str(k), str(v).strip().lower()) for k, v in row.items()
                         if k not in NOT_RULES and isinstance(v, str) and v.strip().lower() in STATUSES)
        reasons = str(row.get("reasons") or "").strip()
        sector = str(row.get("sector") or "").strip() or None
        out.append(Candidate(
            quote=quote, strategy=strategy, score=_need(row, "score", where), as_of=as_of, verdicts=verdicts,
            premium_yield=_float(row, "premium_yield", where, 0.0) or 0.0,
            iv_percentile=_float(row, "iv_percentile", where), iv_rank=_float(row, "iv_rank", where),
            sector=sector, contracts=max(int(_float(row, "contracts", where, 1) or 1), 1),
            notes=(reasons[:200],) if reasons else (),
        ))
        reference.setdefault(underlying, Reference(
            underlying, sector=sector, credit_rating=str(row.get("credit_rating") or "").strip() or None,
            next_earnings=_date(row.get("next_earnings"), where, "next_earnings"),
            put_call_ratio=_float(row, "pcr", where)))
    return out, MarketContext(as_of=as_of, rate=rate, vix=vix, reference=reference)
