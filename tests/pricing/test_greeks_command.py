"""``python -m wheelhouse greeks``: columns, per-row errors, chunks, and user mistakes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pricing.american import american
from pricing.bsm import bsm
from wheelhouse.cli import main
from wheelhouse.commands import greeks as cmd

HEADER = "symbol,underlying_price,strike,expiry,right,style,rate,dividend_yield,as_of,iv,price\n"
ROWS = """A,100,95,2024-02-16,P,american,0.05,0.01,2024-01-02,,{put}
B,100,95,2024-02-16,C,european,0.05,0.01,2024-01-02,0.25,
C,100,95,2024-02-16,C,american,0.05,0.01,2024-01-02,,4.05
D,abc,95,2024-02-16,C,american,0.05,0.01,2024-01-02,,4.05
E,100,95,2024-01-02,C,american,0.05,0.01,2024-01-02,,6
F,100,95,2024-02-16,X,american,0.05,0.01,2024-01-02,,4.05
G,100,95,2024-02-16,P,american,0.05,0.01,2024-01-02,,
H,100,95,2024-02-16,P,american,0.05,0.01,2024-01-02,,0
I,100,95,2024-13-16,P,american,0.05,0.01,2024-01-02,,1
J,100,95,2024-02-16,P,american,0.05,0.01,2024-01-02,-0.2,
K,100,95,2024-02-16,P,weekly,0.05,0.01,2024-01-02,0.2,
"""


def test_rows_with_problems_get_reasons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    put = float(american(100.0, 95.0, 45 / 365, 0.05, 0.01, 0.23, False).price)
    src = tmp_path / "in.csv"
    src.write_text(HEADER + ROWS.format(put=repr(put)))
    out = tmp_path / "out.csv"
    assert main(["greeks", str(src), "-o", str(out)]) == 0
    df = pd.read_csv(out, keep_default_na=False, dtype={"iv": str, "price": str})
    assert list(df.columns) == [
        *HEADER.strip().split(","),
        "delta",
        "gamma",
        "theta",
        "vega",
        "rho",
        "prob_otm",
        "error",
    ]
    assert list(df["error"]) == ["", "", "below_intrinsic", "bad_underlying_price", "expired", "bad_right",
                                 "missing_iv_or_price", "non_positive_price", "bad_expiry", "bad_iv", "bad_style"]  # fmt: skip
    assert float(df["iv"][0]) == pytest.approx(0.23, abs=1e-9)
    ref = bsm(100.0, 95.0, 45 / 365, 0.05, 0.01, 0.25, True)
    assert float(df["price"][1]) == pytest.approx(float(ref.price), rel=1e-12)
    assert float(df["theta"][1]) == pytest.approx(float(ref.theta), rel=1e-12)
    assert df["iv"][9] == "-0.2" and df["price"][7] == "0"  # failed rows keep their input
    assert df["delta"][3] == ""
    assert "11 rows" in capsys.readouterr().err


def test_chunks_and_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cmd, "CHUNK_ROWS", 3)
    rng = np.random.default_rng(0)
    n = 10
    rows = [f"100,{k:.1f},2024-03-15,{'C' if c else 'P'},european,0.03,0.0,2024-01-02,{v:.3f}"
            for k, c, v in zip(rng.uniform(80, 120, n), rng.random(n) < 0.5, rng.uniform(0.1, 0.5, n), strict=True)]  # fmt: skip
    src = tmp_path / "in.csv"
    src.write_text("underlying_price,strike,expiry,right,style,rate,dividend_yield,as_of,iv\n" + "\n".join(rows) + "\n")
    assert main(["greeks", str(src)]) == 0
    text = capsys.readouterr().out
    lines = text.strip().splitlines()
    assert len(lines) == n + 1 and lines[0].endswith("prob_otm,error")
    assert sum(line.startswith("underlying_price") for line in lines) == 1


def test_user_mistakes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["greeks", str(tmp_path / "missing.csv")]) == 2
    assert "not found" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("underlying_price,strike\n100,95\n")
    assert main(["greeks", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "missing column" in err and "iv or price" in err
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert main(["greeks", str(empty)]) == 2
