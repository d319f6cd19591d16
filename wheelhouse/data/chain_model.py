"""Model-priced option chains: expiry calendar, strike grid, volatility surface, spreads, open interest.

The surface (all vols annual decimals, ``T`` in years = calendar days / 365):

* 30-day variance-swap vol ``vs30``: the VIX / 100 where the VIX exists, else
  ``implied_realised_ratio x`` the GARCH forecast of the next 21 trading days' realised vol;
* term structure of variance-swap variance, mean-reverting at the GARCH speed
  ``kappa = -252 ln(phi)`` to ``theta = (implied_realised_ratio x long-run GARCH vol)^2``:
  ``v(T) = theta + (vs30^2 - theta) g(kappa T) / g(kappa 30/365)``, ``g(x) = (1 - e^-x) / x``;
* at-the-money vol ``atm(T) = sqrt(v(T)) / vs_ratio``, where ``vs_ratio = sqrt(E[m(Z)^2])``, Z ~ N(0, 1),
  makes the smile's variance-swap level equal ``v(T)`` (the VIX is a variance-swap rate, not an ATM vol);
* smile in standardised moneyness ``z = ln(K / F) / (atm(T) sqrt(T))``, ``F = S e^((r - q) T)``:
  ``iv = atm(T) x m(z)``, ``m(z) = max(min_multiplier, 1 + skew_slope z + c z^2)`` with ``c`` =
  ``put_curvature`` for z < 0 and ``call_curvature`` for z > 0, z clipped to +-``z_clip``.

Prices are Black-Scholes-Merton (``pricing.bsm``) floored at intrinsic value (the American lower bound).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from pricing.bsm import bsm

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ChainModel:
    """Every parameter of model-priced chains (see docs/data.md for where each value comes from)."""

    skew_slope: float = -0.44
    put_curvature: float = -0.08
    call_curvature: float = 0.18
    z_clip: float = 3.5
    min_multiplier: float = 0.5
    band_sd_put: float = 2.0
    band_sd_call: float = 1.25
    spread_pct: float = 0.03
    spread_min: float = 0.03
    spread_calm_vol: float = 0.25
    tick: float = 0.01
    multiplier: int = 100
    oi_atm: float = 30_000.0
    oi_width: float = 1.0
    oi_weekly_factor: float = 0.3
    oi_decay_days: float = 180.0
    volume_ratio: float = 0.1
    weeklies_from: date = date(2010, 1, 1)
    weekly_max_dte: int = 45
    vs_days: int = 30

    def vol_multiplier(self, z: FloatArray) -> FloatArray:
        """The smile ``m(z)``: implied vol over at-the-money vol at standardised moneyness ``z``."""
        zc = np.clip(z, -self.z_clip, self.z_clip)
        curvature = np.where(zc < 0, self.put_curvature, self.call_curvature)
        return np.maximum(self.min_multiplier, 1.0 + self.skew_slope * zc + curvature * zc * zc)

    @cached_property
    def vs_ratio(self) -> float:
        """sqrt(E[m(Z)^2]) for Z ~ N(0, 1): variance-swap vol over ATM vol (trapezoid rule on a fine grid,
        which copes with the smile's kinks better than Gauss-Hermite)."""
        z = np.linspace(-12.0, 12.0, 48_001)
        density = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
        return float(np.sqrt(np.trapz(density * self.vol_multiplier(z) ** 2, z)))

    def atm_vol(self, t: FloatArray, vs30: float | FloatArray, theta: float | FloatArray,
                kappa: float | FloatArray) -> FloatArray:
        """At-the-money vol for times ``t`` (years) from the 30-day variance-swap vol and the term structure
        (arguments broadcast)."""
        t30 = self.vs_days / 365.0
        var = theta + (vs30 * vs30 - theta) * _g(kappa * np.asarray(t, dtype=float)) / _g(kappa * np.asarray(t30))
        return np.sqrt(np.maximum(var, 1e-6)) / self.vs_ratio

    def strike_step(self, spot: float) -> float:
        """Listed strike spacing near the money: $0.5 under $25, $1 to $500, $5 to $5,000, $10 above."""
        for limit, step in ((25.0, 0.5), (500.0, 1.0), (5000.0, 5.0)):
            if spot < limit:
                return step
        return 10.0


def _g(x: FloatArray) -> FloatArray:
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 1e-8
    safe = np.where(small, 1.0, x)
    return np.where(small, 1.0 - x / 2.0, -np.expm1(-safe) / safe)


def expiry_calendar(trading_days: pd.DatetimeIndex, last: date, weeklies_from: date) -> pd.DataFrame:
    """Listed expiries from the first trading day to ``last``: columns ``expiry`` (Timestamp), ``monthly``.

    Monthly: the third Friday; weekly: every other Friday from ``weeklies_from``. An expiry that falls on a
    non-trading day moves to the trading day before (Good Friday, for example). Days after the last known
    trading day count as trading days, except Good Friday.
    """
    first = trading_days[0].date()
    fridays = pd.date_range(first, last, freq="W-FRI")
    third = (fridays.day >= 15) & (fridays.day <= 21)
    keep = third | (fridays >= pd.Timestamp(weeklies_from))
    fridays, third = fridays[keep], third[keep]
    known = set(trading_days)
    end_known = trading_days[-1]
    out = []
    for fri in fridays:
        day = fri
        if day <= end_known:
            while day not in known and day > trading_days[0]:
                day -= timedelta(days=1)
        elif day.date() == _good_friday(day.year):
            day -= timedelta(days=1)
        out.append(day)
    return pd.DataFrame({"expiry": pd.DatetimeIndex(out), "monthly": third}).drop_duplicates("expiry")


def _good_friday(year: int) -> date:
    from dateutil.easter import easter

    return easter(year) - timedelta(days=2)


@dataclass(frozen=True)
class DayState:
    """What the model knows after one close: spot, rates, and the volatility state."""

    day: date
    spot: float
    rate: float
    div: float
    vs30: float
    theta: float
    kappa: float


def price_contracts(model: ChainModel, state: DayState, right_is_call: NDArray[np.bool_], strike: FloatArray,
                    dte: NDArray[np.int64], monthly: NDArray[np.bool_], atm: FloatArray | None = None
                    ) -> dict[str, np.ndarray]:
    """Model quotes for arbitrary contracts (vectorised): ``iv, mid, bid, ask, open_interest, volume``.

    ``atm`` (the at-the-money vol of each contract's expiry) is computed when not given."""
    t = dte.astype(float) / 365.0
    s = state.spot
    if atm is None:
        atm = model.atm_vol(t, state.vs30, state.theta, state.kappa)
    fwd = s * np.exp((state.rate - state.div) * t)
    sqrt_t = np.sqrt(np.maximum(t, 1e-12))
    z = np.log(strike / fwd) / (atm * sqrt_t)
    iv = atm * model.vol_multiplier(z)
    price = bsm(s, strike, t, state.rate, state.div, iv, right_is_call).price
    intrinsic = np.where(right_is_call, np.maximum(s - strike, 0.0), np.maximum(strike - s, 0.0))
    mid = np.maximum(price, intrinsic)
    spread = np.maximum(model.spread_min, model.spread_pct * mid) * max(1.0, state.vs30 / model.spread_calm_vol)
    tick = model.tick
    # round half-spreads outward to the tick; the 1e-9 keeps exact multiples from moving a tick
    bid = np.floor((mid - spread / 2.0) / tick + 1e-9) * tick
    bid = np.where(bid < tick, 0.0, np.round(bid, 10))
    ask = np.round(np.maximum(np.ceil((mid + spread / 2.0) / tick - 1e-9) * tick, tick), 10)
    oi = model.oi_atm * np.exp(-0.5 * (z / model.oi_width) ** 2) * np.where(monthly, 1.0, model.oi_weekly_factor)
    oi = np.round(oi * np.exp(-dte / model.oi_decay_days))
    return {"iv": iv, "mid": mid, "bid": bid, "ask": ask, "open_interest": oi,
            "volume": np.round(model.volume_ratio * oi)}


def chain_grid(model: ChainModel, state: DayState, expiry_days: NDArray[np.int64], monthly_all: NDArray[np.bool_],
               dte_min: int, dte_max: int) -> dict[str, np.ndarray]:
    """Out-of-the-money puts down to ``-band_sd_put`` and calls up to ``band_sd_call`` standardised moneyness
    (both rights at the two strikes around spot), for expiries ``dte_min..dte_max`` calendar days away
    (weeklies only up to ``weekly_max_dte``, as exchanges list them only a few weeks out).

    ``expiry_days`` are listed expiries as days since 1970-01-01, ``monthly_all`` flags the monthly ones.
    """
    dte_all = expiry_days - np.datetime64(state.day, "D").astype(np.int64)
    pick = (dte_all >= dte_min) & (dte_all <= dte_max) & (monthly_all | (dte_all <= model.weekly_max_dte))
    exp_days = dte_all[pick]
    exp_monthly = monthly_all[pick]
    exp_dates = expiry_days[pick].astype("datetime64[D]")
    s = state.spot
    step = model.strike_step(s)
    t = exp_days / 365.0
    atm = model.atm_vol(t, state.vs30, state.theta, state.kappa)
    width = atm * np.sqrt(t)
    fwd = s * np.exp((state.rate - state.div) * t)
    lo = np.floor(fwd * np.exp(-model.band_sd_put * width) / step)
    hi = np.ceil(fwd * np.exp(model.band_sd_call * width) / step)
    put_top = math.ceil(s / step)
    call_bottom = math.floor(s / step)
    # strikes in units of `step`: puts lo..put_hi, then calls call_lo..hi, expiry after expiry
    put_hi = np.maximum(put_top, lo)
    call_lo = np.minimum(call_bottom, hi)
    n_put = (put_hi - lo + 1).astype(np.int64)
    n = n_put + (hi - call_lo + 1).astype(np.int64)
    if n.sum() == 0:
        empty = np.array([], dtype=float)
        return {"is_call": np.array([], bool), "strike": empty, "expiry": np.array([], "datetime64[D]"),
                "dte": np.array([], np.int64), "monthly": np.array([], bool), **{k: empty for k in
                ("iv", "mid", "bid", "ask", "open_interest", "volume")}}
    where = np.repeat(np.arange(len(n)), n)
    offset = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    is_call = offset >= n_put[where]
    units = np.where(is_call, call_lo[where] + offset - n_put[where], lo[where] + offset)
    out: dict[str, np.ndarray] = {
        "is_call": is_call,
        "strike": np.round(units * step, 6),
        "expiry": exp_dates[where],
        "dte": exp_days[where].astype(np.int64),
        "monthly": exp_monthly[where],
    }
    out.update(price_contracts(model, state, out["is_call"], out["strike"], out["dte"], out["monthly"], atm[where]))
    return out
