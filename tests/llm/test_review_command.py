"""``python -m wheelhouse review``: screened rows in, decisions and usage out; mistakes name the row and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llm.rows import RowError, candidates_from_rows
from tests.llm.conftest import SECRET, FakeApi, decision
from wheelhouse.cli import main


def row(underlying: str = "GOOG", strike: float = 700.0, right: str = "P", score: float = 8.0, **kw: Any) -> dict:
    r: dict[str, Any] = {"underlying": underlying, "underlying_price": 750.9, "strike": strike, "expiry": "2016-01-29",
                         "right": right, "bid": 9.8, "ask": 10.2, "quote_time": "2015-12-24T12:00:00",
                         "passed": "true", "score": score, "strategy": "csp" if right == "P" else "cc",
                         "delta": -0.2, "iv": 0.3, "premium_yield": 0.14, "dte_range": "pass", "earnings": "n/a",
                         "next_earnings": "2016-02-01", "sector": "Technology", "contracts": 2}
    r.update(kw)
    return r


def write(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "candidates.json"
    path.write_text(json.dumps(rows))
    return path


def test_rows_to_candidates() -> None:
    cands, market = candidates_from_rows([row(), row("IBM", 130.0, passed="false"), row("AAPL", 110.0, "C")])
    assert [c.underlying for c in cands] == ["GOOG", "AAPL"]
    assert {v.rule: v.status for v in cands[0].verdicts} == {"dte_range": "pass", "earnings": "n/a"}
    assert cands[0].quote.symbol == "GOOG  160129P00700000" and cands[0].quote.greeks is not None
    assert cands[1].strategy.value == "cc" and cands[0].contracts == 2
    assert market.reference["GOOG"].next_earnings is not None and market.as_of.hour == 12
    with pytest.raises(RowError, match="row 1: 'bid' = 'x' is not a number"):
        candidates_from_rows([row(bid="x")])
    with pytest.raises(RowError, match="row 1: missing score"):
        candidates_from_rows([row(score="")])


def test_offline_review_to_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.json"
    src = write(tmp_path, [row(), row("AAPL", 100.0, score=2.0)])
    code = main(["review", str(src), "--mode", "offline", "-o", str(out), "--config", str(tmp_path / "none.json"),
                 "--state", str(tmp_path / "state")])
    assert code == 0
    doc = json.loads(out.read_text())
    assert [d["action"] for d in doc["decisions"]] == ["approve", "reject"]
    first = doc["decisions"][0]
    assert {"candidate_id", "action", "size_multiplier", "confidence", "source", "rationale", "exit_plan",
            "worst_case"} <= set(first)
    assert first["source"] == "offline" and doc["usage"]["calls"] == 0
    assert "2 candidates reviewed" in capsys.readouterr().out


def test_live_review_against_local_server(tmp_path: Path, api: FakeApi, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", api.url)
    api.answer([decision("C1", "reduce", 0.5, 6)])
    src = write(tmp_path, [row()])
    code = main(["review", str(src), "--mode", "record", "--config", str(tmp_path / "none.json"),
                 "--state", str(tmp_path / "state")])
    assert code == 0
    printed = capsys.readouterr()
    doc = json.loads(printed.out)
    assert doc["decisions"][0]["action"] == "reduce" and doc["decisions"][0]["source"] == "llm"
    assert doc["usage"]["input_tokens"] == 3000 and doc["usage"]["dollars"] > 0
    assert SECRET not in printed.out + printed.err
    stored = "".join(p.read_text() for p in (tmp_path / "state").rglob("*") if p.is_file())
    assert stored and SECRET not in stored
    # The same question again is answered from the cache: no new request.
    assert main(["review", str(src), "--mode", "replay", "--config", str(tmp_path / "none.json"),
                 "--state", str(tmp_path / "state")]) == 0
    assert len(api.requests) == 1
    assert json.loads(capsys.readouterr().out)["decisions"][0]["source"] == "cache"


def test_mistakes_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["review", str(bad), "--mode", "offline"]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    src = write(tmp_path, [row(right="X")])
    assert main(["review", str(src), "--mode", "offline"]) == 2
    assert "row 1: 'right' = 'X' must be C or P" in capsys.readouterr().err
    assert main(["review", str(tmp_path / "missing.json")]) == 2


def test_screen_csv_is_read_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import csv

    rows = [row(), row("IBM", 130.0, passed="false", score="")]
    path = tmp_path / "screened.csv"
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert main(["review", str(path), "--mode", "offline", "--state", str(tmp_path / "s")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [d["symbol"] for d in doc["decisions"]] == ["GOOG  160129P00700000"]
