"""The fake LEAN module must speak the stubs' names: every class, method and attribute it defines exists in
quantconnect-stubs (on the class or one of its stub base classes)."""

from __future__ import annotations

import ast
import re
import sysconfig
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import FAKE_LEAN

STUBS = Path(sysconfig.get_paths()["purelib"])


@cache
def stub_classes() -> dict[str, list[str]]:
    """Class name -> source blocks of every stub class with that name."""
    classes: dict[str, list[str]] = {}
    for path in list((STUBS / "QuantConnect").rglob("*.pyi")) + list((STUBS / "System").rglob("*.pyi")):
        text = path.read_text(errors="replace")
        starts = [m for m in re.finditer(r"^class (\w+)\((.*?)\):", text, flags=re.M)]
        for i, m in enumerate(starts):
            end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
            classes.setdefault(m.group(1), []).append(text[m.start():end])
    return classes


def member_defined(cls: str, member: str, seen: set[str] | None = None) -> bool:
    seen = seen or set()
    if cls in seen:
        return False
    seen.add(cls)
    for block in stub_classes().get(cls, []):
        if re.search(rf"^\s+(def {member}\(|{member}\s*[:=])", block, flags=re.M):
            return True
        header = block.split("\n", 1)[0]
        bases = re.findall(r"([A-Za-z_][\w.]*)(?:\[[^\]]*\])?", header.split("(", 1)[1])
        for base in bases:
            if member_defined(base.split(".")[-1], member, seen):
                return True
    return False


def fake_members() -> list[tuple[str, str]]:
    tree = ast.parse((FAKE_LEAN / "AlgorithmImports.py").read_text())
    out: list[tuple[str, str]] = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        out.append((node.name, ""))
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                out.append((node.name, item.name))
            elif isinstance(item, ast.Assign):
                for t in item.targets:
                    if isinstance(t, ast.Name) and not t.id.startswith("_"):
                        out.append((node.name, t.id))
            if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                for sub in ast.walk(item):
                    if (isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self"
                            and isinstance(sub.ctx, ast.Store) and not sub.attr.startswith("_")):
                        out.append((node.name, sub.attr))
    return sorted(set(out))


# Attributes the fake keeps for test inspection only; they are not LEAN API and adapters never read them.
TEST_ONLY = {
    ("QCAlgorithm", "logs"), ("QCAlgorithm", "models"), ("QCAlgorithm", "option_filters"),
    ("QCAlgorithm", "parameters"), ("SecurityTransactionManager", "tickets"), ("OptionFilterUniverse", "calls"),
    ("QCAlgorithm", "start_date"), ("QCAlgorithm", "end_date"), ("Option", "filter_function"),
    ("Equity", "data_normalization_mode"),
}


@pytest.mark.parametrize(("cls", "member"), fake_members())
def test_fake_name_exists_in_stubs(cls: str, member: str) -> None:
    assert cls in stub_classes(), f"class {cls} is not in quantconnect-stubs"
    if member and (cls, member) not in TEST_ONLY:
        assert member_defined(cls, member), f"{cls}.{member} is not in quantconnect-stubs"
