"""The typed config: defaults, round trips through config.json parameters, clear errors naming the setting."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.config import ConfigError, StrategyConfig, from_parameters, load_config_json, parameter_owner
from tests.conftest import ROOT


def test_config_json_parameters_are_exactly_the_settings_and_parse() -> None:
    doc = json.loads((ROOT / "config.json").read_text())
    assert doc["algorithm-language"] == "Python"
    assert doc["description"]
    assert set(doc["parameters"]) == set(parameter_owner())
    assert all(isinstance(v, str) for v in doc["parameters"].values())
    cfg = load_config_json(ROOT / "config.json")
    assert cfg.to_parameters() == doc["parameters"]


def test_defaults_round_trip() -> None:
    cfg = StrategyConfig()
    assert from_parameters(cfg.to_parameters()) == cfg


def test_seed_defaults() -> None:
    cfg = StrategyConfig()
    assert cfg.portfolio.max_trade_pct == 0.05
    assert (cfg.screen.cc_delta_min, cfg.screen.cc_delta_max) == (0.15, 0.35)
    assert (cfg.screen.csp_delta_min, cfg.screen.csp_delta_max) == (-0.35, -0.15)
    assert (cfg.screen.dte_min, cfg.screen.dte_max) == (30, 90)
    assert cfg.portfolio.trade_threshold == 7.5
    assert cfg.risk.max_net_delta == 0.20


def test_strings_are_coerced() -> None:
    cfg = from_parameters({"underlyings": "spy, aapl", "max_trade_pct": "0.04", "human_approval": "true",
                           "start_date": "2010-01-04"})
    assert cfg.general.underlyings == ("SPY", "AAPL")
    assert cfg.portfolio.max_trade_pct == 0.04
    assert cfg.review.human_approval is True
    assert cfg.general.start_date.isoformat() == "2010-01-04"


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"max_trade_pct": "abc"}, "max_trade_pct"),
        ({"max_trade_pct": "0"}, "max_trade_pct"),
        ({"max_trade_pct": "1.5"}, "max_trade_pct"),
        ({"cc_delta_min": "0.4"}, "cc_delta_min"),
        ({"dte_min": "95"}, "dte_min"),
        ({"csp_delta_max": "0.2"}, "csp_delta_max"),
        ({"weight_quant": "0.9"}, "weight_quant"),
        ({"review_mode_live": "yolo"}, "review_mode_live"),
        ({"kill_switch": "maybe"}, "kill_switch"),
        ({"start_date": "2020-01-01", "end_date": "2019-01-01"}, "start_date"),
        ({"min_credit_rating": "ZZZ"}, "min_credit_rating"),
        ({"underlyings": "SP Y"}, "underlyings"),
        ({"underlyings": ""}, "underlyings"),
        ({"stop_warn_pct": "0.5"}, "stop_warn_pct"),
        ({"no_such_setting": "1"}, "no_such_setting"),
        ({"schema_version": "2"}, "schema_version"),
    ],
)
def test_bad_value_names_the_parameter(params: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        from_parameters(params)


def test_config_is_frozen() -> None:
    cfg = StrategyConfig()
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError on assignment
        cfg.portfolio.max_trade_pct = 0.5  # type: ignore[misc]


def test_replace_validates() -> None:
    cfg = StrategyConfig().replace(max_positions="8")
    assert cfg.portfolio.max_positions == 8
    with pytest.raises(ConfigError, match="max_positions"):
        StrategyConfig().replace(max_positions=0)


@given(st.floats(min_value=0.001, max_value=1.0), st.integers(min_value=1, max_value=729))
def test_numeric_round_trip(pct: float, dte_min: int) -> None:
    cfg = StrategyConfig().replace(max_trade_pct=pct, dte_min=dte_min, dte_max=dte_min + 1)
    again = from_parameters(cfg.to_parameters())
    assert again == cfg
