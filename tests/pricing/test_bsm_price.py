"""The price-only kernel gives exactly the price of the full kernel, including the edge cases."""

from __future__ import annotations

import numpy as np

from pricing.bsm import bsm, bsm_price


def test_price_only_matches_full_kernel() -> None:
    rng = np.random.default_rng(11)
    n = 5_000
    spot, strike = rng.uniform(20, 200, n), rng.uniform(20, 200, n)
    t = np.concatenate([rng.uniform(0, 2, n - 4), [0.0, -1.0, 1.0, 1.0]])
    vol = np.concatenate([rng.uniform(0, 1.5, n - 4), [0.2, 0.2, 0.0, np.nan]])
    call = rng.random(n) < 0.5
    full = bsm(spot, strike, t, 0.03, 0.01, vol, call).price
    fast = bsm_price(spot, strike, t, 0.03, 0.01, vol, call)
    assert np.array_equal(np.isnan(full), np.isnan(fast))
    assert np.isnan(fast[-1])
    assert np.array_equal(full[~np.isnan(full)], fast[~np.isnan(fast)])
    assert bsm_price(100.0, 100.0, 0.5, 0.0, 0.0, 0.2, True).shape == ()
