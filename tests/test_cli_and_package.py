"""The command line and the cloud package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import FAKE_LEAN, ROOT
from wheelhouse import package
from wheelhouse.commands import COMMANDS


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wheelhouse", *args], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_help_lists_every_subcommand() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for name in COMMANDS:
        assert name in result.stdout


def test_bad_config_is_one_line_on_stderr(tmp_path: Path) -> None:
    bad = tmp_path / "config.json"
    bad.write_text('{"parameters": {"max_trade_pct": "2"}}')
    result = run_cli("config", "--config", str(bad))
    assert result.returncode == 2
    assert "max_trade_pct" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_config_file(tmp_path: Path) -> None:
    result = run_cli("config", "--config", str(tmp_path / "nope.json"))
    assert result.returncode == 2 and "no such file" in result.stderr


def test_settings_markdown_has_every_parameter() -> None:
    result = run_cli("config", "--markdown")
    assert result.returncode == 0
    assert "| `max_trade_pct` | `0.05` |" in result.stdout


def test_cloud_package_imports_from_its_own_folder(tmp_path: Path) -> None:
    target = package.build("WheelhouseTest", tmp_path)
    assert (target / "main.py").is_file() and (target / "config.json").is_file()
    assert not (target / "tests").exists() and not (target / "wheelhouse").exists()
    code = "import main; print(main.WheelhouseAlgorithm.__mro__[1].__name__)"
    result = subprocess.run([sys.executable, "-c", code], cwd=target, capture_output=True, text=True,
                            env={"PYTHONPATH": f"{target}:{FAKE_LEAN}", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "OptionsIncomeAlgorithm"


def test_cloud_package_rejects_bad_name(tmp_path: Path) -> None:
    assert package.main(["--name", "../evil", "--out", str(tmp_path)]) == 2
