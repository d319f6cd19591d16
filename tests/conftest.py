"""Shared fixtures. Adapter tests import LEAN through the fake module in tests/fake_lean."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FAKE_LEAN = ROOT / "tests" / "fake_lean"
LEAN_DATA = ROOT.parent / "shared" / "lean-data"


@pytest.fixture
def fake_lean(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Put the fake ``AlgorithmImports`` first on sys.path and return the module."""
    monkeypatch.syspath_prepend(str(FAKE_LEAN))
    import AlgorithmImports

    return AlgorithmImports


@pytest.fixture
def lean_data() -> Path:
    """LEAN's sample data folder; tests using it skip when it is absent."""
    if not LEAN_DATA.is_dir():
        pytest.skip("LEAN sample data folder ../shared/lean-data is not present")
    return LEAN_DATA


if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
