"""The one small persistence interface: LEAN's ObjectStore in LEAN, a folder offline, a dict in tests.

Values are text (JSON written by the caller). Secrets never go through it.
"""

from __future__ import annotations

from typing import Protocol


class StateStore(Protocol):
    """Key-value text store. Keys are short slash-separated names such as ``wheelhouse/wheel/SPY``."""

    def read(self, key: str) -> str | None:
        """The stored text, or None when the key is absent."""
        ...

    def save(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``, replacing what was there."""
        ...


class MemoryStore:
    """A dict-backed store for tests and single runs."""

    def __init__(self, initial: dict[str, str] | None = None) -> None:
        self.data: dict[str, str] = dict(initial or {})

    def read(self, key: str) -> str | None:
        return self.data.get(key)

    def save(self, key: str, value: str) -> None:
        self.data[key] = value
