"""``python -m wheelhouse screen``: files in, every contract with its verdicts out; user mistakes on one line."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from alpha.rules import RULE_NAMES
from domain.types import Strategy, candidate_id
from tests.conftest import ROOT
from wheelhouse.cli import main

DATA = ROOT / "tests" / "alpha" / "data"
ARGS = [str(DATA / "chain.csv"), "--portfolio", str(DATA / "portfolio.json"), "--reference",
        str(DATA / "reference.csv"), "--vix", "18"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["screen", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def table(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), keep_default_na=False, dtype=str)


def test_sample_files_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *ARGS)
    assert code == 0
    t = table(out)
    assert len(t) == 9
    assert err.strip() == "9 contracts at 2015-12-24 10:00: 3 quotes rejected, 3 candidates"
    for name in RULE_NAMES:
        assert set(t[name]) <= {"pass", "fail", "n/a"}, name
    assert set(t["passed"]) == {"true", "false"}
    by = t.set_index("symbol")
    assert by.loc["XYZ   160129C00110000", "passed"] == "true"
    assert by.loc["XYZ   160129C00110000", "contracts"] == "2"  # 300 shares, one call already written
    assert by.loc["XYZ   160129P00090000", "reasons"] == "quote_ok: zero bid"
    assert by.loc["XYZ   160129P00090000", "score"] == ""
    assert by.loc["XYZ   160129P00095000", "reasons"] == "quote_ok: crossed quote (bid above ask)"
    assert by.loc["XYZ   160129C00105000", "reasons"] == "quote_ok: stale quote (60 min old > 30)"
    abc = by.loc["ABC   160219P00050000"]
    assert abc["csp_earnings"] == "fail" and abc["csp_put_call_ratio"] == "fail"
    assert abc["credit_rating"] == "BBB+"  # Baa1 read as BBB+
    assert by.loc["XYZ   160129P00100000", "expiry"] == "2016-01-29"
    assert by.loc["XYZ   160129P00100000", "quote_time"] == "2015-12-24T10:00:00"


def test_output_file_and_ranked_summary(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_path = tmp_path / "out.csv"
    code, out, _ = run(capsys, *ARGS, "-o", str(out_path))
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "9 contracts at 2015-12-24 10:00: 3 quotes rejected, 3 candidates"
    assert [ln.split()[1] for ln in lines[1:]] == ["cc", "csp", "csp"]
    t = table(out_path.read_text()).set_index("symbol")
    assert len(t) == 9
    top = t.loc["XYZ   160129C00110000"]
    # the id printed is reproducible from the file: symbol, strategy and the screen time
    assert lines[1].split()[-1] == candidate_id(top.name, Strategy(top["strategy"]), datetime.fromisoformat(top["as_of"]))


def test_as_of_date_takes_that_days_newest_quote(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(capsys, *ARGS, "--as-of", "2015-12-24")
    assert "at 2015-12-24 10:00" in err
    _, out, err = run(capsys, *ARGS, "--as-of", "2015-12-24T10:20")
    assert "at 2015-12-24 10:20" in err
    assert "stale quote (80 min old > 30)" in out  # the 09:00 quote
    assert "stale quote (22 min" not in out  # the 09:58 quote is 22 minutes old: fresh


def test_no_reference_means_unknown_and_the_default_policy_excludes_puts(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, str(DATA / "chain.csv"), "--portfolio", str(DATA / "portfolio.json"))
    t = table(out).set_index("symbol")
    put = t.loc["XYZ   160129P00100000"]
    assert put["passed"] == "false" and put["csp_credit_rating"] == "fail"
    assert "credit rating unknown (excluded: unknown_reference_policy=exclude)" in put["reasons"]


def test_settings_come_from_config(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps({"parameters": {"unknown_reference_policy": "include", "max_quote_age_minutes": "90"}}))
    _, out, _ = run(capsys, str(DATA / "chain.csv"), "--portfolio", str(DATA / "portfolio.json"),
                    "--config", str(cfg))
    t = table(out).set_index("symbol")
    assert t.loc["XYZ   160129P00100000", "csp_credit_rating"] == "n/a"
    assert t.loc["XYZ   160129C00105000", "quote_ok"] == "pass"  # 60 minutes is fresh under a 90-minute limit


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: ["screen", str(d / "nope.csv"), "--portfolio", str(DATA / "portfolio.json")], "nope.csv: no such file"),
    (lambda d: ["screen", write(d / "c.csv", "underlying,strike\nXYZ,100\n"), "--portfolio",
                str(DATA / "portfolio.json")], "chain is missing column(s): underlying_price, expiry"),
    (lambda d: ["screen", str(DATA / "chain.csv"), "--portfolio", write(d / "p.json", "{")], "not valid JSON"),
    (lambda d: ["screen", str(DATA / "chain.csv"), "--portfolio", write(d / "p.json", '{"cash": 1}')],
     "'total_value' is required"),
    (lambda d: ["screen", str(DATA / "chain.csv"), "--portfolio",
                write(d / "p.json", '{"cash": 1, "total_value": 1, "positions": [{"symbol": "X", "quantity": "many",'
                                    ' "cost_basis": 1}]}')], "position 1: 'quantity' = 'many' is not a number"),
    (lambda d: ["screen", str(DATA / "chain.csv"), "--portfolio",
                write(d / "p.json", '{"cash": 1, "total_value": 1, "positions": [{"symbol": "X", "quantity": -1,'
                                    ' "cost_basis": 1, "strike": 10, "right": "C"}]}')], "missing expiry"),
    (lambda d: ["screen", str(DATA / "chain.csv"), "--portfolio",
                write(d / "p.json", '{"cash": 1, "total_value": 1, "positions": [{"symbol": "X", "quantity": -1,'
                                    ' "cost_basis": 1, "strike": 10, "right": "Z", "expiry": "2016-01-29"}]}')],
     "'right' = 'Z' must be C or P"),
    (lambda d: ["screen", str(DATA / "chain.csv"), "--portfolio", str(DATA / "portfolio.json"), "--reference",
                write(d / "r.csv", "underlying,sector\n")], "missing column(s) credit_rating"),
    (lambda d: ["screen", str(DATA / "chain.csv"), "--portfolio", str(DATA / "portfolio.json"), "--as-of",
                "Christmas"], "--as-of 'Christmas' is not YYYY-MM-DD"),
    (lambda d: ["screen", str(DATA / "chain.csv"), "--portfolio", str(DATA / "portfolio.json"), "--config",
                str(d / "none.json")], "no such file"),
])
def test_user_mistakes_are_one_line_on_stderr(capsys: pytest.CaptureFixture[str], tmp_path: Path, make: object,
                                              message: str) -> None:
    code = main(make(tmp_path))  # type: ignore[operator]
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and message in err and len(err.strip().splitlines()) == 1


def test_module_entry_point_runs() -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "wheelhouse", "screen", *ARGS], cwd=ROOT, capture_output=True,
                            text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert len(table(result.stdout)) == 9
