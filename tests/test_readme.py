"""The README names only commands, targets and paths that exist, and its settings table matches the model."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from wheelhouse.commands import COMMANDS
from wheelhouse.readme import render

README = (ROOT / "README.md").read_text()


def test_settings_table_is_current() -> None:
    assert render(README) == README, "run: python -m wheelhouse.readme"


def test_make_targets_exist() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, flags=re.M))
    named = set(re.findall(r"\bmake ([a-z][\w-]*)", README))
    assert {"test", "backtest"} <= named
    assert named <= targets


def test_wheelhouse_subcommands_exist() -> None:
    named = set(re.findall(r"python -m wheelhouse ([a-z]+)", README))
    assert named <= set(COMMANDS)


def test_paths_exist() -> None:
    store_keys = set(re.findall(r"key\s+`([\w/]+)`", README))  # ObjectStore keys, not files
    for path in set(re.findall(r"`((?:[\w.-]+/)+[\w.-]*)`", README)) - store_keys - {"n/a"}:
        if path.startswith(("build/", "backtests/")):
            continue
        assert (ROOT / path).exists(), path


def test_lean_json_and_ci() -> None:
    import json

    lean = json.loads((ROOT / "lean.json").read_text())
    assert lean["data-folder"] == "data" and lean["organization-id"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()
