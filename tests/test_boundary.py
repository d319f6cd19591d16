"""The LEAN boundary: only main.py, algorithms/ and one lean_adapter.py per package import LEAN; the type
check against quantconnect-stubs passes and has teeth; the algorithm wires every stage through fake LEAN."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FAKE_LEAN, ROOT

PACKAGES = ("alpha", "llm", "portfolio", "risk", "execution", "pricing", "domain", "wheelhouse")
LEAN_MODULES = ("AlgorithmImports", "QuantConnect", "clr", "System")


def python_files() -> list[Path]:
    return [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py")) if "__pycache__" not in p.parts]


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_only_adapters_import_lean() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in python_files()
        if p.name != "lean_adapter.py" and imported_roots(p) & set(LEAN_MODULES)
    ]
    assert offenders == []


def test_pure_modules_load_no_lean_module() -> None:
    modules = [
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in python_files()
        if p.name not in ("lean_adapter.py", "__main__.py")
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {LEAN_MODULES!r})\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    # The fake LEAN module is on the path, so an accidental import would succeed and be caught here.
    env_path = f"{ROOT}:{FAKE_LEAN}"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stdout + result.stderr


def mypy(*targets: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), *targets],
                          cwd=cwd, capture_output=True, text=True)


@pytest.mark.slow
def test_typecheck_fails_on_a_misspelt_lean_call(tmp_path: Path) -> None:
    source = (ROOT / "algorithms" / "options_income.py").read_text()
    assert "self.set_execution(" in source
    broken = tmp_path / "algorithms"
    shutil.copytree(ROOT / "algorithms", broken)
    (broken / "options_income.py").write_text(source.replace("self.set_execution(", "self.set_executon("))
    for pkg in ("alpha", "llm", "portfolio", "risk", "execution", "domain", "pricing"):
        if (ROOT / pkg).exists():
            (tmp_path / pkg).symlink_to(ROOT / pkg)
    result = mypy("algorithms", cwd=tmp_path)
    assert result.returncode != 0
    assert "set_executon" in result.stdout


def test_algorithm_initialize_wires_every_stage(fake_lean) -> None:  # type: ignore[no-untyped-def]
    from algorithms.options_income import OptionsIncomeAlgorithm

    algo = OptionsIncomeAlgorithm()
    algo.parameters = {"underlyings": "SPY,AAPL", "dte_min": "25", "dte_max": "50", "initial_cash": "250000"}
    algo.initialize()
    assert set(algo.models) == {"alpha", "portfolio", "risk", "execution", "commands"}
    assert [c.__name__ for c in algo.models["commands"]] == ["RiskCommand"]
    assert type(algo.models["alpha"]).__name__ == "ReviewedAlphaModel"
    assert type(algo.models["alpha"].inner).__name__ == "ScreeningAlphaModel"
    assert algo.portfolio.cash == 250000
    options = [s for s in algo.securities.values() if isinstance(s, fake_lean.Option)]
    assert sorted(o.symbol.underlying.value for o in options) == ["AAPL", "SPY"]
    universe = options[0].filter_function(fake_lean.OptionFilterUniverse())
    (low, high), = [args for name, args in universe.calls if name == "expiration"]
    assert low <= 25 and high >= 50


def test_algorithm_stops_on_bad_setting_naming_it(fake_lean) -> None:  # type: ignore[no-untyped-def]
    from algorithms.options_income import OptionsIncomeAlgorithm

    algo = OptionsIncomeAlgorithm()
    algo.parameters = {"max_trade_pct": "7"}
    with pytest.raises(ValueError, match="max_trade_pct"):
        algo.initialize()


def test_main_defines_exactly_one_algorithm_class(fake_lean) -> None:  # type: ignore[no-untyped-def]
    """LEAN instantiates the QCAlgorithm subclasses whose class is defined in module ``main``."""
    import importlib

    main = importlib.import_module("main")
    found = [v for v in vars(main).values()
             if isinstance(v, type) and issubclass(v, fake_lean.QCAlgorithm) and v.__module__ == "main"]
    assert [c.__name__ for c in found] == ["WheelhouseAlgorithm"]
