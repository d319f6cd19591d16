"""Limit status edges and the one rule of allowed_units, by hand and by hypothesis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.config import StrategyConfig
from risk.exposures import Exposures
from risk.limits import allowed_units, bounds, check_greeks, check_measure, status_of

L = np.array([0.20, 0.05, 0.02])


@pytest.mark.parametrize(("value", "status"), [
    (0.0, "ok"), (0.2, "ok"), (-0.2, "ok"), (0.2000001, "breach"), (-0.25, "breach"),
])
def test_limit_is_inclusive(value: float, status: str) -> None:
    assert status_of(value, 0.2) == status


@pytest.mark.parametrize(("value", "status"), [(0.015, "ok"), (0.0151, "alert"), (-0.016, "alert"), (0.021, "breach")])
def test_vega_alert_level(value: float, status: str) -> None:
    e = Exposures(100.0, 0.0, 0.0, value * 100.0, 0.0)
    vega = check_greeks(e, StrategyConfig().risk)[2]
    assert (vega.name, vega.status, vega.alert) == ("vega", status, 0.015)


def test_loss_measures_alert_but_never_breach() -> None:
    assert check_measure("var", 0.02, 0.015).status == "alert"
    assert check_measure("var", 0.015, 0.015).status == "ok"


def test_allowed_units_by_hand() -> None:
    x = np.array([0.10, -0.01, -0.005])
    per = np.array([0.03, -0.004, -0.002])  # one more short put
    # delta: (0.20 - 0.10) / 0.03 = 3.33 -> 3; gamma: (0.05 - 0.01) / 0.004 = 10; vega: 0.015 / 0.002 = 7.5
    assert allowed_units(x, per, L, 10) == 3
    assert allowed_units(x, per, L, 2) == 2
    assert allowed_units(x, per, L, 0) == 0
    # exactly at the limit is allowed
    assert allowed_units(np.array([0.11, 0, 0]), np.array([0.03, 0, 0]), L, 5) == 3


def test_reducing_trades_pass_only_when_they_shrink_a_breach() -> None:
    x = np.array([0.26, -0.01, -0.005])  # delta breached
    assert allowed_units(x, np.array([0.03, 0, 0]), L, 4) == 0  # more delta: refused
    assert allowed_units(x, np.array([-0.03, 0, 0]), L, 4, require_reduction=True) == 4
    assert allowed_units(x, np.array([0.0, -0.001, 0]), L, 4, require_reduction=True) == 0  # no effect on delta
    assert allowed_units(x, np.array([0.0, -0.001, 0]), L, 4) == 4  # outside REDUCING it is within bounds
    # a reduction may not overshoot past the opposite limit: 0.26 - k x 0.1 >= -0.2 -> k <= 4.6
    assert allowed_units(x, np.array([-0.1, 0, 0]), L, 9, require_reduction=True) == 4


finite = st.floats(-0.5, 0.5, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(x=st.tuples(finite, finite, finite), per=st.tuples(finite, finite, finite), n=st.integers(0, 50),
       reducing=st.booleans())
def test_allowed_units_never_pushes_past_a_limit_and_is_maximal(x: tuple[float, ...], per: tuple[float, ...],
                                                                  n: int, reducing: bool) -> None:
    cur, step = np.array(x), np.array(per)
    k = allowed_units(cur, step, L, n, reducing)
    assert 0 <= k <= n
    lo, hi = bounds(cur, L)
    after = cur + k * step
    assert np.all(after >= lo - 1e-9) and np.all(after <= hi + 1e-9)
    if not reducing and k < n:  # one more unit would break a bound
        more = cur + (k + 1) * step
        assert np.any(more < lo - 1e-13) or np.any(more > hi + 1e-13)
