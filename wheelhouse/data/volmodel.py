"""Day-by-day volatility state for model-priced chains: a GARCH forecast path without look-ahead.

:func:`forecast_path` walks the daily close-to-close log returns (in percent) once. GARCH(1,1) or
GJR-GARCH(1,1,1) parameters (``arch`` package, constant mean, normal errors) are re-estimated at the first
trading day of each calendar year on every return before that day; until ``min_history`` returns exist,
documented prior parameters for the S&P 500 are used. The conditional variance is then filtered forward
with the parameters in force, so the value reported for day t uses returns up to and including t only:

    sigma2[t+1] = omega + (alpha + gamma * 1{eps[t] < 0}) * eps[t]^2 + beta * sigma2[t],  eps = r - mu

The mean variance over the next h trading days (the forecast a 30-day option prices, h = 21) is
``LR + (sigma2[t+1] - LR) * (1 - phi^h) / ((1 - phi) h)`` with persistence
``phi = alpha + gamma / 2 + beta`` and long-run variance ``LR = omega / (1 - phi)``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

TRADING_DAYS = 252
Model = Literal["garch", "gjr"]


@dataclass(frozen=True)
class GarchParams:
    """GARCH parameters for returns in percent: ``mu`` %/day, ``omega`` %^2/day."""

    mu: float
    omega: float
    alpha: float
    gamma: float
    beta: float

    @property
    def persistence(self) -> float:
        return self.alpha + 0.5 * self.gamma + self.beta

    @property
    def long_run_var(self) -> float:
        return self.omega / (1.0 - self.persistence)


# Typical S&P 500 daily estimates (long-run vol 18 %/yr, persistence 0.98), used before enough history.
PRIOR: dict[str, GarchParams] = {
    "garch": GarchParams(mu=0.03, omega=0.0257, alpha=0.09, gamma=0.0, beta=0.89),
    "gjr": GarchParams(mu=0.03, omega=0.0257, alpha=0.0, gamma=0.14, beta=0.91),
}


def fit_params(returns_pct: np.ndarray, model: Model, fallback: GarchParams) -> GarchParams:
    """Maximum-likelihood GARCH/GJR parameters from ``arch``; ``fallback`` when the fit fails or is not
    covariance-stationary (persistence >= 0.999)."""
    from arch import arch_model  # imported here: only model-priced chains need it

    am = arch_model(returns_pct, mean="Constant", vol="GARCH", p=1, o=1 if model == "gjr" else 0, q=1, dist="normal")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = am.fit(disp="off", show_warning=False)
        except (ValueError, np.linalg.LinAlgError):
            return fallback
    p = res.params
    out = GarchParams(
        mu=float(p["mu"]),
        omega=float(p["omega"]),
        alpha=float(p["alpha[1]"]),
        gamma=float(p["gamma[1]"]) if model == "gjr" else 0.0,
        beta=float(p["beta[1]"]),
    )
    if not (res.convergence_flag == 0 and 0 < out.persistence < 0.999 and out.omega > 0):
        return fallback
    return out


def forecast_path(close: pd.Series, model: Model = "garch", horizon: int = 21, min_history: int = 504) -> pd.DataFrame:
    """Forecast state after each day's close, indexed like ``close``.

    Columns: ``var_next`` (sigma2[t+1], %^2/day), ``var_h`` (mean variance over the next ``horizon`` days,
    %^2/day), ``vol_h`` (annualised decimal: sqrt(var_h * 252) / 100), ``long_run_vol`` (annualised
    decimal), ``persistence``, ``fit_year`` (year whose start the parameters were fitted at; 0 = prior).
    """
    prices = close.to_numpy(dtype=float)
    if len(prices) < 2 or not np.all(np.isfinite(prices)) or np.any(prices <= 0):
        raise ValueError("close must hold at least two positive, finite prices")
    r = np.empty(len(prices))
    r[0] = 0.0
    r[1:] = 100.0 * np.diff(np.log(prices))
    years = pd.DatetimeIndex(close.index).year.to_numpy()
    params = PRIOR[model]
    fit_year = 0
    sigma2 = params.long_run_var
    n = len(prices)
    var_next = np.empty(n)
    persistence = np.empty(n)
    long_run = np.empty(n)
    fitted = np.zeros(n, dtype=int)
    for t in range(n):
        if t > 0 and years[t] != years[t - 1] and t - 1 >= min_history:
            params = fit_params(r[1:t], model, params)  # every return before day t, none after
            fit_year = int(years[t])
        if t > 0:
            eps = r[t] - params.mu
            shock = params.alpha + (params.gamma if eps < 0 else 0.0)
            sigma2 = params.omega + shock * eps * eps + params.beta * sigma2
        var_next[t] = sigma2
        persistence[t] = params.persistence
        long_run[t] = params.long_run_var
        fitted[t] = fit_year
    phi = persistence
    var_h = long_run + (var_next - long_run) * (1.0 - phi**horizon) / ((1.0 - phi) * horizon)
    return pd.DataFrame(
        {
            "var_next": var_next,
            "var_h": var_h,
            "vol_h": np.sqrt(var_h * TRADING_DAYS) / 100.0,
            "long_run_vol": np.sqrt(long_run * TRADING_DAYS) / 100.0,
            "persistence": persistence,
            "fit_year": fitted,
        },
        index=close.index,
    )
