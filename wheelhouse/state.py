"""A folder-backed :class:`domain.state.StateStore` for offline runs.

Each key is one UTF-8 text file under the root: ``wheelhouse/wheel/SPY`` is stored at
``<root>/wheelhouse/wheel/SPY``. That is the layout of LEAN's local ObjectStore (``<workspace>/storage``), so
an offline run pointed at ``storage/`` reads what a local LEAN backtest saved (the review cache, for example)
and the other way round.

Writes are atomic (a temporary file in the same folder, then ``os.replace``), so a run stopped half way never
leaves a torn value behind. Values read or written are cached in memory: the engine reads the same keys every
simulated day, and the folder is only written when a value changes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class StateKeyError(ValueError):
    """A key that cannot be a relative path inside the store (empty, absolute, or with ``..``)."""


class FolderStore:
    """Key-value text store in a folder; keys are slash-separated relative names."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._cache: dict[str, str | None] = {}

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
