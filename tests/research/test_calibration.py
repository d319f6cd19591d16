"""Volatility targeting and validated seasonal factors."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.research.trials import synthetic_trial
from wheelhouse.research.calibration import (
    calibrate,
    parse_seasonal_factors,
    seasonal_factors,
    seasonal_scale,
    target_fraction,
    vol_target_overlay,
)
from wheelhouse.research.trial import DataSpec

SPEC = DataSpec(start=date(2010, 1, 1), end=date(2012, 12, 31))


def test_target_fraction_scales_linearly_and_never_beyond_the_setting_bound() -> None:
    half = target_fraction(realised_vol=0.20, target_vol=0.10, current=0.8)
    assert half.fraction == pytest.approx(0.4) and not half.capped
    more = target_fraction(realised_vol=0.05, target_vol=0.10, current=0.8)
    assert more.fraction == 1.0 and more.capped  # capital_fraction <= 1: calibration never levers up
    with pytest.raises(ValueError, match="took no risk"):
        target_fraction(0.0, 0.1, 1.0)


def test_calibrate_reaches_the_target_on_a_trial() -> None:
    # Synthetic volatility is 0.10 x capital_fraction x max_trade_pct / 0.05 = 0.10 at the defaults.
    result = calibrate(synthetic_trial, {}, SPEC, target_vol=0.06)
    assert result.fraction == pytest.approx(0.6, rel=0.02)
    assert result.fraction_before == 1.0 and len(result.history) <= 3
    check = synthetic_trial({"capital_fraction": f"{result.fraction:.4f}"}, SPEC)
    assert check["annual_volatility"] == pytest.approx(0.06, rel=0.05)


def test_calibrate_stops_at_the_cap() -> None:
    def calm(params: Mapping[str, str], spec: DataSpec) -> dict[str, Any]:
        return {"annual_volatility": 0.01 * float(params.get("capital_fraction", 1.0))}

    result = calibrate(calm, {"capital_fraction": "0.5"}, SPEC, target_vol=0.10)
    assert result.fraction == 1.0 and result.capped and result.fraction_before == 0.5


@settings(max_examples=25, deadline=None)
@given(day=st.integers(70, 299), shock=st.floats(-0.5, 0.5))
def test_overlay_uses_no_future_return(day: int, shock: float) -> None:
    returns = pd.Series(np.random.default_rng(1).normal(0, 0.02, 300), index=pd.bdate_range("2015-01-01", periods=300))
    before = vol_target_overlay(returns, 0.10)["scale"]
    changed = returns.copy()
    changed.iloc[day] = shock
    after = vol_target_overlay(changed, 0.10)["scale"]
    assert before.iloc[: day + 1].equals(after.iloc[: day + 1])  # today's scale ignores today's return
    assert (after <= 1.0).all()


def test_overlay_scale_is_target_over_trailing_vol() -> None:
    returns = pd.Series(np.tile([0.02, -0.02], 50), index=pd.bdate_range("2015-01-01", periods=100))
    frame = vol_target_overlay(returns, target_vol=0.10, lookback=20)
    trailing = returns.iloc[30:50].std(ddof=1) * np.sqrt(252)
    assert frame["scale"].iloc[50] == pytest.approx(0.10 / trailing)
    assert frame["scaled"].iloc[50] == pytest.approx(returns.iloc[50] * 0.10 / trailing)


def _daily(monthly_mean: list[float], years: int, noise: float, seed: int) -> pd.Series:
    days = pd.bdate_range(f"{2000}-01-01", f"{2000 + years - 1}-12-31")
    rng = np.random.default_rng(seed)
    drift = np.array([monthly_mean[d.month - 1] / 21 for d in days])
    return pd.Series(drift + rng.normal(0, noise, len(days)), index=days)


def test_strong_stable_seasonality_is_accepted() -> None:
    means = [0.02] * 12
    means[8] = -0.04  # September loses every year
    result = seasonal_factors(_daily(means, 16, 0.002, seed=1), floor=0.5)
    assert result.accepted and result.p_value < 0.05 and result.stability > 0
    assert result.factors[8] == pytest.approx(0.5)
    assert max(result.factors) == 1.0 and min(result.factors) == 0.5
    assert len(parse_seasonal_factors(result.parameter())) == 12
    assert seasonal_scale(date(2019, 9, 3), result.factors) == pytest.approx(0.5)


def test_noise_is_rejected_and_leaves_every_factor_at_one() -> None:
    result = seasonal_factors(_daily([0.005] * 12, 16, 0.01, seed=2))
    assert not result.accepted and result.factors == (1.0,) * 12 and result.parameter() == ""
    assert "Kruskal-Wallis" in result.reason or "Spearman" in result.reason


def test_short_history_is_rejected() -> None:
    result = seasonal_factors(_daily([0.01] * 12, 4, 0.01, seed=3))
    assert not result.accepted and "4 years" in result.reason


@pytest.mark.parametrize(
    ("text", "message"),
    [("1,1,1", "12 factors"), ("1,1,1,1,1,1,1,1,1,1,1,1.2", r"\(0, 1\]"), ("a,b", "twelve"), ("0," * 11 + "1", r"\(0, 1\]")],
)
def test_bad_seasonal_setting_names_the_setting(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="seasonal_factors") as info:
        parse_seasonal_factors(text)
    assert info.match(message)


def test_seasonal_off() -> None:
    assert parse_seasonal_factors("") == () and seasonal_scale(date(2020, 1, 2), ()) == 1.0


def test_command_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from wheelhouse.research import calibration, engine_trial

    monkeypatch.setattr(engine_trial, "run_engine", synthetic_trial)
    assert calibration.main(["--target-vol", "0.05", "--config", "/no/such.json", "--start", "2000-01-03",
                             "--end", "2011-12-30"]) == 0
    out = capsys.readouterr().out
    assert "capital_fraction = 1: realised volatility" in out and "-> capital_fraction = 0.5" in out
    assert "seasonal factors: none accepted" in out
