"""The LEAN put-write project: self-contained, one algorithm class in main.py, the shared monthly rules."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from domain.types import Right
from tests.conftest import FAKE_LEAN
from tests.factories import quote
from wheelhouse.benchmarks import lean_project
from wheelhouse.engine.monthly import collateralised_puts, is_roll_date, pick_atm, third_friday


def test_project_is_self_contained(tmp_path: Path) -> None:
    out = lean_project(tmp_path / "PutWrite")
    tree = ast.parse((out / "main.py").read_text())
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    assert [c.name for c in classes] == ["PutWriteAlgorithm"]
    # Only the project folder and the fake LEAN module on the path: every import must resolve inside it.
    code = "import main, sys; print(main.PutWriteAlgorithm.__mro__[1].__name__)"
    res = subprocess.run([sys.executable, "-c", code], cwd=out, capture_output=True, text=True,
                         env={"PYTHONPATH": f"{out}:{FAKE_LEAN}", "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "PutWriteBenchmarkAlgorithm"


def test_roll_dates_and_contract_choice() -> None:
    assert third_friday(2015, 1) == date(2015, 1, 16)
    assert is_roll_date(date(2015, 1, 16), date(2015, 1, 20))
    # 2014-04-18 was Good Friday: the Thursday is the roll date.
    assert is_roll_date(date(2014, 4, 17), date(2014, 4, 21)) and not is_roll_date(date(2014, 4, 17), date(2014, 4, 18))
    t = datetime(2015, 1, 16, 11, 30)
    chain = [quote(Right.PUT, strike=k, expiry=e, underlying="SPY", quote_time=t)
             for e in (date(2015, 1, 30), date(2015, 2, 20), date(2015, 3, 20)) for k in (200.0, 201.0, 202.0)]
    chosen = pick_atm(chain, date(2015, 1, 16), Right.PUT, 201.6)
    assert chosen is not None and (chosen.expiry, chosen.strike) == (date(2015, 2, 20), 201.0)


@pytest.mark.parametrize(("cash", "strike", "premium", "fee"), [(1_000_000.0, 200.0, 3.0, 0.0), (50_000.0, 100.0, 1.0, 1.0)])
def test_collateralised_size_uses_all_cash(cash: float, strike: float, premium: float, fee: float) -> None:
    n = collateralised_puts(cash, strike, premium, 100, lambda k: fee)
    # After the sale: cash + premium - fee equals the strike notional (to the safety margin).
    assert n * strike * 100 == pytest.approx(cash + n * premium * 100 - fee, rel=1e-8)
    assert collateralised_puts(cash, 1.0, 2.0, 100, lambda k: 0.0) == 0.0
