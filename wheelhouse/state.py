"""A folder-backed :class:`domain.state.StateStore` for offline runs.

Each key is one UTF-8 text file under the root: ``wheelhouse/wheel/SPY`` is stored at
``<root>/wheelhouse/wheel/SPY``. That is the layout of LEAN's local ObjectStore (``<workspace>/storage``), so
an offline run pointed at ``storage/`` reads what a local LEAN backtest saved (the review cache, for example)
and the other way round.

Writes are atomic (a temporary file in the same folder, then ``os.replace``), so a run stopped half way never
leaves a torn value behind. Values read or written are cached in memory: the engine reads the same keys every
simulated day, and the folder is only written when a value changes. With ``deferred=True`` writes wait for
:meth:`FolderStore.flush` (a simulation saves its state many times a simulated day; the folder needs only
the last value).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from domain.state import StateStore


class StateKeyError(ValueError):
    """A key that cannot be a relative path inside the store (empty, absolute, or with ``..``)."""


class FolderStore:
    """Key-value text store in a folder; keys are slash-separated relative names."""

    def __init__(self, root: str | Path, deferred: bool = False) -> None:
        self.root = Path(root)
        self.deferred = deferred
        self._cache: dict[str, str | None] = {}
        self._dirty: set[str] = set()

    def path_of(self, key: str) -> Path:
        """The file that holds ``key``; rejects keys that would escape the root."""
        parts = key.split("/")
        if not key or any(p in ("..", ".", "") for p in parts) or "\\" in key:
            raise StateKeyError(f"state key {key!r} must be a relative name such as 'wheelhouse/wheel/SPY'")
        return self.root.joinpath(*parts)

    def read(self, key: str) -> str | None:
        """The stored text, or None when the key is absent."""
        if key in self._cache:
            return self._cache[key]
        path = self.path_of(key)
        value = path.read_text(encoding="utf-8") if path.is_file() else None
        self._cache[key] = value
        return value

    def save(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` atomically; an unchanged value is not rewritten."""
        if self._cache.get(key) == value:
            return
        if self.deferred:
            self.path_of(key)  # reject a bad key now, not at flush time
            self._cache[key] = value
            self._dirty.add(key)
            return
        self._write(key, value)

    def flush(self) -> None:
        """Write every value saved since the last flush (only needed with ``deferred``)."""
        for key in sorted(self._dirty):
            value = self._cache[key]
            if value is not None:
                self._write(key, value)
        self._dirty.clear()

    def _write(self, key: str, value: str) -> None:
        path = self.path_of(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(value)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._cache[key] = value

    def keys(self) -> list[str]:
        """Every stored key, sorted (temporary files excluded)."""
        if not self.root.is_dir():
            return []
        out = [
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file() and not (p.name.startswith(".") and p.name.endswith(".tmp"))
        ]
        return sorted(out)


class RoutedStore:
    """Keys under one of ``routes``' prefixes go to that store, every other key to ``default``.

    The offline engine keeps a run's own state (wheel book, order intents, risk memory) in a fresh folder per
    run, and the review cache in a persistent one (``storage/``, LEAN's local ObjectStore) so that replays
    find what earlier runs recorded.
    """

    def __init__(self, default: StateStore, routes: dict[str, StateStore]) -> None:
        self.default = default
        self.routes = dict(sorted(routes.items(), key=lambda kv: -len(kv[0])))

    def _store(self, key: str) -> StateStore:
        for prefix, store in self.routes.items():
            if key == prefix or key.startswith(prefix.rstrip("/") + "/"):
                return store
        return self.default

    def read(self, key: str) -> str | None:
        return self._store(key).read(key)

    def save(self, key: str, value: str) -> None:
        self._store(key).save(key, value)
