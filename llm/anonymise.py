"""Look-ahead guard for historical reviews: hide tickers, dates and absolute prices from the model.

A model trained on later data may recognise "GOOG on 2015-12-24 at $750" and know what happened next. Under
anonymisation the request names underlyings ``U1``, ``U2`` ... (in order of first appearance), shows dates
only as day counts relative to ``as_of``, leaves out strikes, spot and option prices (moneyness and premium
as a share of the strike carry the economics), and scrubs tickers, contract symbols and dates out of free
text. Company names inside third-party text cannot be recognised reliably: feed historical runs news that is
already scrubbed, or none.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

_MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
           r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATE_PATTERNS = (
    re.compile(r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?\b"),
    re.compile(r"\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b"),
    re.compile(rf"\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:19|20)\d{{2}})?\b", re.IGNORECASE),
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}(?:,?\s+(?:19|20)\d{{2}})?\b", re.IGNORECASE),
    re.compile(rf"\b{_MONTHS}\s+(?:19|20)\d{{2}}\b", re.IGNORECASE),
    re.compile(r"\b(?:19|20)\d{2}\b"),
    re.compile(r"['\u2019](?:[0-9]{2})\b"),
)

Table = tuple[tuple[str, str], ...]
"""(ticker, alias) pairs, longest ticker first."""

# OSI-style contract symbols embed the expiry (``GOOG  151231C00750000``).
_CONTRACT = re.compile(r"\b[A-Z][A-Z0-9.]{0,5}\s*\d{6}[CP]\d{8}\b")


class Anonymiser:
    """Maps real tickers to aliases and scrubs text. With ``enabled=False`` it changes nothing."""

    def __init__(self, enabled: bool, tickers: Iterable[str] = ()) -> None:
        self.enabled = enabled
        self.aliases: dict[str, str] = {}
        self._table: Table = ()
        for ticker in tickers:
            self.alias(ticker)

    def alias(self, ticker: str) -> str:
        """The alias of ``ticker`` (assigned on first sight), or the ticker itself when disabled."""
        if not self.enabled:
            return ticker
        if ticker not in self.aliases:
            self.aliases[ticker] = f"U{len(self.aliases) + 1}"
        return self.aliases[ticker]

    @property
    def table(self) -> Table | None:
        """The (ticker, alias) pairs :meth:`text` replaces now, longest ticker first; None when disabled.

        ``scrub(value, anon.table) == anon.text(value)``, and the table is hashable, so it can key a cache.
        """
        if not self.enabled:
            return None
        if len(self._table) != len(self.aliases):
            # Longest first, so "GOOGL" is not half-replaced by "GOOG".
            self._table = tuple((t, self.aliases[t]) for t in sorted(self.aliases, key=len, reverse=True))
        return self._table

    def text(self, value: str) -> str:
        """``value`` with contract symbols, known tickers and dates replaced (unchanged when disabled)."""
        return scrub(value, self.table)


def scrub(value: str, table: Table | None) -> str:
    """``value`` with contract symbols, the tickers of ``table`` and dates replaced; unchanged when ``table``
    is None (anonymisation off). ``table`` is an :attr:`Anonymiser.table`."""
    if table is None or not value:
        return value
    return _scrub(value, table)


@functools.lru_cache(maxsize=1 << 16)
def _scrub(value: str, table: Table) -> str:
    """``value`` with contract symbols, then the tickers of ``table`` (in its order), then dates replaced.

    A pure function of its arguments, so it is cached: screens repeat the same few reasons and notes on
    every candidate of every session.
    """
    out = _CONTRACT.sub("[contract]", value)
    for ticker, alias in table:
        out = _ticker(ticker).sub(alias, out)
    for pattern in _DATE_PATTERNS:
        out = pattern.sub("[date]", out)
    return out


@functools.lru_cache(maxsize=1 << 12)
def _ticker(ticker: str) -> re.Pattern[str]:
    """The pattern of ``ticker`` as a whole word (not inside a longer alphanumeric run)."""
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(ticker)}(?![A-Za-z0-9])")
