"""The calibration figures quoted in docs/data.md: the error measures and the put-write check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wheelhouse.data.calibration import errors, model_vs_vix, putwrite_check


def test_errors_by_hand() -> None:
    idx = pd.date_range("2015-01-01", periods=4)
    model = pd.Series([11.0, 12.0, 15.0, 14.0], index=idx)
    vix = pd.Series([10.0, 13.0, 14.0, np.nan], index=idx)
    e = errors(model, vix)
    # differences 1, -1, 1 on the three common days
    assert (e.mean_error, e.rmse, e.days) == (pytest.approx(1 / 3), pytest.approx(1.0), 3)
    assert e.correlation == pytest.approx(np.corrcoef([11, 12, 15], [10, 13, 14])[0, 1])


def test_model_tracks_the_vix_and_scales_with_the_ratio() -> None:
    base = model_vs_vix(1.0)
    assert len(base) == 1257 and base.index[0] == pd.Timestamp("2014-01-03")
    assert errors(base["vix_equivalent"], base["vix"]).correlation > 0.8
    richer = model_vs_vix(1.2)
    assert np.allclose(richer["vix_equivalent"], 1.2 * base["vix_equivalent"])
    # the ATM vol sits below the variance-swap level by the smile's ratio
    assert (base["atm30"] < base["vix_equivalent"]).all()


def test_put_write_earns_more_when_implied_vol_is_richer() -> None:
    low, high = putwrite_check(1.0), putwrite_check(1.2)
    assert low["cagr"] < high["cagr"]
    assert -0.5 < high["max_drawdown"] < -0.1 and 0.05 < high["volatility"] < 0.25
