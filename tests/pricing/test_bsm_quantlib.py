"""European price and Greeks against QuantLib's analytic engine on a random grid of 10,000 contracts."""

from __future__ import annotations

import numpy as np
import pytest

from pricing.bsm import bsm
from tests.pricing.ql_oracle import european, make_env

N = 10_000


@pytest.fixture(scope="module")
def grid() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20240102)
    s = rng.uniform(20.0, 500.0, N)
    return {
        "s": s,
        "k": s * np.exp(rng.uniform(-0.6, 0.6, N)),
        "days": rng.integers(1, 731, N),
        "r": rng.uniform(0.0, 0.10, N),
        "q": rng.uniform(0.0, 0.06, N),
        "v": rng.uniform(0.05, 1.5, N),
        "call": rng.random(N) < 0.5,
    }


@pytest.fixture(scope="module")
def oracle(grid: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    env = make_env()
    rows = [
        european(env, float(s), float(k), int(d), float(r), float(q), float(v), bool(c))
        for s, k, d, r, q, v, c in zip(*(grid[x] for x in ("s", "k", "days", "r", "q", "v", "call")), strict=True)
    ]
    return {key: np.array([row[key] for row in rows]) for key in rows[0]}


@pytest.mark.parametrize("field", ["price", "delta", "gamma", "vega", "theta_year", "rho"])
def test_matches_quantlib(grid: dict[str, np.ndarray], oracle: dict[str, np.ndarray], field: str) -> None:
    res = bsm(grid["s"], grid["k"], grid["days"] / 365.0, grid["r"], grid["q"], grid["v"], grid["call"])
    ours = getattr(res, field)
    ref = oracle[field]
    # Relative 1e-8; an absolute floor of 1e-12 x spot covers values that are themselves ~0.
    tol = 1e-8 * np.abs(ref) + 1e-12 * grid["s"]
    bad = np.abs(ours - ref) > tol
    worst = np.argmax(np.abs(ours - ref) / tol)
    assert not bad.any(), f"{field}: {bad.sum()} misses, worst {ours[worst]!r} vs {ref[worst]!r}"


def test_theta_per_day_is_year_over_365(grid: dict[str, np.ndarray]) -> None:
    res = bsm(100.0, 95.0, 30 / 365, 0.05, 0.01, 0.3, False)
    assert res.theta == pytest.approx(res.theta_year / 365.0, rel=1e-15)
