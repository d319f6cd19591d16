"""What the screens need besides the quote: portfolio, reference data, volatility history and regime, per row.

:func:`add_context` adds these columns to a prepared chain frame (:func:`alpha.validate.prepare`):

``strategy``            ``cc`` for calls, ``csp`` for puts;
``premium_yield``       bid / base x 365 / max(DTE, 1); base = underlying price (calls) or strike (puts);
``atm_iv``              the underlying's current 30-day at-the-money IV (see :func:`atm_iv`);
``iv_percentile``       ``pricing.vol.iv_percentile`` of ``atm_iv`` against ``market.iv_history`` (last
                        ``iv_lookback_days`` values; NaN with fewer than :data:`MIN_IV_HISTORY`);
``iv_rank``             ``pricing.vol.iv_rank`` likewise;
``vrp``                 the contract's IV minus ``market.forecast_vol`` (or ``realised_vol``) of the underlying;
``regime_level``        ``market.vix``, else realised vol x 100; ``regime`` its class (:mod:`alpha.regime`);
``delta_lo delta_hi dte_lo dte_hi min_oi csp_allowed``  effective limits (:func:`alpha.regime.limits`);
``uncovered_shares``    shares held minus shares promised to short calls (``PortfolioState``);
``cost_basis``          quantity-weighted cost basis of the shares held (NaN without shares);
``max_loss_pct``        calls: max(0, cost_basis - strike - bid) / underlying price (NaN without shares);
``free_cash``           cash minus what open short puts reserve;
``sector``              reference sector, or ``unknown:<TICKER>`` (an unknown sector is its own bucket);
``sector_exposure_usd`` current exposure of that sector (:func:`sector_exposures`);
``sector_exposure``     (``sector_exposure_usd`` + strike x multiplier) / portfolio value (NaN if value <= 0);
``credit_rating``       normalised S&P-scale rating or None; ``next_earnings`` (NaT if unknown);
``pcr``, ``sector_pcr_avg``, ``sector_pcr_n``  put/call ratio and its sector's average over the reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alpha import regime as rg
from alpha.reference import normalise_rating
from domain.config import StrategyConfig
from domain.types import AssetKind, MarketContext, PortfolioState, Reference
from pricing.vol import iv_percentile, iv_rank, volatility_risk_premium

MIN_IV_HISTORY = 20
"""Fewest past ATM IV readings for an IV percentile or rank (fewer: unknown)."""
ATM_TARGET_DAYS = 30
MIN_ATM_DTE = 7
"""Expiries closer than this are left out of the ATM IV when later ones exist (their IV is noisy)."""


def atm_iv(f: pd.DataFrame | Mapping[str, np.ndarray]) -> dict[str, float]:
    """Current 30-day at-the-money implied vol of each underlying, from the valid rows of a prepared frame.

    Per expiry: the mean IV (calls and puts) at the listed strike nearest the underlying price. Across
    expiries: linear interpolation in total variance (IV^2 x t) at 30 days between the expiries around it,
    the nearest expiry's IV when 30 days is outside the listed range. Expiries under :data:`MIN_ATM_DTE`
    days are used only when nothing later is listed. ``f`` may be a frame or its columns as arrays.
    """
    out: dict[str, float] = {}
    iv_all = np.asarray(f["iv"], dtype=np.float64)
    ok = np.asarray(f["valid"]).astype(bool) & np.isfinite(iv_all)
    under = np.asarray(f["underlying"], dtype=object)[ok]
    iv, dte = iv_all[ok], np.asarray(f["dte"], dtype=np.float64)[ok]
    expiry = np.asarray(f["expiry"])[ok]
    spot_all = np.asarray(f["underlying_price"], dtype=np.float64)[ok]
    strike_all, t_all = np.asarray(f["strike"], dtype=np.float64)[ok], np.asarray(f["t"], dtype=np.float64)[ok]
    for und in sorted({u for u in under if not pd.isna(u)}):
        g = under == und
        later = g & (dte >= MIN_ATM_DTE)
        g = later if later.any() else g
        pts: list[tuple[float, float]] = []
        for e in np.unique(expiry[g]):
            rows = np.flatnonzero(g & (expiry == e))
            spot = float(np.median(spot_all[rows]))
            dist = np.abs(strike_all[rows] - spot)
            at = rows[dist == dist.min()]
            pts.append((float(t_all[at[0]]), float(iv[at].sum() / len(at))))
        ts = np.array([p[0] for p in pts])
        ivs = np.array([p[1] for p in pts])
        target = ATM_TARGET_DAYS / 365.0
        if target <= ts[0] or target >= ts[-1]:
            out[str(und)] = float(ivs[0] if target <= ts[0] else ivs[-1])
            continue
        j = int(np.searchsorted(ts, target))
        w0, w1 = ivs[j - 1] ** 2 * ts[j - 1], ivs[j] ** 2 * ts[j]
        w = w0 + (w1 - w0) * (target - ts[j - 1]) / (ts[j] - ts[j - 1])
        out[str(und)] = float(np.sqrt(max(w, 0.0) / target))
    return out


def stock_price(portfolio: PortfolioState, symbol: str, underlying: str, spots: dict[str, float],
                fallback: float) -> float:
    """Mark of a stock holding: portfolio price of the symbol, else of the underlying, else the chain's
    underlying price, else ``fallback`` (the cost basis)."""
    for key in (symbol, underlying):
        if key in portfolio.prices and np.isfinite(portfolio.prices[key]):
            return float(portfolio.prices[key])
    return float(spots.get(underlying, fallback))


def sector_of(underlying: str, reference: dict[str, Reference], own: str | None = None) -> str:
    """Sector bucket of an underlying: its own (position) sector, else the reference's, else its own bucket."""
    ref = reference.get(underlying)
    name = own or (ref.sector if ref is not None else None)
    name = (name or "").strip()
    return name if name else f"unknown:{underlying}"


def sector_exposures(portfolio: PortfolioState, reference: dict[str, Reference],
                     spots: dict[str, float]) -> dict[str, float]:
    """Dollar exposure of each sector: long stock at its mark plus short puts at strike x multiplier x contracts.

    Short calls add nothing (they are covered or capped by the shares counted already); long options are left
    out (their premium is small next to what the cap is about: assignment notional).
    """
    out: dict[str, float] = {}
    for p in portfolio.positions:
        sector = sector_of(p.underlying, reference, p.sector)
        if p.kind is AssetKind.STOCK and p.quantity > 0:
            value = p.quantity * stock_price(portfolio, p.symbol, p.underlying, spots, p.cost_basis)
        else:
            value = p.reserved_cash()
        out[sector] = out.get(sector, 0.0) + value
    return out


def _cost_basis(portfolio: PortfolioState, underlying: str) -> float:
    lots = [p for p in portfolio.positions
            if p.kind is AssetKind.STOCK and p.underlying == underlying and p.quantity > 0]
    qty = sum(p.quantity for p in lots)
    return sum(p.quantity * p.cost_basis for p in lots) / qty if qty > 0 else float("nan")


def _iv_stats(history: tuple[float, ...], current: float, lookback: int) -> tuple[float, float]:
    hist = np.asarray(history[-lookback:], dtype=np.float64)
    hist = hist[np.isfinite(hist)]
    if len(hist) < MIN_IV_HISTORY or not np.isfinite(current):
        return float("nan"), float("nan")
    return float(iv_percentile(hist, current, lookback=len(hist))), float(iv_rank(hist, current, lookback=len(hist)))


def add_context(f: pd.DataFrame, portfolio: PortfolioState, market: MarketContext,
                config: StrategyConfig) -> tuple[pd.DataFrame, dict[str, float]]:
    """The prepared frame with the context columns listed in the module docstring; and ATM IV per underlying."""
    added, atm = context_columns({c: f[c].to_numpy() for c in f.columns}, portfolio, market, config)
    f = f.drop(columns=[c for c in added if c in f.columns])
    return pd.concat([f, pd.DataFrame(added, index=f.index, copy=False)], axis=1), atm


def _names(values: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Each row's underlying as text (missing: ``""``): the sorted distinct names and each row's index in them."""
    text = ["" if m else str(u) for u, m in zip(values, pd.isna(values), strict=True)]
    names = sorted(set(text))
    pos = {u: i for i, u in enumerate(names)}
    return names, np.array([pos[u] for u in text], dtype=np.int64)


def _spread(names: list[str], row: np.ndarray, value: Mapping[str, object], dtype: object) -> np.ndarray:
    """A per-underlying value on every row."""
    return np.array([value[u] for u in names], dtype=dtype)[row]  # type: ignore[call-overload]


@dataclass(frozen=True, eq=False)
class ChainContext:
    """The part of the context that depends on the chain's columns alone (kept with a chain's analytics in the
    screen memo): each row's underlying (``names[row]``), the strategy and premium yield per row, the ATM IV
    and median underlying price per underlying."""

    names: list[str]
    row: np.ndarray
    is_call: np.ndarray
    strategy: np.ndarray
    premium_yield: np.ndarray
    atm: dict[str, float]
    spots: dict[str, float]

    def freeze(self) -> None:
        for a in (self.row, self.is_call, self.strategy, self.premium_yield):
            a.flags.writeable = False


def chain_context(c: Mapping[str, np.ndarray]) -> ChainContext:
    """:class:`ChainContext` from prepared columns (:func:`alpha.validate.prepare_columns`)."""
    names, row = _names(c["underlying"])
    is_call = np.asarray(c["right"] == "C", dtype=bool)
    bid, strike, spot = (np.asarray(c[k], dtype=np.float64) for k in ("bid", "strike", "underlying_price"))
    days = np.maximum(np.asarray(c["dte"], dtype=np.float64), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        premium_yield = bid / np.where(is_call, spot, strike) * 365.0 / days
    return ChainContext(names, row, is_call, np.where(is_call, "cc", "csp"), premium_yield, atm_iv(c),
                        {u: _median(spot[row == i]) for i, u in enumerate(names)})


def context_columns(c: dict[str, np.ndarray], portfolio: PortfolioState, market: MarketContext,
                    config: StrategyConfig, chain: ChainContext | None = None,
                    ) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """The columns :func:`add_context` adds (as arrays, in order) from the prepared columns; ATM IV.

    ``chain``: the columns' :func:`chain_context` when already known."""
    cfg = config.screen
    ctx = chain_context(c) if chain is None else chain
    names, row, is_call, atm, spots = ctx.names, ctx.row, ctx.is_call, ctx.atm, ctx.spots
    n = len(row)
    out: dict[str, np.ndarray] = {"strategy": ctx.strategy, "premium_yield": ctx.premium_yield}
    bid, strike, spot = (np.asarray(c[k], dtype=np.float64) for k in ("bid", "strike", "underlying_price"))
    mult = np.asarray(c["multiplier"], dtype=np.float64)
    stats = {u: _iv_stats(market.iv_history.get(u, ()), atm.get(u, np.nan), config.general.iv_lookback_days)
             for u in names}
    out["atm_iv"] = _spread(names, row, {u: atm.get(u, np.nan) for u in names}, np.float64)
    out["iv_percentile"] = _spread(names, row, {u: stats[u][0] for u in names}, np.float64)
    out["iv_rank"] = _spread(names, row, {u: stats[u][1] for u in names}, np.float64)
    fvol = {u: market.forecast_vol.get(u, market.realised_vol.get(u, np.nan)) for u in names}
    out["vrp"] = np.asarray(volatility_risk_premium(np.asarray(c["iv"], dtype=np.float64),
                                                    _spread(names, row, fvol, np.float64)))

    level = {u: (market.vix if market.vix is not None else 100.0 * market.realised_vol.get(u, np.nan))
             for u in names}
    out["regime_level"] = _spread(names, row, level, np.float64)
    out["regime"] = rg.classify(out["regime_level"], cfg)
    out.update(rg.limit_arrays(is_call, out["regime"], cfg))

    uncovered = {u: portfolio.uncovered_shares(u) for u in names}
    basis = {u: _cost_basis(portfolio, u) for u in names}
    out["uncovered_shares"] = _spread(names, row, uncovered, np.float64)
    out["cost_basis"] = np.where(is_call, _spread(names, row, basis, np.float64), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["max_loss_pct"] = np.where(is_call, np.maximum(0.0, out["cost_basis"] - strike - bid) / spot, np.nan)
    out["free_cash"] = np.full(n, portfolio.free_cash())

    ref = market.reference
    sector = {u: sector_of(u, ref) for u in names}
    exposure = sector_exposures(portfolio, ref, spots)
    out["sector"] = _spread(names, row, sector, object)
    out["sector_exposure_usd"] = _spread(names, row, {u: exposure.get(sector[u], 0.0) for u in names}, np.float64)
    tv = portfolio.total_value
    out["sector_exposure"] = ((out["sector_exposure_usd"] + strike * mult) / tv if tv > 0
                              else np.full(n, np.nan))

    def field(u: str, name: str) -> object:
        r = ref.get(u)
        return getattr(r, name) if r is not None else None

    out["credit_rating"] = _spread(names, row, {u: normalise_rating(field(u, "credit_rating")) for u in names}, object)
    dates = [field(u, "next_earnings") for u in names]
    if all(d is None for d in dates):  # no reference data (the usual case offline): skip the parser
        out["next_earnings"] = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    else:
        out["next_earnings"] = pd.to_datetime(pd.Series(dates, dtype=object), errors="coerce").to_numpy()[row]
    out["pcr"] = _spread(names, row, {u: field(u, "put_call_ratio") for u in names}, np.float64)
    avg, count = _sector_pcr(ref)
    # an unknown sector has no peers: its bucket name is never a key of the averages
    out["sector_pcr_avg"] = _spread(names, row, {u: avg.get(sector[u], np.nan) for u in names}, np.float64)
    out["sector_pcr_n"] = _spread(names, row, {u: count.get(sector[u], 0) for u in names}, np.float64)
    return out, dict(atm)


def _median(x: np.ndarray) -> float:
    """Median of the non-NaN values (NaN when there are none), as pandas' ``Series.median``."""
    x = x[~np.isnan(x)]
    return float(np.median(x)) if len(x) else float("nan")


def _sector_pcr(reference: dict[str, Reference]) -> tuple[dict[str, float], dict[str, int]]:
    """Mean put/call ratio per sector over the underlyings of the reference whose sector and ratio are known."""
    values: dict[str, list[float]] = {}
    for r in reference.values():
        name = (r.sector or "").strip()
        if name and r.put_call_ratio is not None and np.isfinite(r.put_call_ratio):
            values.setdefault(name, []).append(float(r.put_call_ratio))
    return {k: float(np.mean(v)) for k, v in values.items()}, {k: len(v) for k, v in values.items()}
