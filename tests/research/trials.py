"""Synthetic trials for the research tests: fast, deterministic functions of (parameters, data spec).

``synthetic_trial`` draws one standard-normal series per window (seeded by the window's dates, the same for
every parameter set) and maps parameters to drift and volatility:

* Sharpe-like quality peaks at ``max_trade_pct = 0.03`` and rises with ``dte_max`` (up to 90);
* volatility is proportional to ``capital_fraction`` x ``max_trade_pct`` / 0.05, so drawdown rises with size.

The answer has the stats.json keys, ``returns``, and a ``put_write`` benchmark, like the engine's trial.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from domain.config import from_parameters
from wheelhouse.research import metrics
from wheelhouse.research.trial import DataSpec


def window_noise(spec: DataSpec, offset: int = 0) -> pd.Series:
    start = spec.start or date(2010, 1, 1)
    end = spec.end or date(2012, 12, 31)
    days = pd.bdate_range(start, end)
    seed = start.toordinal() * 7 + end.toordinal() + offset
    return pd.Series(np.random.default_rng(seed).standard_normal(len(days)), index=days.date)


def quality(cfg: Any) -> float:
    return 1.5 - 400.0 * (cfg.portfolio.max_trade_pct - 0.03) ** 2 + 0.005 * min(cfg.screen.dte_max, 90)


def synthetic_trial(parameters: Mapping[str, str], spec: DataSpec) -> dict[str, Any]:
    cfg = from_parameters(parameters)
    z = window_noise(spec)
    vol = 0.10 * cfg.portfolio.capital_fraction * cfg.portfolio.max_trade_pct / 0.05
    drift = quality(cfg) * vol
    returns = drift / 252 + vol / np.sqrt(252) * z
    bench = 0.06 / 252 + 0.11 / np.sqrt(252) * window_noise(spec, offset=1)
    out: dict[str, Any] = metrics.summary(returns.to_numpy())
    out.pop("drawdown")
    out["model_priced"] = True
    out["returns"] = returns
    out["benchmarks"] = {"put_write": {k: v for k, v in metrics.summary(bench.to_numpy()).items() if k != "drawdown"}}
    out["benchmark_returns"] = {"put_write": bench}
    return out


def failing_trial(parameters: Mapping[str, str], spec: DataSpec) -> dict[str, Any]:
    if parameters.get("dte_max") == "60":
        raise RuntimeError("engine stopped: invariant 'free_cash_non_negative' violated")
    return synthetic_trial(parameters, spec)


def pid_trial(parameters: Mapping[str, str], spec: DataSpec) -> dict[str, float]:
    """The worker process a job ran in, and the job's number (``name`` j<N>), after ``sleep`` seconds if given;
    affinity: the ``data`` parameter."""
    import os
    import time

    time.sleep(float(parameters.get("sleep", 0.0)))
    return {"pid": float(os.getpid()), "value": float(parameters["name"][1:])}


def _data_of(parameters: Mapping[str, str], spec: DataSpec) -> str:
    return parameters["data"]


pid_trial.affinity = _data_of  # type: ignore[attr-defined]
