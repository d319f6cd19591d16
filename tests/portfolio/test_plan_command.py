"""The ``plan`` command: screened rows + portfolio -> targets with contracts, notional and limit prices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wheelhouse.cli import main

ROW = {"underlying": "AAA", "strike": 40.0, "expiry": "2016-01-29", "right": "P", "style": "american",
       "bid": 1.00, "ask": 1.02, "underlying_price": 44.0, "volume": 500, "open_interest": 1000,
       "quote_time": "2015-12-24T10:00:00", "multiplier": 100, "strategy": "csp", "passed": True, "score": 9.0}


def write(tmp_path: Path, name: str, doc: object) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return str(path)


def test_plan_writes_targets_and_dropped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [ROW,
            ROW | {"underlying": "BBB", "strike": 60.0, "underlying_price": 65.0},            # 6,000 > 5,000 cap
            ROW | {"underlying": "CCC", "strike": 20.0, "score": 7.0},                         # 0.7x7 + 1 + ... < 7.5
            ROW | {"underlying": "DDD", "passed": False}]                                      # not a passing row
    cands = write(tmp_path, "candidates.json", rows)
    folio = write(tmp_path, "portfolio.json", {"cash": 100_000, "total_value": 100_000, "positions": []})
    out = tmp_path / "plan.json"
    code = main(["plan", cands, "--portfolio", folio, "-o", str(out), "--config", str(tmp_path / "none.json")])
    assert code == 0
    doc = json.loads(out.read_text())
    assert set(doc) == {"targets", "dropped"}
    (t,) = doc["targets"]
    assert set(t) == {"candidate_id", "underlying", "strike", "expiry", "right", "contracts", "notional",
                      "limit_price", "score"}
    # 5% of 100,000 = 5,000; 4,000 a contract -> 1 contract sold at mid 1.01; neutral confidence 5:
    # final = 0.7 x 9 + 0.2 x 5 + 0.1 x risk-fit (empty book: 10 x (1 - (0.1 + 0.2 + 1/3)/3) = 7.8889) = 8.0889.
    assert (t["underlying"], t["strike"], t["expiry"], t["right"], t["contracts"], t["notional"], t["limit_price"]) == (
        "AAA", 40.0, "2016-01-29", "P", -1, 4000.0, 1.01)
    assert t["score"] == pytest.approx(0.7 * 9 + 0.2 * 5 + 0.1 * 10 * (1 - (0.1 + 0.2 + 1 / 3) / 3), abs=1e-4)
    reasons = [d["reason"] for d in doc["dropped"]]
    assert len(reasons) == 2
    assert any("exceeds the budget" in r for r in reasons) and any("below threshold" in r for r in reasons)
    assert "1 targets ($4,000 cash-secured notional), 2 dropped" in capsys.readouterr().out


def test_plan_reads_review_decisions(tmp_path: Path) -> None:
    cands = write(tmp_path, "candidates.json", [ROW | {"strike": 10.0}])
    folio = write(tmp_path, "portfolio.json", {"cash": 100_000, "total_value": 100_000})

    def plan(*extra: str) -> list[dict[str, object]]:
        out = tmp_path / "plan.json"
        assert main(["plan", cands, "--portfolio", folio, "-o", str(out), "--config", str(tmp_path / "x"), *extra]) == 0
        return list(json.loads(out.read_text())["targets"])

    (first,) = plan()
    assert first["contracts"] == -5
    decisions = write(tmp_path, "review.json", {"decisions": [
        {"candidate_id": first["candidate_id"], "action": "reduce", "size_multiplier": 0.5, "confidence": 9}]})
    assert [t["contracts"] for t in plan("--decisions", decisions)] == [-2]  # 2,500 buys 2 contracts of 1,000
    # VIX above 30 cuts 40% (5,000 -> 3,000 -> 3 contracts); a holiday week 25% more (2,250 -> 2).
    assert [t["contracts"] for t in plan("--vix", "35")] == [-3]
    assert [t["contracts"] for t in plan("--vix", "35", "--holiday-week")] == [-2]


def test_plan_mistakes_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folio = write(tmp_path, "portfolio.json", {"cash": 100_000, "total_value": 100_000})
    cands = write(tmp_path, "candidates.json", [ROW])
    assert main(["plan", str(tmp_path / "missing.json"), "--portfolio", folio]) == 2
    bad = write(tmp_path, "review.json", {"decisions": [{"candidate_id": "x", "action": "maybe"}]})
    assert main(["plan", cands, "--portfolio", folio, "--decisions", bad]) == 2
    err = capsys.readouterr().err
    assert "missing.json" in err and "needs candidate_id, action" in err and "Traceback" not in err
