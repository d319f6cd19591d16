"""Realised-volatility estimators against hand computation; IV rank/percentile; arch forecasts; VRP."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pricing.vol import (
    close_to_close,
    forecast_vol,
    garman_klass,
    iv_percentile,
    iv_rank,
    parkinson,
    realised_vol,
    rolling_iv_rank_percentile,
    volatility_risk_premium,
    yang_zhang,
)

BARS = pd.DataFrame({
    "open": [100.0, 101.0, 99.5, 102.0, 101.5],
    "high": [102.0, 103.0, 101.0, 104.0, 103.0],
    "low": [99.0, 100.0, 98.0, 101.0, 100.5],
    "close": [101.0, 100.0, 100.5, 103.0, 102.0],
})  # fmt: skip


def test_close_to_close_by_hand() -> None:
    r = [math.log(100 / 101), math.log(100.5 / 100), math.log(103 / 100.5), math.log(102 / 103)]
    mean = sum(r) / 4
    var = sum((x - mean) ** 2 for x in r) / 3
    assert close_to_close(BARS["close"], window=4).iloc[-1] == pytest.approx(math.sqrt(var * 252), rel=1e-12)


def test_parkinson_and_garman_klass_by_hand() -> None:
    hl = [math.log(h / lo) ** 2 for h, lo in zip(BARS["high"], BARS["low"], strict=True)]
    park = math.sqrt(sum(hl) / 5 / (4 * math.log(2)) * 252)
    assert parkinson(BARS["high"], BARS["low"], window=5).iloc[-1] == pytest.approx(park, rel=1e-12)
    co = [math.log(c / o) ** 2 for c, o in zip(BARS["close"], BARS["open"], strict=True)]
    gk = math.sqrt(sum(0.5 * a - (2 * math.log(2) - 1) * b for a, b in zip(hl, co, strict=True)) / 5 * 252)
    assert garman_klass(*(BARS[c] for c in ("open", "high", "low", "close")), window=5).iloc[-1] == pytest.approx(gk)


def test_yang_zhang_by_hand() -> None:
    o, h, lo, c = (BARS[x].to_list() for x in ("open", "high", "low", "close"))
    n = 4
    overnight = [math.log(o[i] / c[i - 1]) for i in range(1, 5)]
    oc = [math.log(c[i] / o[i]) for i in range(1, 5)]
    rs = [
        math.log(h[i] / c[i]) * math.log(h[i] / o[i]) + math.log(lo[i] / c[i]) * math.log(lo[i] / o[i])
        for i in range(1, 5)
    ]

    def var(x: list[float]) -> float:
        m = sum(x) / len(x)
        return sum((v - m) ** 2 for v in x) / (len(x) - 1)

    k = 0.34 / (1.34 + (n + 1) / (n - 1))
    expected = math.sqrt((var(overnight) + k * var(oc) + (1 - k) * sum(rs) / n) * 252)
    assert yang_zhang(*(BARS[x] for x in ("open", "high", "low", "close")), window=n).iloc[-1] == pytest.approx(
        expected
    )
    assert realised_vol(BARS, 4, "yang_zhang").iloc[-1] == pytest.approx(expected)
    with pytest.raises(ValueError):
        realised_vol(BARS, 4, "nope")


def test_estimators_agree_on_simulated_gbm() -> None:
    rng = np.random.default_rng(3)
    sigma, n, steps = 0.3, 2000, 390
    # Intraday paths so high/low are real extremes; no drift, no overnight gap.
    z = rng.standard_normal((n, steps)) * sigma / math.sqrt(252 * steps)
    paths = 100 * np.exp(np.cumsum(z.ravel()).reshape(n, steps))  # one continuous path cut into days
    opens = np.concatenate([[100.0], paths[:-1, -1]])
    bars = pd.DataFrame({"open": opens, "high": np.maximum(paths.max(axis=1), opens),
                         "low": np.minimum(paths.min(axis=1), opens), "close": paths[:, -1]})  # fmt: skip
    for est in ("close_to_close", "parkinson", "garman_klass", "yang_zhang"):
        assert realised_vol(bars, n - 1, est).iloc[-1] == pytest.approx(sigma, rel=0.06), est


def test_iv_rank_and_percentile() -> None:
    hist = [0.20, 0.30, 0.25, 0.40, 0.10]
    assert iv_rank(hist, 0.25) == pytest.approx(50.0)
    assert iv_percentile(hist, 0.25) == pytest.approx(40.0)  # 0.20 and 0.10 are below
    assert iv_rank(hist) == pytest.approx(0.0) and iv_percentile(hist) == 0.0  # last value is the low
    assert iv_rank(hist, 0.25, lookback=2) == pytest.approx(50.0)  # window [0.40, 0.10]
    assert math.isnan(iv_rank([0.2], 0.2)) and math.isnan(iv_percentile([], 0.2))
    assert math.isnan(iv_rank([0.2, 0.2, 0.2], 0.2))
    assert iv_rank([0.1, np.nan, 0.3], 0.2) == pytest.approx(50.0)
    table = rolling_iv_rank_percentile(pd.Series(hist), lookback=3)
    assert table["iv_rank"].iloc[3] == pytest.approx(100.0) and table["iv_percentile"].iloc[4] == 0.0


def _garch_path(n: int, omega: float, alpha: float, beta: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    var = omega / (1 - alpha - beta)
    out = np.empty(n)
    for i in range(n):
        out[i] = math.sqrt(var) * rng.standard_normal()
        var = omega + alpha * out[i] ** 2 + beta * var
    return out


def test_garch_recovers_its_process_and_mean_reverts() -> None:
    r = _garch_path(3000, 2e-6, 0.08, 0.9, seed=4)
    f = forecast_vol(r, horizon=21, model="garch")
    assert f.converged
    assert f.params["alpha[1]"] == pytest.approx(0.08, abs=0.04) and f.params["beta[1]"] == pytest.approx(0.9, abs=0.05)
    long_run = math.sqrt(2e-6 / 0.02 * 252)
    assert forecast_vol(r, horizon=5000, model="garch").vol == pytest.approx(long_run, rel=0.15)
    assert forecast_vol(r, horizon=21, model="garch").vol == f.vol  # deterministic
    gjr = forecast_vol(r, horizon=21, model="gjr")
    assert "gamma[1]" in gjr.params and 0.05 < gjr.vol < 0.5


def test_har_forecast_and_errors() -> None:
    r = _garch_path(1500, 2e-6, 0.08, 0.9, seed=5)
    f = forecast_vol(r, horizon=10, model="har")
    assert 0.05 < f.vol < 0.5 and "y[0:22]" in f.params
    with pytest.raises(ValueError, match="at least"):
        forecast_vol(r[:50], model="garch")
    with pytest.raises(ValueError, match="unknown"):
        forecast_vol(r, model="egarch")  # type: ignore[arg-type]


def test_volatility_risk_premium() -> None:
    assert volatility_risk_premium(0.25, 0.2) == pytest.approx(0.05)
    np.testing.assert_allclose(volatility_risk_premium([0.3, 0.1], [0.2, 0.2]), [0.1, -0.1])
