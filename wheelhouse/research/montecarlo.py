"""Monte Carlo: bootstrap confidence intervals on CAGR, Sharpe and max drawdown, and crisis stress.

* **Daily returns** are resampled with a stationary block bootstrap (Politis-Romano, ``arch.bootstrap``):
  blocks of random length, mean ``block`` days (default 21, about one option cycle, because a short-option
  book's daily returns are dependent over a position's life: volatility clusters and losses arrive
  together). ``block="auto"`` takes the Politis-White optimal length of the squared returns instead.
* **Trade returns** (each closed trade's P&L over portfolio value at entry) are resampled i.i.d., since
  trades are the unit of independence there; a path has as many trades as the history, spread over the
  same number of years.
* **Crisis stress** replays each named crisis inside the history (the strategy's own return and drawdown
  over it) and builds ``horizon``-day paths from blocks drawn only from crisis days, so the distribution
  shows a year made of crisis markets.

Every draw takes a seed; the same inputs and seed give the same intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd
from arch.bootstrap import IIDBootstrap, StationaryBootstrap, optimal_block_length

from wheelhouse.research import metrics

METRICS = ("cagr", "sharpe", "max_drawdown", "annual_volatility")


@dataclass(frozen=True)
class Crisis:
    name: str
    start: date
    end: date


CRISES: tuple[Crisis, ...] = (
    Crisis("dot-com bear market", date(2000, 9, 1), date(2002, 10, 9)),
    Crisis("September 11", date(2001, 9, 10), date(2001, 9, 28)),
    Crisis("global financial crisis", date(2007, 10, 9), date(2009, 3, 9)),
    Crisis("Lehman and TARP", date(2008, 9, 12), date(2008, 11, 20)),
    Crisis("flash crash", date(2010, 4, 23), date(2010, 7, 2)),
    Crisis("US downgrade", date(2011, 7, 22), date(2011, 10, 3)),
    Crisis("yuan devaluation", date(2015, 8, 10), date(2015, 9, 30)),
    Crisis("volatility spike (XIV)", date(2018, 1, 26), date(2018, 2, 8)),
    Crisis("2018 fourth quarter", date(2018, 9, 20), date(2018, 12, 24)),
    Crisis("COVID-19 crash", date(2020, 2, 19), date(2020, 3, 23)),
)


@dataclass(frozen=True)
class MonteCarloResult:
    """Resampled statistics (one row per path) and the statistics of the history itself."""

    method: str
    samples: pd.DataFrame
    point: dict[str, float]
    confidence: float
    block: float | None = None

    def intervals(self) -> pd.DataFrame:
        """Per metric: the historical value, the lower bound, the median and the upper bound."""
        tail = (1.0 - self.confidence) / 2.0
        q = self.samples.quantile([tail, 0.5, 1.0 - tail])
        return pd.DataFrame({
            "historical": [self.point.get(m, math.nan) for m in self.samples.columns],
            f"p{tail * 100:g}": q.iloc[0].to_numpy(),
            "median": q.iloc[1].to_numpy(),
            f"p{(1 - tail) * 100:g}": q.iloc[2].to_numpy(),
        }, index=self.samples.columns)


def _clean(returns: npt.ArrayLike | pd.Series) -> npt.NDArray[np.float64]:
    r = np.asarray(returns, dtype=float)
    r = r[np.isfinite(r)]
    if r.size < 20:
        raise ValueError(f"need at least 20 returns to bootstrap, got {r.size}")
    return r


def _path_stats(r: npt.NDArray[np.float64], rf: npt.NDArray[np.float64] | float = 0.0) -> npt.NDArray[np.float64]:
    """CAGR, Sharpe, max drawdown and volatility of one daily path (the order of METRICS).

    ``rf``: the risk-free return of each day (or one number); the Sharpe ratio is the mean excess return over
    the standard deviation of returns, annualised with 252 sessions, as in ``stats.json``.
    """
    sd = float(np.std(r, ddof=1)) if r.size > 1 else math.nan
    sharpe = float(np.mean(r - rf)) / sd * math.sqrt(metrics.PERIODS_PER_YEAR) if sd > 0 else math.nan
    return np.array([float(metrics.cagr(r)), sharpe, float(metrics.max_drawdown(r)),
                     float(metrics.annual_volatility(r))])


def period_rates(annual: pd.Series) -> npt.NDArray[np.float64]:
    """Each session's risk-free return from annual rates indexed by date, over the calendar days since the
    previous session (one day for the first), continuously compounded as in ``stats.json``."""
    idx = pd.DatetimeIndex(pd.to_datetime(annual.index))
    if not len(idx):
        return np.zeros(0)
    days = np.diff(np.array([idx[0].toordinal() - 1, *(d.toordinal() for d in idx)], dtype=float))
    return np.expm1(annual.to_numpy(dtype=float) * days / 365.0)


def _cagr_years(r: npt.NDArray[np.float64], years: float) -> float:
    growth = float(np.prod(1.0 + r))
    return growth ** (1.0 / years) - 1.0 if growth > 0 else -1.0


def block_length(returns: npt.ArrayLike, block: int | str = 21) -> int:
    """The mean block length in days: ``block``, or for ``"auto"`` Politis-White on squared returns."""
    if block == "auto":
        r = _clean(returns)
        opt = float(optimal_block_length(r**2)["stationary"].iloc[0])
        return int(min(max(1, round(opt)), max(1, r.size // 10)))
    value = int(block)
    if value < 1:
        raise ValueError(f"block length {value} must be at least one day")
    return value


def bootstrap_daily(returns: npt.ArrayLike | pd.Series, reps: int = 1000, block: int | str = 21, seed: int = 7,
                    confidence: float = 0.95, risk_free: pd.Series | None = None) -> MonteCarloResult:
    """Stationary block bootstrap of daily returns -> intervals on CAGR, Sharpe, max drawdown, volatility.

    ``risk_free``: annual rates per session (the trial's ``risk_free``, aligned with ``returns``); each day's
    risk-free return is resampled together with that day's return, so the Sharpe ratio is an excess-return
    ratio as in ``stats.json``. Without it the Sharpe ratio is of raw returns.
    """
    if risk_free is not None:
        if len(risk_free) != len(np.asarray(returns)):
            raise ValueError("risk_free must hold one rate per return")
        rf = period_rates(risk_free)
        both = np.column_stack([np.asarray(returns, dtype=float), rf])
        both = both[np.isfinite(both).all(axis=1)]
        r, rf = _clean(both[:, 0]), both[:, 1]
    else:
        r = _clean(returns)
        rf = np.zeros_like(r)
    b = block_length(r, block)
    bs = StationaryBootstrap(b, r, rf, seed=seed)
    samples = bs.apply(lambda x, y: _path_stats(x, y), reps)
    point = dict(zip(METRICS, _path_stats(r, rf), strict=True))
    return MonteCarloResult("daily block bootstrap", pd.DataFrame(samples, columns=list(METRICS)), point,
                            confidence, float(b))


def bootstrap_trades(trade_returns: npt.ArrayLike | pd.Series, years: float, reps: int = 1000, seed: int = 7,
                     confidence: float = 0.95) -> MonteCarloResult:
    """I.i.d. bootstrap of per-trade returns over ``years`` -> intervals on CAGR, Sharpe, max drawdown.

    Sharpe and volatility are annualised with the history's trades per year.
    """
    r = _clean(trade_returns)
    if years <= 0:
        raise ValueError("years must be positive")
    per_year = r.size / years

    def stats(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.array([
            _cagr_years(x, years),
            float(np.mean(x) / np.std(x, ddof=1) * math.sqrt(per_year)) if np.std(x, ddof=1) > 0 else math.nan,
            float(metrics.max_drawdown(x)),
            float(np.std(x, ddof=1) * math.sqrt(per_year)),
        ])

    samples = IIDBootstrap(r, seed=seed).apply(stats, reps)
    return MonteCarloResult("trade bootstrap", pd.DataFrame(samples, columns=list(METRICS)),
                            dict(zip(METRICS, stats(r), strict=True)), confidence)


def crisis_replay(returns: pd.Series, crises: Sequence[Crisis] = CRISES) -> pd.DataFrame:
    """The strategy's own return and max drawdown over each crisis inside the history (others left out)."""
    idx = pd.DatetimeIndex(pd.to_datetime(returns.index))
    r = pd.Series(returns.to_numpy(dtype=float), index=idx)
    rows = []
    for c in crises:
        part = r[(idx >= pd.Timestamp(c.start)) & (idx <= pd.Timestamp(c.end))].dropna()
        if part.size < 5:
            continue
        rows.append({"crisis": c.name, "start": c.start, "end": c.end, "days": int(part.size),
                     "total_return": float(np.prod(1.0 + part.to_numpy()) - 1.0),
                     "max_drawdown": float(metrics.max_drawdown(part.to_numpy())),
                     "worst_day": float(part.min())})
    return pd.DataFrame(rows)


def crisis_stress(returns: pd.Series, crises: Sequence[Crisis] = CRISES, horizon: int = 252, reps: int = 1000,
                  block: int = 10, seed: int = 7, confidence: float = 0.95,
                  risk_free: pd.Series | None = None) -> MonteCarloResult:
    """``horizon``-day paths built from ``block``-day blocks drawn only from crisis days of the history.

    Blocks never straddle two crises (each starts inside one crisis and stays in it), so each path is
    made of crisis markets with their own day-to-day dependence. ``risk_free`` (annual rates per session)
    makes the Sharpe ratio an excess-return ratio, as in :func:`bootstrap_daily`.
    """
    idx = pd.DatetimeIndex(pd.to_datetime(returns.index))
    values = returns.to_numpy(dtype=float)
    rf_all = period_rates(risk_free) if risk_free is not None else np.zeros(len(values))
    segments: list[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]] = []
    for c in crises:
        mask = (idx >= pd.Timestamp(c.start)) & (idx <= pd.Timestamp(c.end)) & np.isfinite(values)
        if mask.sum() >= 5:
            segments.append((values[mask], rf_all[mask]))
    if not segments:
        raise ValueError("no crisis period of the list falls inside the history")
    rng = np.random.default_rng(seed)
    lengths = np.array([s.size for s, _ in segments], dtype=float)
    weights = lengths / lengths.sum()  # a day of any crisis is as likely as any other crisis day
    paths = np.empty((reps, horizon))
    rates = np.empty((reps, horizon))
    for i in range(reps):
        filled = 0
        while filled < horizon:
            seg, seg_rf = segments[int(rng.choice(len(segments), p=weights))]
            take = min(block, seg.size, horizon - filled)
            start = int(rng.integers(0, seg.size - take + 1))
            paths[i, filled:filled + take] = seg[start:start + take]
            rates[i, filled:filled + take] = seg_rf[start:start + take]
            filled += take
    samples = pd.DataFrame([_path_stats(p, r) for p, r in zip(paths, rates, strict=True)], columns=list(METRICS))
    days = np.concatenate([s for s, _ in segments])
    day_rates = np.concatenate([r for _, r in segments])
    point = dict(zip(METRICS, _path_stats(days, day_rates), strict=True))
    return MonteCarloResult(f"crisis stress ({len(segments)} crises, {horizon}-day paths)", samples, point,
                            confidence, float(block))


def main(argv: list[str] | None = None) -> int:
    """``python -m wheelhouse.research.montecarlo``: backtest once, then every interval of this module."""
    import argparse

    from wheelhouse.commands.optimize import add_run_arguments, base_parameters
    from wheelhouse.research.engine_trial import run_engine
    from wheelhouse.research.trial import DataSpec

    parser = argparse.ArgumentParser(prog="python -m wheelhouse.research.montecarlo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_arguments(parser)
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--block", default="21", help="mean block length in sessions, or 'auto'")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    config = base_parameters(args.config, args.set)
    spec = DataSpec(args.data, args.start or config.general.start_date, args.end or config.general.end_date)
    answer = run_engine(config.to_parameters(), spec)
    returns, rates, trades = answer["returns"], answer["risk_free"], answer["trade_returns"]
    block: int | str = args.block if args.block == "auto" else int(args.block)
    years = len(returns) / 252.0
    print(f"{spec.label()}: {len(returns)} sessions, {len(trades)} closed trades")
    daily = bootstrap_daily(returns, args.reps, block, args.seed, risk_free=rates)
    print(f"\n{daily.method}, mean block {daily.block:g} sessions, {args.reps} paths:")
    print(daily.intervals().round(4).to_string())
    if len(trades) >= 20:
        print(f"\ntrade bootstrap (option round trips only: no interest on cash), {args.reps} paths:")
        print(bootstrap_trades(trades, years, args.reps, args.seed).intervals().round(4).to_string())
    replay = crisis_replay(returns)
    if len(replay):
        print("\ncrisis replay:")
        print(replay.round(4).to_string(index=False))
        stress = crisis_stress(returns, reps=args.reps, seed=args.seed, risk_free=rates)
        print(f"\n{stress.method}:")
        print(stress.intervals().round(4).to_string())
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
