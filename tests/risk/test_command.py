"""``python -m wheelhouse risk``: the JSON document, user mistakes, and a run on the real GOOG chain."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wheelhouse.cli import main

MARKET = """underlying,underlying_price,strike,expiry,right,style,bid,ask,volume,open_interest,quote_time
XYZ,102,100,2016-01-29,P,american,2.00,2.08,100,1000,2015-12-24T09:59
XYZ,102,110,2016-01-29,C,american,0.70,0.74,100,1000,2015-12-24T09:59
XYZ,102,90,2016-01-29,P,american,bad,0.74,100,1000,2015-12-24T09:59
"""
PORTFOLIO = {
    "cash": 80000, "total_value": 100000, "as_of": "2015-12-24T10:00", "account": "DU123",
    "positions": [
        {"symbol": "XYZ", "underlying": "XYZ", "quantity": 100, "cost_basis": 98},
        {"symbol": "my-put", "underlying": "XYZ", "quantity": -3, "cost_basis": 2.1, "strike": 100,
         "expiry": "2016-01-29", "right": "P"},
        {"symbol": "XYZ   160129C00110000", "underlying": "XYZ", "quantity": -1, "cost_basis": 0.9, "strike": 110,
         "expiry": "2016-01-29", "right": "C"},
    ],
    "prices": {"XYZ": 102},
}


def history_csv(path: Path) -> None:
    rng = np.random.default_rng(1)
    days = pd.bdate_range(end="2015-12-23", periods=300)
    rows = []
    for sym, vol, s0 in (("XYZ", 0.25, 80.0), ("ABC", 0.30, 50.0), ("VIX", 1.0, 15.0)):
        closes = s0 * np.exp(np.cumsum(rng.normal(0, vol / 16, len(days))))
        rows += [(d.date().isoformat(), sym, c) for d, c in zip(days, closes, strict=True)]
    pd.DataFrame(rows, columns=["date", "symbol", "close"]).to_csv(path, index=False)


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str, portfolio: dict | None = None) -> dict:  # type: ignore[type-arg]
    (tmp_path / "pf.json").write_text(json.dumps(portfolio or PORTFOLIO))
    (tmp_path / "mk.csv").write_text(MARKET)
    history_csv(tmp_path / "hist.csv")
    args = ["risk", str(tmp_path / "pf.json"), "--market", str(tmp_path / "mk.csv"), "--config", str(tmp_path / "none"),
            *extra]
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_document_has_every_section(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = run(tmp_path, capsys, "--history", str(tmp_path / "hist.csv"))
    assert {"greeks", "limits", "var", "expected_shortfall", "stress", "breaches", "state"} <= set(doc)
    g = doc["greeks"]
    assert {"net_delta", "gamma", "vega"} <= set(g) and g["unpriced"] == []  # 'my-put' matched on its terms
    assert set(doc["var"]) == {"historical", "parametric", "monte_carlo"}
    assert all(v["loss"] > 0 and v["pct"] == pytest.approx(v["loss"] / 100_000) for v in doc["var"].values())
    assert doc["expected_shortfall"]["monte_carlo"]["loss"] >= doc["var"]["monte_carlo"]["loss"]
    assert len(doc["stress"]) >= 20 and doc["stress"]["black_monday_1987"]["loss"] > 0
    assert doc["limits"]["net_delta"]["status"] in ("ok", "breach") and doc["limits"]["vega"]["alert"] == 0.015
    assert doc["state"] in ("ACTIVE", "REDUCING", "HALTED")
    assert doc["quotes_skipped"] == 1  # the row with an unreadable bid is left out, never priced
    assert doc["liquidity"]["my-put"]["status"] == "warn"  # 0.08 / 2.04 = 3.9% of mid
    assert "DU123" in doc["counterparty"]
    assert doc["counterparty"]["DU123"]["put_assignment_obligation"] == pytest.approx(100 * 100 * 3)


def test_without_history_the_historical_var_is_null_with_a_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = run(tmp_path, capsys)
    assert doc["var"]["historical"] is None and doc["var_notes"]["historical"] == "no price history given"


def test_a_breach_is_reported_with_its_action(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = dict(PORTFOLIO, positions=[dict(PORTFOLIO["positions"][0], quantity=400)])
    doc = run(tmp_path, capsys, portfolio=big)
    assert doc["state"] == "REDUCING" and doc["limits"]["net_delta"]["status"] == "breach"
    assert any(b["rule"] == "limit_net_delta" and b["action"] == "reduce" for b in doc["breaches"])
    assert doc["exits"] and doc["exits"][0]["symbol"] == "XYZ"


@pytest.mark.parametrize(("setup", "message"), [
    (lambda p: p.write_text("{nope"), "not valid JSON"),
    (lambda p: p.write_text(json.dumps(dict(PORTFOLIO, total_value=0))), "total_value must be positive"),
])
def test_user_mistakes_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], setup,  # type: ignore[no-untyped-def]
                                          message: str) -> None:
    pf = tmp_path / "pf.json"
    setup(pf)
    assert main(["risk", str(pf), "--as-of", "2015-12-24", "--config", str(tmp_path / "none")]) == 2
    assert message in capsys.readouterr().err


def test_bad_history_file_names_the_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pf.json").write_text(json.dumps(PORTFOLIO))
    (tmp_path / "h.csv").write_text("day,ticker,price\n2015-01-01,XYZ,1\n")
    assert main(["risk", str(tmp_path / "pf.json"), "--history", str(tmp_path / "h.csv"),
                 "--config", str(tmp_path / "none")]) == 2
    assert "date, symbol, close" in capsys.readouterr().err


@pytest.mark.slow
def test_real_goog_chain(lean_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Short GOOG puts valued on LEAN's sample chain of 2015-12-24 10:00, history from the sample dailies."""
    from wheelhouse.data.chain import chain_snapshot
    from wheelhouse.data.equity import daily_bars

    as_of = datetime(2015, 12, 24, 10, 0)
    snap = chain_snapshot(lean_data, "GOOG", as_of)
    rows = [{"underlying": q.underlying, "underlying_price": q.underlying_price, "strike": q.strike,
             "expiry": q.expiry.isoformat(), "right": q.right.value, "style": q.style.value, "bid": q.bid,
             "ask": q.ask, "volume": q.volume, "open_interest": q.open_interest,
             "quote_time": q.quote_time.isoformat()} for q in snap.quotes]
    pd.DataFrame(rows).to_csv(tmp_path / "goog.csv", index=False)
    puts = sorted((q for q in snap.quotes if q.right.value == "P" and q.bid > 0 and 30 <= q.dte(as_of) <= 60
                   and 0.9 * q.underlying_price < q.strike < 0.97 * q.underlying_price), key=lambda q: q.strike)
    assert puts, "the sample chain has OTM puts 30-60 days out"
    put = puts[-1]
    closes = daily_bars(lean_data, "GOOG")["close"]
    closes = closes[closes.index <= pd.Timestamp("2015-12-23")]
    pd.DataFrame({"date": closes.index.date, "symbol": "GOOG", "close": closes.to_numpy()}).to_csv(
        tmp_path / "hist.csv", index=False)
    pf = {"cash": 1_000_000, "total_value": 1_000_000, "as_of": as_of.isoformat(),
          "positions": [{"symbol": put.symbol, "underlying": "GOOG", "quantity": -2, "cost_basis": put.mid,
                         "strike": put.strike, "expiry": put.expiry.isoformat(), "right": "P"}]}
    (tmp_path / "pf.json").write_text(json.dumps(pf))
    assert main(["risk", str(tmp_path / "pf.json"), "--market", str(tmp_path / "goog.csv"), "--history",
                 str(tmp_path / "hist.csv"), "--config", str(tmp_path / "none")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["greeks"]["unpriced"] == []
    assert 0 < doc["greeks"]["net_delta"] < 0.2 and doc["greeks"]["vega"] < 0
    assert all(doc["var"][m]["loss"] > 0 for m in ("historical", "parametric", "monte_carlo"))
    # three methods on one small book agree within a factor of two
    losses = [doc["var"][m]["loss"] for m in ("historical", "parametric", "monte_carlo")]
    assert max(losses) < 2 * min(losses)
