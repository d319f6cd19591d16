"""Risk calibration: scale exposure to a target annual volatility; optional, validated month-of-year factors.

Both only ever *reduce* exposure relative to what the configuration allows (a fraction above the setting's
upper bound is capped, and seasonal factors lie in ``(0, 1]``), in keeping with the rule that calibration,
like risk, may shrink but never enlarge.

* :func:`target_fraction` rescales an exposure setting (``capital_fraction`` by default) by
  ``target / realised`` volatility of a run; :func:`calibrate` repeats run-and-rescale on a trial, because
  whole contracts and position caps make volatility only roughly proportional to the fraction.
* :func:`vol_target_overlay` shows what ex-ante targeting would have done: each day's return scaled by
  ``target / realised`` over the previous ``lookback`` days (no look-ahead), capped at ``max_scale``.
* :func:`seasonal_factors` estimates a size multiplier per calendar month and accepts it only when the
  months differ significantly (Kruskal-Wallis, ``alpha``) *and* the month ranking repeats in the two
  halves of the history (Spearman correlation above zero); otherwise every factor stays 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
from scipy import stats as sps

from domain.config import SECTIONS, format_value, from_parameters, parameter_owner
from wheelhouse.research import metrics
from wheelhouse.research.trial import DataSpec, Trial, stats_of

SEASONAL_SETTING = "seasonal_factors"


@dataclass(frozen=True)
class Calibration:
    """Realised volatility at ``fraction_before`` and the fraction that aims at ``target``."""

    setting: str
    target: float
    realised: float
    fraction_before: float
    fraction: float
    capped: bool
    history: tuple[tuple[float, float], ...] = ()  # (fraction, realised volatility) per run


def _upper_bound(setting: str) -> float:
    field = SECTIONS[parameter_owner()[setting]].model_fields[setting]
    for m in field.metadata:
        for attr in ("le", "lt"):
            bound = getattr(m, attr, None)
            if bound is not None:
                return float(bound)
    return math.inf


def target_fraction(realised_vol: float, target_vol: float, current: float, setting: str = "capital_fraction",
                    max_fraction: float | None = None) -> Calibration:
    """The exposure that scales ``realised_vol`` to ``target_vol`` (linear), capped at the setting's bound."""
    if not target_vol > 0:
        raise ValueError(f"target volatility {target_vol} must be positive")
    if not (math.isfinite(realised_vol) and realised_vol > 0):
        raise ValueError(f"realised volatility {realised_vol} must be positive: the run took no risk")
    cap = min(max_fraction if max_fraction is not None else math.inf, _upper_bound(setting))
    wanted = current * target_vol / realised_vol
    return Calibration(setting, target_vol, realised_vol, current, min(wanted, cap), wanted > cap)


def calibrate(trial: Trial, parameters: Mapping[str, str], spec: DataSpec, target_vol: float,
              setting: str = "capital_fraction", iterations: int = 4, tolerance: float = 0.05) -> Calibration:
    """Run, rescale ``setting`` by target/realised volatility, and repeat until within ``tolerance``.

    Raises ValueError when a run fails or takes no risk.
    """
    params = dict(parameters)

    current = float(getattr(getattr(from_parameters(params), parameter_owner()[setting]), setting))
    history: list[tuple[float, float]] = []
    result: Calibration | None = None
    for _ in range(max(1, iterations)):
        stats = stats_of(trial(params, spec))
        realised = stats.get("annual_volatility", math.nan)
        history.append((current, realised))
        result = target_fraction(realised, target_vol, current, setting)
        if abs(realised / target_vol - 1.0) <= tolerance or result.fraction == current:
            result = Calibration(setting, target_vol, realised, current, current, result.capped)
            break
        current = result.fraction
        params[setting] = format_value(round(current, 4))
    assert result is not None
    return Calibration(result.setting, target_vol, result.realised, history[0][0], result.fraction, result.capped,
                       tuple(history))


def vol_target_overlay(returns: pd.Series, target_vol: float, lookback: int = 63, max_scale: float = 1.0,
                       min_periods: int = 20) -> pd.DataFrame:
    """Daily returns scaled by ``min(max_scale, target / trailing realised vol)``; the scale uses only past days.

    Returns a frame with ``scale`` and ``scaled`` columns (scale 1 until ``min_periods`` days are known).
    """
    vol = returns.rolling(lookback, min_periods=min_periods).std(ddof=1) * math.sqrt(metrics.PERIODS_PER_YEAR)
    scale = (target_vol / vol.shift(1)).clip(upper=max_scale).fillna(1.0)
    scale = scale.where(np.isfinite(scale), max_scale)
    return pd.DataFrame({"scale": scale, "scaled": returns * scale})


@dataclass(frozen=True)
class Seasonality:
    """Month-of-year factors (January first) and the evidence for them."""

    factors: tuple[float, ...]
    monthly_mean: tuple[float, ...]
    p_value: float
    stability: float
    years: int
    accepted: bool
    reason: str

    def parameter(self) -> str:
        """The value for a ``seasonal_factors`` setting (empty = off)."""
        return ",".join(f"{f:.2f}" for f in self.factors) if self.accepted else ""


def monthly_returns(returns: pd.Series) -> pd.Series:
    idx = pd.DatetimeIndex(pd.to_datetime(returns.index))
    r = pd.Series(returns.to_numpy(dtype=float), index=idx)
    return (1.0 + r).resample("ME").prod() - 1.0


def seasonal_factors(returns: pd.Series, floor: float = 0.5, alpha: float = 0.05, min_years: int = 8) -> Seasonality:
    """Validated month-of-year size factors from daily returns (see the module docstring).

    Accepted factors map the best month to 1 and the worst to ``floor``, linearly in the monthly mean.
    """
    if not 0 < floor <= 1:
        raise ValueError(f"floor {floor} must lie in (0, 1]")
    monthly = monthly_returns(returns).dropna()
    years = int(monthly.index.year.nunique())
    groups = [monthly[monthly.index.month == m].to_numpy() for m in range(1, 13)]
    means = tuple(float(g.mean()) if g.size else math.nan for g in groups)
    ones = tuple(1.0 for _ in range(12))
    if years < min_years or any(g.size < 2 for g in groups):
        return Seasonality(ones, means, math.nan, math.nan, years, False,
                           f"{years} years of history; at least {min_years} needed")
    p_value = float(sps.kruskal(*groups).pvalue)
    cut = sorted(monthly.index.year.unique())[years // 2]
    first, second = monthly[monthly.index.year < cut], monthly[monthly.index.year >= cut]
    m1 = [first[first.index.month == m].mean() for m in range(1, 13)]
    m2 = [second[second.index.month == m].mean() for m in range(1, 13)]
    stability = float(sps.spearmanr(m1, m2).statistic)
    if not p_value < alpha:
        return Seasonality(ones, means, p_value, stability, years, False,
                           f"months do not differ significantly (Kruskal-Wallis p = {p_value:.2f} >= {alpha})")
    if not stability > 0:
        return Seasonality(ones, means, p_value, stability, years, False,
                           f"month ranking does not repeat across halves (Spearman {stability:.2f})")
    best, worst = max(means), min(means)
    factors = tuple(float(min(1.0, max(floor, 1.0 - (1.0 - floor) * (best - m) / (best - worst)))) for m in means)
    return Seasonality(factors, means, p_value, stability, years, True, "significant and stable")


def parse_seasonal_factors(text: str | Sequence[float]) -> tuple[float, ...]:
    """Validate a ``seasonal_factors`` value: empty (off) or twelve numbers in (0, 1], January first."""
    if isinstance(text, str):
        parts = [p.strip() for p in text.split(",") if p.strip()]
        try:
            values = tuple(float(p) for p in parts)
        except ValueError:
            raise ValueError(f"{SEASONAL_SETTING} '{text}': expected twelve comma-separated numbers") from None
    else:
        values = tuple(float(v) for v in text)
    if not values:
        return ()
    if len(values) != 12:
        raise ValueError(f"{SEASONAL_SETTING}: expected 12 factors (January first), got {len(values)}")
    bad = [v for v in values if not (0 < v <= 1) or not math.isfinite(v)]
    if bad:
        raise ValueError(f"{SEASONAL_SETTING}: every factor must lie in (0, 1] (got {bad[0]:g})")
    return values


def seasonal_scale(as_of: date | datetime, factors: Sequence[float]) -> float:
    """The size multiplier for ``as_of``'s month (1 when factors are off)."""
    return float(factors[as_of.month - 1]) if factors else 1.0


def main(argv: list[str] | None = None) -> int:
    """``python -m wheelhouse.research.calibration``: volatility target and month-of-year factors for a config."""
    import argparse

    from wheelhouse.commands.optimize import add_run_arguments, base_parameters
    from wheelhouse.research.engine_trial import run_engine

    parser = argparse.ArgumentParser(prog="python -m wheelhouse.research.calibration", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target-vol", type=float, required=True, help="annual volatility to aim at, e.g. 0.08")
    parser.add_argument("--setting", default="capital_fraction", help="the exposure setting to rescale")
    add_run_arguments(parser)
    parser.add_argument("--iterations", type=int, default=4)
    args = parser.parse_args(argv)
    config = base_parameters(args.config, args.set)
    spec = DataSpec(args.data, args.start or config.general.start_date, args.end or config.general.end_date)
    result = calibrate(run_engine, config.to_parameters(), spec, args.target_vol, args.setting, args.iterations)
    for value, vol in result.history:
        print(f"{args.setting} = {value:.4g}: realised volatility {vol:.2%}")
    capped = " (capped at the setting's bound)" if result.capped else ""
    print(f"-> {args.setting} = {result.fraction:.4g}{capped} for a {args.target_vol:.1%} target")
    final = run_engine(config.replace(**{args.setting: round(result.fraction, 4)}).to_parameters(), spec)
    season = seasonal_factors(final["returns"])
    print(f"seasonal factors: {season.parameter() or 'none accepted'} ({season.reason}; Kruskal-Wallis p = "
          f"{season.p_value:.3f}, half-to-half Spearman {season.stability:.2f}, {season.years} years)")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
