"""The volatility-regime table and the 0-10 score, against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alpha import regime as rg
from alpha import score as sc
from domain.config import StrategyConfig


@pytest.mark.parametrize(("level", "name"), [
    (14.99, "low"), (15.0, "normal"), (30.0, "normal"), (30.01, "high"), (40.0, "high"), (40.01, "extreme"),
    (np.nan, "unknown"),
])
def test_regime_bounds_are_strict(level: float, name: str) -> None:
    assert rg.classify(level, StrategyConfig().screen)[0] == name


def test_no_reading_is_unknown() -> None:
    assert rg.classify(None, StrategyConfig().screen).tolist() == ["unknown"]


def test_regime_bounds_are_settings() -> None:
    cfg = StrategyConfig().replace(vix_high=25, vix_extreme=35).screen
    assert rg.classify(np.array([26.0, 36.0]), cfg).tolist() == ["high", "extreme"]


def limits(regime: str, **changes: object) -> pd.DataFrame:
    cfg = StrategyConfig().replace(**changes).screen if changes else StrategyConfig().screen
    return rg.limits(np.array([True, False]), np.array([regime, regime]), cfg)


def test_normal_regime_keeps_the_configured_limits() -> None:
    lim = limits("normal")
    assert lim["delta_lo"].tolist() == [0.15, -0.35] and lim["delta_hi"].tolist() == [0.35, -0.15]
    assert lim["dte_lo"].tolist() == [30, 30] and lim["dte_hi"].tolist() == [90, 90]
    assert lim["min_oi"].tolist() == [100, 100] and lim["csp_allowed"].all()
    pd.testing.assert_frame_equal(limits("low"), lim)
    pd.testing.assert_frame_equal(limits("unknown"), lim)


def test_high_regime_tightens_the_far_delta_dte_and_liquidity() -> None:
    lim = limits("high")
    assert lim["delta_lo"].tolist() == pytest.approx([0.15, -0.28])
    assert lim["delta_hi"].tolist() == pytest.approx([0.28, -0.15])
    assert lim["dte_hi"].tolist() == [60, 60] and lim["min_oi"].tolist() == [200, 200]
    assert lim["csp_allowed"].all()


def test_extreme_regime_blocks_puts() -> None:
    lim = limits("extreme")
    assert lim["delta_hi"].iloc[0] == pytest.approx(0.21) and lim["delta_lo"].iloc[1] == pytest.approx(-0.21)
    assert lim["dte_hi"].tolist() == [45, 45]
    assert lim["csp_allowed"].tolist() == [False, False]


def test_regime_never_loosens_a_tight_setting() -> None:
    lim = limits("high", dte_max=40)
    assert lim["dte_hi"].tolist() == [40, 40]


def test_baseline_narrows_bands_then_regime_applies() -> None:
    lim = limits("normal", baseline_rules=True)
    assert lim["delta_lo"].tolist() == pytest.approx([0.20, -0.30])
    assert lim["delta_hi"].tolist() == pytest.approx([0.30, -0.20])
    assert lim["dte_lo"].tolist() == [30, 30] and lim["dte_hi"].tolist() == [45, 45]
    high = limits("high", baseline_rules=True)
    assert high["delta_hi"].iloc[0] == pytest.approx(0.24)


def test_baseline_keeps_a_narrower_configured_band() -> None:
    lim = limits("normal", baseline_rules=True, cc_delta_min=0.22, cc_delta_max=0.26)
    assert lim["delta_lo"].iloc[0] == pytest.approx(0.22) and lim["delta_hi"].iloc[0] == pytest.approx(0.26)


def score_row(**over: object) -> pd.DataFrame:
    base: dict[str, object] = {
        "strategy": "csp", "premium_yield": 0.075, "delta": -0.25, "delta_lo": -0.35, "delta_hi": -0.15,
        "iv_percentile": 40.0, "vrp": 0.05, "spread_pct": 0.025, "open_interest": 1000.0, "min_oi": 100.0,
        "dte": 45.0, "dte_lo": 30.0, "dte_hi": 90.0, "valid": True,
    }
    base.update(over)
    return pd.DataFrame([base])


def test_score_by_hand() -> None:
    # yield 0.075 / max(5 x 3%, 5%) = 0.5; delta at the band centre = 1; IV pct 0.4; VRP 5/10 = 0.5;
    # liquidity 0.5 x (1 - 0.025/0.05) + 0.5 x log10(1000/100)/2 = 0.25 + 0.25 = 0.5; DTE |45 - 60| / 30 -> 0.5
    total, comp = sc.score(score_row(), StrategyConfig().screen)
    assert comp.iloc[0].tolist() == pytest.approx([0.5, 1.0, 0.4, 0.5, 0.5, 0.5])
    expected = 10 * (0.25 * 0.5 + 0.20 * 1.0 + 0.15 * 0.4 + 0.15 * 0.5 + 0.15 * 0.5 + 0.10 * 0.5)
    assert total.iloc[0] == pytest.approx(expected) == pytest.approx(5.85)


def test_score_weights_sum_to_one_and_bounds_hold() -> None:
    assert sum(sc.WEIGHTS.values()) == pytest.approx(1.0)
    best = score_row(premium_yield=1.0, delta=-0.25, iv_percentile=100.0, vrp=0.5, spread_pct=0.0,
                     open_interest=1e6, dte=60.0)
    worst = score_row(premium_yield=0.0, delta=-0.35, iv_percentile=np.nan, vrp=-0.2, spread_pct=0.2,
                      open_interest=np.nan, dte=90.0)
    assert sc.score(best, StrategyConfig().screen)[0].iloc[0] == pytest.approx(10.0)
    assert sc.score(worst, StrategyConfig().screen)[0].iloc[0] == pytest.approx(0.0)


def test_call_yield_scale_uses_its_own_minimum() -> None:
    # calls: max(5 x 2%, 5%) = 10 %: a 5 % yield is half marks
    _, comp = sc.score(score_row(strategy="cc", premium_yield=0.05, delta=0.25, delta_lo=0.15, delta_hi=0.35),
                       StrategyConfig().screen)
    assert comp["score_yield"].iloc[0] == pytest.approx(0.5)


def test_invalid_rows_are_not_scored() -> None:
    total, _ = sc.score(score_row(valid=False), StrategyConfig().screen)
    assert np.isnan(total.iloc[0])
