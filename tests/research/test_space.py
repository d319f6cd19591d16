"""SPACE.json parsing: dimensions typed from the config, constraints, LEAN names, errors that name the culprit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from wheelhouse.research.space import Constraint, SpaceError, lean_optimize_arguments, load_space, parse_space

SPACE = {
    "parameters": {
        "max_trade_pct": {"min": 0.02, "max": 0.05, "step": 0.01},
        "dte_max": {"values": [45, 60, 90]},
        "vol_forecast_model": {"values": ["garch", "har"]},
    },
    "objective": {"target": "Sharpe Ratio", "direction": "max"},
    "constraints": ["Drawdown < 15%", "cagr >= 0.02"],
}


def test_grid_points_are_typed_and_inclusive() -> None:
    space = parse_space(SPACE)
    dims = {d.name: d for d in space.dimensions}
    assert dims["max_trade_pct"].grid() == (0.02, 0.03, 0.04, 0.05)  # max included, float noise rounded away
    assert dims["dte_max"].grid() == (45, 60, 90) and all(isinstance(v, int) for v in dims["dte_max"].grid())
    assert space.grid_size() == 4 * 3 * 2
    assert space.objective.target == "sharpe"
    assert [str(c) for c in space.constraints] == ["drawdown < 0.15", "cagr >= 0.02"]


def test_integer_setting_rounds_and_continuous_range_samples_inside() -> None:
    space = parse_space({"parameters": {"dte_max": {"min": 40, "max": 120}, "profit_take_pct": {"min": 0.3, "max": 0.9}}})
    rng = np.random.default_rng(1)
    for _ in range(50):
        dte = space.dimensions[0].sample(rng)
        take = space.dimensions[1].sample(rng)
        assert isinstance(dte, int) and 40 <= dte <= 120
        assert isinstance(take, float) and 0.3 <= take <= 0.9
    with pytest.raises(SpaceError, match="dte_max"):
        space.dimensions[0].grid()


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"parameters": {"max_trade_percent": {"values": [1]}}}, "max_trade_percent"),
        ({"parameters": {"vol_forecast_model": {"min": 1, "max": 2}}}, "vol_forecast_model"),
        ({"parameters": {"dte_max": {"min": 90, "max": 30, "step": 10}}}, "dte_max"),
        ({"parameters": {"dte_max": {"min": 30, "max": 90, "step": 0}}}, "step"),
        ({"parameters": {"dte_max": {"values": []}}}, "dte_max"),
        ({"parameters": {"dte_max": {"low": 1}}}, "low"),
        ({"parameters": {}, "objective": {"direction": "up"}}, "direction"),
        ({"parameters": {}, "constraints": ["drawdown is small"]}, "drawdown is small"),
        ({"parametres": {}}, "parametres"),
    ],
)
def test_bad_space_names_the_culprit(doc: dict[str, object], message: str) -> None:
    with pytest.raises(SpaceError, match=message):
        parse_space(doc)


def test_base_config_must_be_valid() -> None:
    with pytest.raises(SpaceError, match="max_trade_pct"):
        parse_space({"parameters": {}}, base={"max_trade_pct": "3"})


def test_point_breaking_a_cross_field_rule_is_reported() -> None:
    space = parse_space({"parameters": {"dte_min": {"values": [30, 60]}, "dte_max": {"values": [45]}}})
    assert space.check({"dte_min": 30, "dte_max": 45}) is None
    assert "dte_min" in (space.check({"dte_min": 60, "dte_max": 45}) or "")


def test_constraints_on_missing_or_nan_metrics_fail() -> None:
    c = Constraint.parse("drawdown < 0.15")
    assert c.holds({"drawdown": 0.10}) and not c.holds({"drawdown": 0.20})
    assert not c.holds({}) and not c.holds({"drawdown": float("nan")})
    assert Constraint.parse("Compounding Annual Return > 5%") == Constraint("cagr", ">", 0.05)


def test_load_space_file_errors(tmp_path: Path) -> None:
    with pytest.raises(SpaceError, match="no such file"):
        load_space(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SpaceError, match="not valid JSON"):
        load_space(bad)
    good = tmp_path / "space.json"
    good.write_text(json.dumps(SPACE))
    assert load_space(good, base={"initial_cash": "100000"}).base == {"initial_cash": "100000"}


def test_same_names_as_lean_optimize() -> None:
    args = lean_optimize_arguments(parse_space(SPACE))
    assert args[:6] == ["--strategy", "Grid Search", "--target", "Sharpe Ratio", "--target-direction", "max"]
    assert ["--parameter", "max_trade_pct", "0.02", "0.05", "0.01"] == args[6:11]
    assert "dte_max" not in args  # LEAN's optimizer takes numeric ranges only
    assert args[-4:] == ["--constraint", "Drawdown < 0.15", "--constraint", "Compounding Annual Return >= 0.02"]
