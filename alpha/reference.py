"""Reference data (sector, credit rating, next earnings date, put/call ratio) behind one interface.

A :class:`ReferenceSource` answers ``get(underlying, as_of) -> Reference``; a field it does not know is None
and the screens apply ``unknown_reference_policy`` to it. Sources:

* :class:`CsvReferenceSource`: a CSV file (``data/reference.csv`` by convention) with columns
  ``underlying, sector, credit_rating, next_earnings, put_call_ratio`` and an optional ``date`` column for
  point-in-time rows (a row applies from its date on; the latest row dated on or before ``as_of`` wins);
* :class:`HttpReferenceSource`: a JSON-over-HTTP provider through ``requests``, with an on-disk cache and the
  API key read from the environment (sent in a header; never written to the cache or the logs);
* LEAN fundamentals: ``alpha.lean_adapter.LeanFundamentalsSource`` reads the Morningstar sector code of a
  subscribed equity and names it with :func:`morningstar_sector` (pure, here);
* :class:`ChainedReferenceSource`: the first known value of each field over several sources.

Sources do IO; the screening stage itself only reads ``MarketContext.reference``.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from domain.config.screen import RATINGS
from domain.types import Reference

log = logging.getLogger(__name__)

REFERENCE_COLUMNS = ("underlying", "sector", "credit_rating", "next_earnings", "put_call_ratio")
DEFAULT_KEY_ENV = "WHEELHOUSE_REFERENCE_API_KEY"

MORNINGSTAR_TO_GICS: dict[int, str] = {
    101: "Materials",
    102: "Consumer Discretionary",
    103: "Financials",
    104: "Real Estate",
    205: "Consumer Staples",
    206: "Health Care",
    207: "Utilities",
    308: "Communication Services",
    309: "Energy",
    310: "Industrials",
    311: "Information Technology",
}
"""Morningstar sector code (LEAN ``MorningstarSectorCode``) -> the GICS sector it corresponds to."""

_MOODYS = {
    "AAA": "AAA", "AA1": "AA+", "AA2": "AA", "AA3": "AA-", "A1": "A+", "A2": "A", "A3": "A-",
    "BAA1": "BBB+", "BAA2": "BBB", "BAA3": "BBB-", "BA1": "BB+", "BA2": "BB", "BA3": "BB-",
    "B1": "B+", "B2": "B", "B3": "B-", "CAA1": "CCC+", "CAA2": "CCC", "CAA3": "CCC-", "CA": "CC", "C": "C",
}


class ReferenceDataError(ValueError):
    """A reference file or provider setting is unusable; the message says which and why."""


class ReferenceSource(Protocol):
    """Anything that answers what is known about an underlying as of a date."""

    def get(self, underlying: str, as_of: date) -> Reference: ...


def morningstar_sector(code: int | None) -> str | None:
    """GICS-like sector name of a Morningstar sector code; None for 0, None or an unknown code."""
    if code is None:
        return None
    return MORNINGSTAR_TO_GICS.get(int(code))


def normalise_rating(value: object) -> str | None:
    """An issuer rating on the S&P scale (S&P/Fitch as given, Moody's mapped), or None when unknown.

    ``NR``, blanks and anything unrecognised are unknown.
    """
    if not isinstance(value, str):
        return None
    text = value.strip().upper()
    if text in RATINGS:
        return text
    return _MOODYS.get(text)


def _date(value: object, where: str) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ReferenceDataError(f"{where}: '{value}' is not a date (YYYY-MM-DD)") from None


def _ratio(value: object, where: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ReferenceDataError(f"{where}: put_call_ratio '{value}' is not a number") from None
    if not x >= 0 or x == float("inf"):
        raise ReferenceDataError(f"{where}: put_call_ratio {value} must be a finite number >= 0")
    return x


def _text(value: object) -> str | None:
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def reference_from(underlying: str, values: Mapping[str, Any], where: str) -> Reference:
    """A Reference from loosely typed values (CSV cells, JSON fields); bad values raise naming ``where``."""
    return Reference(
        underlying=underlying,
        sector=_text(values.get("sector")),
        credit_rating=_text(values.get("credit_rating")),
        next_earnings=_date(values.get("next_earnings"), f"{where} next_earnings"),
        put_call_ratio=_ratio(values.get("put_call_ratio"), where),
    )


class CsvReferenceSource:
    """Reference rows from a CSV file (read once, at construction)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            with self.path.open(newline="") as fh:
                reader = csv.DictReader(fh)
                header = [h.strip().lower() for h in (reader.fieldnames or [])]
                missing = [c for c in REFERENCE_COLUMNS if c not in header]
                if missing:
                    raise ReferenceDataError(f"{self.path}: missing column(s) {', '.join(missing)}")
                rows = [{(k or "").strip().lower(): v for k, v in row.items()} for row in reader]
        except FileNotFoundError:
            raise ReferenceDataError(f"{self.path}: no such file") from None
        self._rows: dict[str, list[tuple[date, Reference]]] = {}
        for n, row in enumerate(rows, start=2):
            und = (row.get("underlying") or "").strip().upper()
            if not und:
                raise ReferenceDataError(f"{self.path} line {n}: underlying is empty")
            where = f"{self.path} line {n}"
            since = _date(row.get("date"), f"{where} date") or date.min
            self._rows.setdefault(und, []).append((since, reference_from(und, row, where)))
        for und, items in self._rows.items():
            items.sort(key=lambda x: x[0])
            dates = [d for d, _ in items]
            if len(set(dates)) != len(dates):
                raise ReferenceDataError(f"{self.path}: {und} has two rows for the same date")

    def underlyings(self) -> tuple[str, ...]:
        return tuple(sorted(self._rows))

    def get(self, underlying: str, as_of: date) -> Reference:
        best: Reference | None = None
        for since, ref in self._rows.get(underlying.upper(), []):
            if since <= as_of:
                best = ref
        return best if best is not None else Reference(underlying)


class HttpReferenceSource:
    """Reference data from an HTTP JSON provider, cached on disk per underlying and day.

    Request: ``GET {base_url}/{underlying}?as_of=YYYY-MM-DD`` with the key in the ``key_header`` header; the
    answer is a JSON object with any of ``sector, credit_rating, next_earnings, put_call_ratio``. Only those
    normalised fields are cached (``{cache_dir}/{UNDERLYING}_{YYYYMMDD}.json``), so nothing the provider
    echoes back (a key included) reaches the disk. A failed request logs a warning (status or error type,
    never the key) and answers an unknown Reference, which is not cached.

    Raises:
        ReferenceDataError: at construction, when the key's environment variable is unset or empty.
    """

    def __init__(self, base_url: str, cache_dir: str | Path, key_env: str = DEFAULT_KEY_ENV,
                 key_header: str = "X-API-Key", timeout: float = 10.0, session: Any = None) -> None:
        key = os.environ.get(key_env, "")
        if not key:
            raise ReferenceDataError(f"environment variable {key_env} (reference provider API key) is not set")
        self.base_url = base_url.rstrip("/")
        self.cache_dir = Path(cache_dir)
        self.key_header = key_header
        self.timeout = timeout
        self._key = key
        if session is None:
            import requests

            session = requests.Session()
        self._session = session

    def __repr__(self) -> str:
        return f"HttpReferenceSource({self.base_url!r}, cache_dir={str(self.cache_dir)!r})"

    def _cache_path(self, underlying: str, as_of: date) -> Path:
        safe = re.sub(r"[^A-Z0-9._-]", "_", underlying.upper())
        return self.cache_dir / f"{safe}_{as_of:%Y%m%d}.json"

    def get(self, underlying: str, as_of: date) -> Reference:
        path = self._cache_path(underlying, as_of)
        if path.exists():
            return reference_from(underlying.upper(), json.loads(path.read_text()), str(path))
        url = f"{self.base_url}/{underlying.upper()}"
        try:
            resp = self._session.get(url, params={"as_of": as_of.isoformat()},
                                     headers={self.key_header: self._key}, timeout=self.timeout)
        except Exception as exc:  # network errors of any kind: unknown data, the policy decides
            log.warning("reference provider %s failed: %s", url, type(exc).__name__)
            return Reference(underlying.upper())
        if resp.status_code != 200:
            log.warning("reference provider %s answered HTTP %s", url, resp.status_code)
            return Reference(underlying.upper())
        try:
            body = resp.json()
            if not isinstance(body, dict):
                raise ValueError("not an object")
            ref = reference_from(underlying.upper(), body, url)
        except (ValueError, ReferenceDataError) as exc:
            log.warning("reference provider %s sent unusable data: %s", url, type(exc).__name__)
            return Reference(underlying.upper())
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(_cacheable(ref), sort_keys=True))
        return ref


def _cacheable(ref: Reference) -> dict[str, object]:
    out: dict[str, object] = {}
    for name in ("sector", "credit_rating", "next_earnings", "put_call_ratio"):
        v = getattr(ref, name)
        out[name] = v.isoformat() if isinstance(v, date) else v
    return out


class ChainedReferenceSource:
    """Asks each source in order; each field takes the first non-None value."""

    def __init__(self, sources: Sequence[ReferenceSource]) -> None:
        self.sources = tuple(sources)

    def get(self, underlying: str, as_of: date) -> Reference:
        out = Reference(underlying.upper())
        names = [f.name for f in fields(Reference) if f.name != "underlying"]
        for source in self.sources:
            ref = source.get(underlying, as_of)
            missing = {n: getattr(ref, n) for n in names if getattr(out, n) is None and getattr(ref, n) is not None}
            if missing:
                out = replace(out, **missing)
        return out


def load_reference(source: ReferenceSource, underlyings: Iterable[str], as_of: date) -> dict[str, Reference]:
    """``MarketContext.reference`` for ``underlyings`` (upper-cased tickers)."""
    return {u.upper(): source.get(u.upper(), as_of) for u in underlyings}
