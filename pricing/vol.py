"""Volatility: realised estimators, IV rank and percentile, GARCH / GJR-GARCH / HAR-RV forecasts, the VRP.

Conventions: prices are daily bars (``open, high, low, close``, one row per trading day, oldest first);
volatilities are annualised with ``periods_per_year`` (252 trading days) and quoted as decimals (0.2 = 20 %).
Rolling estimators return a ``pandas.Series`` aligned with the input (NaN until the window is full).
The forecast models are the ``arch`` package's (the likelihoods are not hand-written here); the fits are
deterministic for the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

PERIODS_PER_YEAR = 252
"""Trading days per year, for annualising daily variances."""

Model = Literal["garch", "gjr", "har"]


def _series(x: ArrayLike | pd.Series) -> pd.Series:
    return x.astype(float) if isinstance(x, pd.Series) else pd.Series(np.asarray(x, dtype=float))


def log_returns(close: ArrayLike | pd.Series) -> pd.Series:
    """Daily log returns ``ln(C_t / C_{t-1})`` (first element NaN)."""
    c = _series(close)
    return np.log(c / c.shift(1))


def close_to_close(
    close: ArrayLike | pd.Series, window: int = 21, periods_per_year: int = PERIODS_PER_YEAR
) -> pd.Series:
    """Rolling close-to-close volatility: sample standard deviation of log returns, annualised."""
    return log_returns(close).rolling(window).std(ddof=1) * np.sqrt(periods_per_year)


def parkinson(
    high: ArrayLike | pd.Series, low: ArrayLike | pd.Series, window: int = 21, periods_per_year: int = PERIODS_PER_YEAR
) -> pd.Series:
    """Rolling Parkinson (1980) volatility: ``var = mean(ln(H/L)^2) / (4 ln 2)``, annualised."""
    hl = np.log(_series(high) / _series(low)) ** 2
    return np.sqrt(hl.rolling(window).mean() / (4.0 * np.log(2.0)) * periods_per_year)


def garman_klass(
    open_: ArrayLike | pd.Series,
    high: ArrayLike | pd.Series,
    low: ArrayLike | pd.Series,
    close: ArrayLike | pd.Series,
    window: int = 21,
    periods_per_year: int = PERIODS_PER_YEAR,
) -> pd.Series:
    """Rolling Garman-Klass (1980) volatility: ``var = mean(ln(H/L)^2 / 2 - (2 ln 2 - 1) ln(C/O)^2)``."""
    o, h, lo, c = (_series(x) for x in (open_, high, low, close))
    daily = 0.5 * np.log(h / lo) ** 2 - (2.0 * np.log(2.0) - 1.0) * np.log(c / o) ** 2
    return np.sqrt(daily.rolling(window).mean().clip(lower=0.0) * periods_per_year)


def yang_zhang(
    open_: ArrayLike | pd.Series,
    high: ArrayLike | pd.Series,
    low: ArrayLike | pd.Series,
    close: ArrayLike | pd.Series,
    window: int = 21,
    periods_per_year: int = PERIODS_PER_YEAR,
) -> pd.Series:
    """Rolling Yang-Zhang (2000) volatility, robust to opening jumps and drift.

    ``var = var_overnight + k var_open_to_close + (1 - k) RS`` with ``k = 0.34 / (1.34 + (n + 1)/(n - 1))``,
    overnight returns ``ln(O_t / C_{t-1})``, sample variances (ddof 1) and the Rogers-Satchell mean
    ``RS = mean(ln(H/C) ln(H/O) + ln(L/C) ln(L/O))``.
    """
    if window < 2:
        raise ValueError("yang_zhang needs window >= 2")
    o, h, lo, c = (_series(x) for x in (open_, high, low, close))
    overnight = np.log(o / c.shift(1))
    open_close = np.log(c / o)
    rs = np.log(h / c) * np.log(h / o) + np.log(lo / c) * np.log(lo / o)
    k = 0.34 / (1.34 + (window + 1) / (window - 1))
    var = (
        overnight.rolling(window).var(ddof=1)
        + k * open_close.rolling(window).var(ddof=1)
        + (1.0 - k) * rs.rolling(window).mean()
    )
    return np.sqrt(var.clip(lower=0.0) * periods_per_year)


def iv_rank(history: ArrayLike | pd.Series, current: float | None = None, lookback: int = 252) -> float:
    """IV rank in percent: where ``current`` sits between the lowest and highest IV of the last ``lookback``
    observations of ``history`` (0 = at the low, 100 = at the high).

    ``current`` defaults to the last observation. NaNs in the history are ignored; NaN when fewer than two
    valid observations remain or the range is empty.
    """
    window, cur = _window(history, current, lookback)
    if window.size < 2:
        return float("nan")
    lo, hi = float(window.min()), float(window.max())
    if hi <= lo:
        return float("nan")
    return float(np.clip((cur - lo) / (hi - lo), 0.0, 1.0) * 100.0)


def iv_percentile(history: ArrayLike | pd.Series, current: float | None = None, lookback: int = 252) -> float:
    """IV percentile in percent: the share of the last ``lookback`` observations strictly below ``current``.

    ``current`` defaults to the last observation. NaNs are ignored; NaN when no valid observation remains.
    """
    window, cur = _window(history, current, lookback)
    if window.size == 0:
        return float("nan")
    return float(np.count_nonzero(window < cur) / window.size * 100.0)


def _window(history: ArrayLike | pd.Series, current: float | None, lookback: int) -> tuple[np.ndarray, float]:
    if lookback < 1:
        raise ValueError("lookback must be >= 1")
    h = np.asarray(history, dtype=float)
    tail = h[-lookback:]
    tail = tail[np.isfinite(tail)]
    if current is None:
        current = float(h[-1]) if h.size else float("nan")
    if not np.isfinite(current):
        return np.empty(0), float("nan")
    return tail, float(current)


def rolling_iv_rank_percentile(iv: pd.Series, lookback: int = 252) -> pd.DataFrame:
    """``iv_rank`` and ``iv_percentile`` of every date against its own trailing ``lookback`` window."""
    vals = iv.astype(float).to_numpy()
    ranks = np.full(vals.size, np.nan)
    pcts = np.full(vals.size, np.nan)
    for i in range(vals.size):
        hist = vals[max(0, i - lookback + 1) : i + 1]
        ranks[i] = iv_rank(hist, None, lookback)
        pcts[i] = iv_percentile(hist, None, lookback)
    return pd.DataFrame({"iv_rank": ranks, "iv_percentile": pcts}, index=iv.index)


@dataclass(frozen=True)
class VolForecast:
    """Annualised volatility expected over the next ``horizon`` trading days, and how it was fitted."""

    vol: float
    model: str
    horizon: int
    params: dict[str, float]
    converged: bool


def forecast_vol(
    returns: ArrayLike | pd.Series,
    horizon: int = 21,
    model: Model = "garch",
    periods_per_year: int = PERIODS_PER_YEAR,
    min_obs: int = 100,
    realised_variance: ArrayLike | pd.Series | None = None,
) -> VolForecast:
    """Forecast the average volatility over the next ``horizon`` days from daily log ``returns``.

    ``garch``: GARCH(1,1) with constant mean; ``gjr``: GJR-GARCH(1,1,1) (leverage term); ``har``: HAR-RV
    regression of daily realised variance on its 1-, 5- and 22-day averages, where the daily variance is
    ``realised_variance`` if given (for example Garman-Klass per day) else squared returns. Returns are
    scaled by 100 for the optimiser, as ``arch`` recommends. Raises ``ValueError`` with fewer than
    ``min_obs`` valid observations or a non-positive horizon.
    """
    if horizon < 1:
        raise ValueError("horizon must be >= 1")
    r = _series(returns).dropna()
    if r.size < min_obs:
        raise ValueError(f"forecast_vol needs at least {min_obs} returns, got {r.size}")
    from arch import arch_model
    from arch.univariate import HARX

    if model in ("garch", "gjr"):
        am = arch_model(100.0 * r.to_numpy(), mean="Constant", vol="GARCH", p=1, o=1 if model == "gjr" else 0, q=1)
        res = am.fit(disp="off", show_warning=False)
        var = res.forecast(horizon=horizon, reindex=False).variance.to_numpy()[-1]
        daily_var = float(np.mean(var)) / 1e4
    elif model == "har":
        rv = r.to_numpy() ** 2 if realised_variance is None else _series(realised_variance).dropna().to_numpy()
        if rv.size < min_obs:
            raise ValueError(f"forecast_vol needs at least {min_obs} variances, got {rv.size}")
        # Scale so the regression is O(1); forecasts are scaled back.
        scale = 1e4
        res = HARX(scale * rv, lags=[1, 5, 22]).fit(disp="off", show_warning=False)
        mean = res.forecast(horizon=horizon, reindex=False).mean.to_numpy()[-1] / scale
        floor = float(np.min(rv[rv > 0])) if np.any(rv > 0) else 0.0
        daily_var = float(np.mean(np.maximum(mean, floor)))
    else:
        raise ValueError(f"unknown volatility model {model!r}; use garch, gjr or har")
    params = {str(k): float(v) for k, v in res.params.items()}
    converged = bool(getattr(res, "convergence_flag", 0) == 0)
    return VolForecast(float(np.sqrt(daily_var * periods_per_year)), model, horizon, params, converged)


def volatility_risk_premium(implied: float | ArrayLike, forecast: float | ArrayLike) -> float | np.ndarray:
    """Volatility risk premium: implied volatility minus forecast realised volatility (vol points, decimals)."""
    out = np.asarray(implied, dtype=float) - np.asarray(forecast, dtype=float)
    return float(out) if out.ndim == 0 else out


def realised_vol(
    bars: pd.DataFrame, window: int = 21, estimator: str = "yang_zhang", periods_per_year: int = PERIODS_PER_YEAR
) -> pd.Series:
    """Rolling realised volatility of a bar frame with ``open, high, low, close`` columns by name of estimator
    (``close_to_close``, ``parkinson``, ``garman_klass``, ``yang_zhang``)."""
    if estimator == "close_to_close":
        return close_to_close(bars["close"], window, periods_per_year)
    if estimator == "parkinson":
        return parkinson(bars["high"], bars["low"], window, periods_per_year)
    o, h, lo, c = bars["open"], bars["high"], bars["low"], bars["close"]
    if estimator == "garman_klass":
        return garman_klass(o, h, lo, c, window, periods_per_year)
    if estimator == "yang_zhang":
        return yang_zhang(o, h, lo, c, window, periods_per_year)
    raise ValueError(f"unknown estimator {estimator!r}")
