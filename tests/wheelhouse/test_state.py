"""The folder-backed StateStore: round trips, atomic replacement, key safety, LEAN ObjectStore layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.state import StateStore
from wheelhouse.state import FolderStore, StateKeyError


def test_round_trip_and_layout(tmp_path: Path) -> None:
    store: StateStore = FolderStore(tmp_path)
    assert store.read("wheelhouse/wheel/SPY") is None
    store.save("wheelhouse/wheel/SPY", '{"stage": "cash"}')
    assert (tmp_path / "wheelhouse" / "wheel" / "SPY").read_text() == '{"stage": "cash"}'
    # A second store over the same folder (a restart) sees the value.
    assert FolderStore(tmp_path).read("wheelhouse/wheel/SPY") == '{"stage": "cash"}'


def test_replace_leaves_no_temporary_files(tmp_path: Path) -> None:
    store = FolderStore(tmp_path)
    for i in range(3):
        store.save("a/b", f"v{i}")
    assert store.read("a/b") == "v2"
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b"]
    assert store.keys() == ["a/b"]


def test_unchanged_value_is_not_rewritten(tmp_path: Path) -> None:
    store = FolderStore(tmp_path)
    store.save("k", "same")
    path = tmp_path / "k"
    path.write_text("edited outside")  # the store trusts its own cache for values it wrote
    store.save("k", "same")
    assert path.read_text() == "edited outside"
    store.save("k", "new")
    assert path.read_text() == "new"


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../x", "a/../../x", "a//b", "./a"])
def test_keys_cannot_escape_the_root(tmp_path: Path, key: str) -> None:
    with pytest.raises(StateKeyError, match="relative name"):
        FolderStore(tmp_path).save(key, "x")


def test_keys_of_missing_folder_is_empty(tmp_path: Path) -> None:
    assert FolderStore(tmp_path / "absent").keys() == []


def test_routed_store_sends_prefixes_to_their_store(tmp_path: Path) -> None:
    from domain.state import MemoryStore
    from wheelhouse.state import RoutedStore

    run, cache = MemoryStore(), FolderStore(tmp_path)
    store = RoutedStore(run, {"wheelhouse/review/cache": cache})
    store.save("wheelhouse/review/cache/abc", "answer")
    store.save("wheelhouse/review/cached", "not the cache")
    store.save("wheelhouse/wheel", "{}")
    assert cache.keys() == ["wheelhouse/review/cache/abc"]
    assert set(run.data) == {"wheelhouse/review/cached", "wheelhouse/wheel"}
    assert store.read("wheelhouse/review/cache/abc") == "answer"


def test_deferred_store_writes_on_flush(tmp_path: Path) -> None:
    store = FolderStore(tmp_path, deferred=True)
    store.save("a/b", "1")
    store.save("a/b", "2")
    assert store.read("a/b") == "2" and not (tmp_path / "a" / "b").exists()
    store.flush()
    assert (tmp_path / "a" / "b").read_text() == "2"
    with pytest.raises(StateKeyError):
        store.save("../x", "1")
