"""The one error the data package raises for missing or malformed input."""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """A data file is missing or malformed; the message names the path and what was expected there."""

    def __init__(self, path: Path | str, expected: str) -> None:
        self.path = Path(path)
        self.expected = expected
        super().__init__(f"{self.path}: {expected}")
