"""Market scenarios and the revaluation of a book under them (full and by Taylor expansion).

A scenario moves every underlying by a simple return ``r``, every implied volatility by a relative change
``v`` (``iv' = iv x (1 + v)``, floored at :data:`VOL_FLOOR`), the rate by ``rate_shift`` and time by ``dt``
years. Full revaluation prices each option again at the shocked inputs with the European BSM of
:func:`pricing.bsm.bsm_price` (in one compiled loop, :func:`risk._kernels.shocked_prices`) and subtracts the
BSM value at today's inputs, so the one-day P&L does not mix two models; stock moves by ``r``. Where a scenario source gives no volatility move, ``v = vol_spot_beta x r`` (implied vol
rises when the underlying falls; the setting's default -5 means a 2% fall lifts IV by 10% of itself).

The Taylor P&L (what parametric VaR rests on) is, per leg, ``delta x S x r + 0.5 x gamma x (S r)^2 +
vega x (100 x iv x v) + theta x days`` with the same European Greeks; dropping vega shows how much of the
risk of a short-premium book is volatility.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from risk.book import Book, IntArray, finite

FloatArray = NDArray[np.float64]

VOL_FLOOR = 0.01
"""Smallest shocked implied volatility (1%); a priced leg never reaches zero vol in a scenario."""
TRADING_DAYS = 252
CHUNK = 1_000_000
"""Scenario x leg evaluations per pricing call: bounds memory for very large Monte Carlo runs."""


@dataclass(frozen=True)
class Scenarios:
    """``returns`` and ``vol_rel`` have shape (scenarios, underlyings), columns in the book's underlying order."""

    returns: FloatArray
    vol_rel: FloatArray
    dt: float = 1.0 / 365.0
    rate_shift: float = 0.0

    def __len__(self) -> int:
        return int(self.returns.shape[0])


@dataclass(frozen=True)
class EuroGreeks:
    """European BSM value and per-unit Greeks of each option leg (zeros for stock), in dollars per unit."""

    price: FloatArray
    delta: FloatArray
    gamma: FloatArray
    vega: FloatArray
    theta: FloatArray


def euro_greeks(book: Book) -> EuroGreeks:
    from pricing.bsm import bsm

    res = bsm(book.spot, book.strike, book.t, book.rate, book.div, book.vol, book.is_call)
    m, opt = book.multiplier, book.is_option

    def col(a: FloatArray) -> FloatArray:
        return np.where(opt, finite(a) * m, 0.0)

    return EuroGreeks(col(res.price), col(res.delta), col(res.gamma), col(res.vega), col(res.theta))


def revalue(book: Book, scen: Scenarios, base: EuroGreeks | None = None) -> FloatArray:
    """Full-revaluation P&L in $ of ``book`` under each scenario, shape (scenarios,)."""
    return revalue_each(book, (scen,), base)[0]


def revalue_each(book: Book, scens: Sequence[Scenarios], base: EuroGreeks | None = None) -> list[FloatArray]:
    """:func:`revalue` of ``book`` under each scenario set of ``scens``, with the same numbers.

    Sets that fit in :data:`CHUNK` evaluations together are priced in one call (a contract's price in a
    scenario does not depend on what else is in the call); each set's P&L is then summed as :func:`revalue`
    of that set alone would."""
    base = base or euro_greeks(book)
    out = [np.zeros(len(s)) for s in scens]
    stock = ~book.is_option
    if stock.any():
        und_s, notional = book.und[stock], book.quantity[stock] * book.spot[stock]
        for pnl, s in zip(out, scens, strict=True):
            pnl += s.returns[:, und_s] @ notional
    opt = np.flatnonzero(book.is_option & (book.quantity != 0))
    if opt.size == 0 or not scens:
        return out
    weight = book.quantity[opt] * book.multiplier[opt]
    base_value = float(base.price[opt] @ book.quantity[opt])
    step = max(1, CHUNK // opt.size)
    sizes = [len(s) for s in scens]
    if len(scens) > 1 and sum(sizes) <= step:
        dt = np.repeat(np.array([s.dt for s in scens], dtype=np.float64), sizes)
        rate = np.repeat(np.array([book.rate + s.rate_shift for s in scens], dtype=np.float64), sizes)
        price = _option_prices(book, opt, [(s.returns, s.vol_rel) for s in scens], dt, rate)
        start = 0
        for pnl, n in zip(out, sizes, strict=True):
            pnl += price[start:start + n] @ weight - base_value
            start += n
        return out
    for pnl, s in zip(out, scens, strict=True):
        for a in range(0, len(s), step):
            b = min(len(s), a + step)
            dt = np.full(b - a, s.dt, dtype=np.float64)
            rate = np.full(b - a, book.rate + s.rate_shift, dtype=np.float64)
            price = _option_prices(book, opt, [(s.returns[a:b], s.vol_rel[a:b])], dt, rate)
            pnl[a:b] += price @ weight - base_value
    return out


def _option_prices(book: Book, opt: IntArray, moves: Sequence[tuple[FloatArray, FloatArray]], dt: FloatArray,
                   rate: FloatArray) -> FloatArray:
    """European value (NaN as 0) of the option legs ``opt`` in each scenario, shape (scenarios, legs).

    ``moves``: blocks of scenarios, each its ``returns`` and ``vol_rel`` (scenarios x underlyings), in this
    order; ``dt`` and ``rate``: one per scenario. A leg's shocked inputs are ``spot x (1 + r)``, ``vol x
    (1 + v)`` floored at :data:`VOL_FLOOR` (0 where it has no volatility) and ``max(t - dt, 0)``, priced by
    :func:`risk._kernels.shocked_prices` in one compiled loop."""
    from risk._kernels import shocked_prices

    def growth(i: int) -> FloatArray:
        rows = moves[0][i] if len(moves) == 1 else np.concatenate([m[i] for m in moves])
        return np.asarray(1.0 + rows, dtype=np.float64)  # 1 + r in the moves' own precision, as numpy adds

    out = np.empty((len(dt), opt.size))
    shocked_prices(book.spot[opt], book.strike[opt], book.t[opt], book.div[opt], book.vol[opt], book.is_call[opt],
                   book.und[opt], growth(0), growth(1), dt, rate, VOL_FLOOR, out)
    return finite(out)


def taylor_pnl(book: Book, scen: Scenarios, base: EuroGreeks | None = None, *, gamma: bool = True,
               vega: bool = True, theta: bool = True) -> FloatArray:
    """Delta(-gamma)(-vega)(-theta) approximation of :func:`revalue`, shape (scenarios,)."""
    base = base or euro_greeks(book)
    out, ds, n = _delta_pnl(book, scen, base)
    if gamma:
        out += 0.5 * (ds * ds) @ (base.gamma * n)
    if vega:
        out += (100.0 * book.vol * scen.vol_rel[:, book.und]) @ (base.vega * n)
    if theta:
        out += float(base.theta @ n) * scen.dt * 365.0
    return out


def _delta_pnl(book: Book, scen: Scenarios, base: EuroGreeks) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The delta P&L per scenario, with the price moves and quantities the higher terms use."""
    n = book.quantity
    ds = scen.returns[:, book.und] * book.spot
    delta = np.where(book.is_option, base.delta, 1.0)
    return ds @ (delta * n), ds, n


def taylor_ladder(book: Book, scen: Scenarios, base: EuroGreeks | None = None
                  ) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`taylor_pnl` delta-gamma-vega, delta-gamma and delta (each with theta), the same numbers as three
    calls, with the terms they share computed once."""
    base = base or euro_greeks(book)
    first, ds, n = _delta_pnl(book, scen, base)
    second = first + 0.5 * (ds * ds) @ (base.gamma * n)
    days = float(base.theta @ n) * scen.dt * 365.0
    full = second + (100.0 * book.vol * scen.vol_rel[:, book.und]) @ (base.vega * n)
    full += days
    return full, second + days, first + days


def wide_closes(history: pd.DataFrame) -> pd.DataFrame:
    """``date, symbol, close`` rows as a date x symbol table of closes (dates sorted, duplicates: last)."""
    missing = {"date", "symbol", "close"} - set(history.columns)
    if missing:
        raise KeyError(f"history needs columns date, symbol, close (missing {', '.join(sorted(missing))})")
    frame = history.assign(date=pd.to_datetime(history["date"]), symbol=history["symbol"].astype(str))
    wide = frame.pivot_table(index="date", columns="symbol", values="close", aggfunc="last")
    return wide.sort_index()


def historical_scenarios(closes: pd.DataFrame, underlyings: tuple[str, ...], lookback: int, vol_beta: float,
                         vix_symbol: str = "VIX") -> Scenarios:
    """The last ``lookback`` daily returns of each underlying as scenarios.

    Volatility moves come from the VIX's daily relative change when ``closes`` has a ``vix_symbol`` column
    (every IV moves with it), else from ``vol_beta x r``.

    Raises:
        ValueError: an underlying has no column or fewer than ``lookback + 1`` closes in common.
    """
    absent = [u for u in underlyings if u not in closes.columns]
    if absent:
        raise ValueError(f"no history for {', '.join(absent)}")
    cols = list(underlyings) + ([vix_symbol] if vix_symbol in closes.columns and vix_symbol not in underlyings else [])
    table = common_closes(closes, cols, lookback + 1)
    if table is None:
        return _historical_frame(closes, underlyings, cols, lookback, vol_beta, vix_symbol)
    if len(table) < lookback + 1:
        raise ValueError(f"history has {len(table)} common closes; {lookback + 1} needed")
    with np.errstate(all="ignore"):
        rets = table[1:] / table[:-1] - 1
    u = len(underlyings)
    r = np.ascontiguousarray(rets[:, :u])
    if vix_symbol in cols:
        v = np.repeat(rets[:, [cols.index(vix_symbol)]], u, axis=1)
    else:
        v = vol_beta * r
    return Scenarios(r, v)


def _historical_frame(closes: pd.DataFrame, underlyings: tuple[str, ...], cols: list[str], lookback: int,
                      vol_beta: float, vix_symbol: str) -> Scenarios:
    """:func:`historical_scenarios` through pandas, for frames :func:`common_closes` does not take."""
    table = closes[cols].dropna().tail(lookback + 1)
    if len(table) < lookback + 1:
        raise ValueError(f"history has {len(table)} common closes; {lookback + 1} needed")
    rets = table.pct_change().iloc[1:]
    r = rets[list(underlyings)].to_numpy(dtype=np.float64)
    if vix_symbol in rets.columns:
        v = np.repeat(rets[[vix_symbol]].to_numpy(dtype=np.float64), len(underlyings), axis=1)
    else:
        v = vol_beta * r
    return Scenarios(r, v)


def common_closes(closes: pd.DataFrame, cols: list[str], rows: int) -> FloatArray | None:
    """``closes[cols].dropna().tail(rows).to_numpy(dtype=float64)`` without building the frames (rows: dates).

    None where that shortcut does not apply (repeated or hierarchical column labels, a column that is not a
    plain numeric numpy column, a negative ``rows``); callers then go through pandas.
    """
    labels = closes.columns
    if rows < 0 or isinstance(labels, pd.MultiIndex) or not labels.is_unique:
        return None
    series = [closes[c] for c in cols]
    if any(not isinstance(x.dtype, np.dtype) or x.dtype.kind not in "fiu" for x in series):
        return None
    if series:
        table = np.column_stack([x.to_numpy(dtype=np.float64) for x in series])
    else:
        table = np.empty((len(closes), 0))
    table = table[~np.isnan(table).any(axis=1)]
    return table[max(len(table) - rows, 0):]


def covariance(closes: pd.DataFrame | None, underlyings: tuple[str, ...], lookback: int,
               fallback_vol: dict[str, float]) -> FloatArray:
    """Daily log-return covariance of the underlyings, positive semi-definite.

    From the last ``lookback`` returns where history exists; an underlying without history gets the daily
    vol ``fallback_vol[u] / sqrt(252)`` and correlation 1 with every other name (no diversification is
    assumed where none is measured). Eigenvalues are clipped at zero after the fill.
    """
    u = len(underlyings)
    have = [x for x in underlyings if closes is not None and x in closes.columns]
    sd = np.array([fallback_vol.get(x, 0.0) / np.sqrt(TRADING_DAYS) for x in underlyings])
    corr = np.ones((u, u))
    if have and closes is not None:
        table = common_closes(closes, have, lookback + 1)
        logret: pd.DataFrame | FloatArray
        if table is None:
            logret = np.log(closes[have].dropna().tail(lookback + 1)).diff().iloc[1:]
        else:
            logs = np.log(table)
            with np.errstate(invalid="ignore"):
                logret = logs[1:] - logs[:-1]
        if len(logret) >= 2:
            idx = [underlyings.index(x) for x in have]
            frame = logret if isinstance(logret, pd.DataFrame) else None
            sd[idx] = column_std(logret) if frame is None else frame.std(ddof=1).to_numpy()
            if len(have) > 1:  # one name's own correlation is the diagonal, set to 1 below
                frame = pd.DataFrame(logret, columns=have) if frame is None else frame
                sub = np.nan_to_num(frame.corr().to_numpy(), nan=1.0)
                corr[np.ix_(idx, idx)] = sub
    np.fill_diagonal(corr, 1.0)
    cov = corr * np.outer(sd, sd)
    w, vec = np.linalg.eigh(0.5 * (cov + cov.T))
    return (vec * np.clip(w, 0.0, None)) @ vec.T


def column_std(table: FloatArray) -> FloatArray:
    """``pd.DataFrame(table).std(ddof=1).to_numpy()`` (NaNs skipped; NaN where a column has fewer than two
    numbers) without building the frame: pandas' own steps, on the block pandas would hold (its columns as
    rows, copied C-contiguous), so the sums add in the same order and the numbers are the same."""
    values = np.asarray(table, dtype=np.float64).T.copy()
    mask = np.isnan(values)
    count = (values.shape[1] - mask.sum(axis=1)).astype(np.float64)
    d = count - 1.0
    few = count <= 1
    count[few] = d[few] = np.nan
    np.putmask(values, mask, 0.0)
    avg = values.sum(axis=1, dtype=np.float64) / count
    sqr = (avg[:, None] - values) ** 2
    np.putmask(sqr, mask, 0.0)
    return np.sqrt(sqr.sum(axis=1, dtype=np.float64) / d)


def monte_carlo_scenarios(cov: FloatArray, n: int, seed: int, vol_beta: float) -> Scenarios:
    """``n`` correlated one-day scenarios: log returns ~ N(0, cov), ``r = exp(x) - 1``, ``v = vol_beta x r``."""
    w, vec = np.linalg.eigh(cov)
    root = vec * np.sqrt(np.clip(w, 0.0, None))
    x = _normals(seed, n, cov.shape[0]) @ root.T
    r = np.expm1(x)
    return Scenarios(r, vol_beta * r)


NORMALS_CACHE = 1_000_000
"""Largest draw (numbers) :func:`_normals` keeps: the weekly review asks for the same seeded draw every time."""


def _normals(seed: int, n: int, dim: int) -> FloatArray:
    """``np.random.default_rng(seed).standard_normal((n, dim))``; small draws are kept (read-only)."""
    if n * dim > NORMALS_CACHE:
        return np.random.default_rng(seed).standard_normal((n, dim))
    return _kept_normals(seed, n, dim)


@lru_cache(maxsize=8)
def _kept_normals(seed: int, n: int, dim: int) -> FloatArray:
    z = np.random.default_rng(seed).standard_normal((n, dim))
    z.flags.writeable = False
    return z
