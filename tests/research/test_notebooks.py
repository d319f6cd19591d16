"""The research notebooks run outside LEAN (executed with nbclient on this venv's kernel) and guard QuantBook."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.conftest import LEAN_DATA, ROOT

NOTEBOOKS = sorted((ROOT / "research").glob("*.ipynb"))
# Modules a notebook needs beyond the always-present ones, and whether it reads the LEAN sample data.
NEEDS: dict[str, tuple[tuple[str, ...], bool]] = {
    "01_chain_analytics": ((), True),
    "02_screening_a_day": (("alpha.screen", "pricing.vol"), True),
    "03_volatility_forecasts": ((), False),
    "04_backtest_teardown": (("wheelhouse.engine.run",), False),
    "05_llm_review": (("wheelhouse.engine.run", "llm.review"), False),
}


def test_every_notebook_is_listed() -> None:
    assert [p.stem for p in NOTEBOOKS] == sorted(NEEDS)


def _unguarded_qb(source: str) -> list[int]:
    """Lines using ``qb`` or ``lean`` (LEAN's module) outside an ``if IN_LEAN:`` body."""
    bad: list[int] = []

    def visit(node: ast.AST, guarded: bool) -> None:
        if isinstance(node, ast.Name) and node.id in ("qb", "lean") and not guarded:
            bad.append(node.lineno)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "IN_LEAN":
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, guarded)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, guarded)

    visit(ast.parse(source), False)
    return bad


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_quantbook_is_guarded(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    guards = [i for i, s in enumerate(code) if "qb = lean.QuantBook()" in s]
    assert len(guards) == 1 and "except Exception" in code[guards[0]]
    assert not any("import *" in source for source in code)  # LEAN's names would shadow the project's
    for source in code[guards[0] + 1:]:
        assert _unguarded_qb(source) == [], source[:120]  # every QuantBook call sits under `if IN_LEAN:`


def test_guard_check_has_teeth() -> None:
    assert _unguarded_qb("x = qb.history(s)\nif IN_LEAN:\n    y = qb.add_equity('SPY')") == [1]
    assert _unguarded_qb("if IN_LEAN:\n    y = qb.history()\nelse:\n    y = lean.Resolution.DAILY") == [4]


@pytest.mark.slow
def test_quantbook_cells_type_check_against_the_lean_stubs(tmp_path: Path) -> None:
    # The QuantBook branches never run here (that needs LEAN's Docker image), so mypy checks them against
    # quantconnect-stubs: a misspelt method or a wrong argument fails this test.
    files = []
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        target = tmp_path / f"nb_{path.stem}.py"
        target.write_text("\n\n".join(c.source for c in nb.cells if c.cell_type == "code") + "\n")
        files.append(str(target))
    result = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                             "--ignore-missing-imports", *files],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.slow
def test_type_check_catches_a_misspelt_quantbook_call(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import AlgorithmImports as lean\n\nqb = lean.QuantBook()\nqb.option_histroy('GOOG')\n")
    result = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                             "--ignore-missing-imports", str(bad)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode != 0 and "option_histroy" in result.stdout


def _missing(modules: tuple[str, ...]) -> list[str]:
    out = []
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            out.append(name)
    return out


# The notebooks that run the strategy through the engine take longest: marked slow (still run by default).
RUNS = [pytest.param(p, id=p.stem, marks=[pytest.mark.slow] if "wheelhouse.engine.run" in NEEDS[p.stem][0] else [])
        for p in NOTEBOOKS]


@pytest.mark.parametrize("path", RUNS)
def test_notebook_runs_offline(path: Path) -> None:
    from nbclient import NotebookClient

    modules, needs_data = NEEDS[path.stem]
    missing = _missing(modules)
    if missing:
        pytest.skip(f"{path.name} needs {', '.join(missing)}")
    if needs_data and not LEAN_DATA.is_dir():
        pytest.skip("LEAN sample data folder ../shared/lean-data is not present")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "host: offline (no LEAN)" in text
