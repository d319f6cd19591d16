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


def atm_iv(f: pd.DataFrame) -> dict[str, float]:
    """Current 30-day at-the-money implied vol of each underlying, from the valid rows of a prepared frame.

    Per expiry: the mean IV (calls and puts) at the listed strike nearest the underlying price. Across
    expiries: linear interpolation in total variance (IV^2 x t) at 30 days between the expiries around it,
    the nearest expiry's IV when 30 days is outside the listed range. Expiries under :data:`MIN_ATM_DTE`
    days are used only when nothing later is listed.
    """
    out: dict[str, float] = {}
    ok = f[f["valid"].astype(bool) & np.isfinite(f["iv"])]
    for und, g in ok.groupby("underlying", sort=True):
        later = g[g["dte"] >= MIN_ATM_DTE]
        g = later if len(later) else g
        pts: list[tuple[float, float]] = []
        for _, e in g.groupby("expiry", sort=True):
            spot = float(e["underlying_price"].median())
            dist = (e["strike"] - spot).abs()
            at = e[dist == dist.min()]
            pts.append((float(at["t"].iloc[0]), float(at["iv"].mean())))
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
    cfg = config.screen
    f = f.copy()
    under = f["underlying"].fillna("").astype(str)
    is_call = (f["right"] == "C").to_numpy()
    f["strategy"] = np.where(is_call, "cc", "csp")
    bid, strike, spot = (f[c].to_numpy(np.float64) for c in ("bid", "strike", "underlying_price"))
    mult = f["multiplier"].to_numpy(np.float64)
    days = np.maximum(f["dte"].to_numpy(dtype=np.float64), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        f["premium_yield"] = bid / np.where(is_call, spot, strike) * 365.0 / days

    atm = atm_iv(f)
    names = sorted(set(under))
    spots = {u: float(f.loc[under == u, "underlying_price"].median()) for u in names}
    stats = {u: _iv_stats(market.iv_history.get(u, ()), atm.get(u, np.nan), config.general.iv_lookback_days)
             for u in names}
    f["atm_iv"] = under.map(lambda u: atm.get(u, np.nan)).astype(np.float64)
    f["iv_percentile"] = under.map(lambda u: stats[u][0]).astype(np.float64)
    f["iv_rank"] = under.map(lambda u: stats[u][1]).astype(np.float64)
    fvol = {u: market.forecast_vol.get(u, market.realised_vol.get(u, np.nan)) for u in names}
    f["vrp"] = volatility_risk_premium(f["iv"].to_numpy(np.float64), under.map(fvol).astype(np.float64).to_numpy())

    level = {u: (market.vix if market.vix is not None else 100.0 * market.realised_vol.get(u, np.nan))
             for u in names}
    f["regime_level"] = under.map(level).astype(np.float64)
    f["regime"] = rg.classify(f["regime_level"].to_numpy(), cfg)
    lim = rg.limits(is_call, f["regime"].to_numpy(), cfg)
    for c in lim.columns:
        f[c] = lim[c].to_numpy()

    uncovered = {u: portfolio.uncovered_shares(u) for u in names}
    basis = {u: _cost_basis(portfolio, u) for u in names}
    f["uncovered_shares"] = under.map(uncovered).astype(np.float64)
    f["cost_basis"] = np.where(is_call, under.map(basis).astype(np.float64), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        f["max_loss_pct"] = np.where(is_call, np.maximum(0.0, f["cost_basis"] - strike - bid) / spot, np.nan)
    f["free_cash"] = portfolio.free_cash()

    ref = market.reference
    sector = {u: sector_of(u, ref) for u in names}
    exposure = sector_exposures(portfolio, ref, spots)
    f["sector"] = under.map(sector)
    f["sector_exposure_usd"] = f["sector"].map(lambda s: exposure.get(s, 0.0)).astype(np.float64)
    tv = portfolio.total_value
    f["sector_exposure"] = (f["sector_exposure_usd"] + strike * mult) / tv if tv > 0 else np.nan

    def field(u: str, name: str) -> object:
        r = ref.get(u)
        return getattr(r, name) if r is not None else None

    f["credit_rating"] = under.map(lambda u: normalise_rating(field(u, "credit_rating"))).astype(object)
    f["next_earnings"] = pd.to_datetime(under.map(lambda u: field(u, "next_earnings")), errors="coerce")
    f["pcr"] = under.map(lambda u: field(u, "put_call_ratio")).astype(np.float64)
    avg, count = _sector_pcr(ref)
    # an unknown sector has no peers: its bucket name is never a key of the averages
    f["sector_pcr_avg"] = under.map(lambda u: avg.get(sector[u], np.nan)).astype(np.float64)
    f["sector_pcr_n"] = under.map(lambda u: count.get(sector[u], 0)).astype(np.float64)
    return f, atm


def _sector_pcr(reference: dict[str, Reference]) -> tuple[dict[str, float], dict[str, int]]:
    """Mean put/call ratio per sector over the underlyings of the reference whose sector and ratio are known."""
    values: dict[str, list[float]] = {}
    for r in reference.values():
        name = (r.sector or "").strip()
        if name and r.put_call_ratio is not None and np.isfinite(r.put_call_ratio):
            values.setdefault(name, []).append(float(r.put_call_ratio))
    return {k: float(np.mean(v)) for k, v in values.items()}, {k: len(v) for k, v in values.items()}
