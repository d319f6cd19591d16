"""Black-Scholes-Merton with a continuous dividend yield, vectorised over numpy arrays.

Conventions (the project's, see ``domain/types.py`` and ``docs/pricing.md``):

* ``t`` is the time to expiry in years, calendar days over 365 (Act/365F), see :func:`year_fraction`;
* ``rate`` and ``div`` are continuously compounded annual rates (0.05 = 5 %), ``vol`` is annual (0.2 = 20 %);
* delta per $1 of the underlying, gamma per $1 squared, vega per 1 volatility point (0.01),
  theta per calendar day (``theta``) and per year (``theta_year``), both as the value change when time
  passes (so a long option usually has negative theta), rho per 1 rate point (0.01);
* ``prob_otm`` is the risk-neutral probability of expiring out of the money (at the money counts as out);
  ``prob_touch`` the risk-neutral probability that the underlying touches the strike before expiry
  (from either side: for an in-the-money contract, the chance of coming back to the strike).

Limits are handled, not guessed: ``t <= 0`` gives the payoff at expiry (Greeks zero, delta a step);
``vol == 0`` gives the deterministic forward value. Non-finite or non-positive spot/strike, negative vol or
non-finite inputs give NaN in every output.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
from numpy.typing import ArrayLike, NDArray

from pricing import _euro_kernels as ek
from pricing._arrays import flat_broadcast

DAYS_PER_YEAR = 365.0
"""Act/365F: a year is 365 calendar days, for time to expiry and for theta per day."""

MARKET_CLOSE = time(16, 0)
"""Expiry-day cut-off used for the remaining hours of a 0-day option (US equity options, exchange time)."""

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class BsmResult:
    """Prices and Greeks of one or many contracts; every field is a float64 array of the broadcast shape."""

    price: FloatArray
    delta: FloatArray
    gamma: FloatArray
    vega: FloatArray
    theta: FloatArray
    theta_year: FloatArray
    rho: FloatArray
    prob_otm: FloatArray
    prob_touch: FloatArray


def year_fraction(as_of: date | datetime, expiry: date | datetime) -> float:
    """Time to expiry in years: calendar days from ``as_of`` to ``expiry`` over 365 (Act/365F).

    Whole calendar days count (times of day are ignored), so a quote seen any time on Monday for a Friday
    expiry has ``t = 4/365``. On the expiry day itself (0 calendar days) a ``datetime`` ``as_of`` gets the
    hours left to the 16:00 close over 365 x 24 (never negative), so 0-day options still have a time value;
    a plain ``date`` on the expiry day, and any day after it, gives 0.
    """
    d0 = as_of.date() if isinstance(as_of, datetime) else as_of
    d1 = expiry.date() if isinstance(expiry, datetime) else expiry
    days = (d1 - d0).days
    if days > 0:
        return days / DAYS_PER_YEAR
    if days == 0 and isinstance(as_of, datetime):
        close = datetime.combine(d1, MARKET_CLOSE, tzinfo=as_of.tzinfo)
        seconds = (close - as_of).total_seconds()
        return max(seconds, 0.0) / (DAYS_PER_YEAR * 86400.0)
    return 0.0


def bsm(
    spot: ArrayLike,
    strike: ArrayLike,
    t: ArrayLike,
    rate: ArrayLike,
    div: ArrayLike,
    vol: ArrayLike,
    is_call: ArrayLike,
) -> BsmResult:
    """European price, Greeks and probabilities under Black-Scholes-Merton; all arguments broadcast.

    ``is_call`` is a boolean (array); everything else float. Units are in the module docstring.
    """
    shape, (s, k, tt, r, q, v), (call,) = flat_broadcast((spot, strike, t, rate, div, vol), (is_call,))
    out = np.empty((8, s.size), dtype=np.float64)
    ek.bsm_loop(s, k, tt, r, q, v, call, out)
    price, delta, gamma, vega, theta_year, rho, prob_otm, prob_touch = (a.reshape(shape) for a in out)
    return BsmResult(
        price=price,
        delta=delta,
        gamma=gamma,
        vega=vega,
        theta=theta_year / DAYS_PER_YEAR,
        theta_year=theta_year,
        rho=rho,
        prob_otm=prob_otm,
        prob_touch=prob_touch,
    )


def bsm_price(
    spot: ArrayLike,
    strike: ArrayLike,
    t: ArrayLike,
    rate: ArrayLike,
    div: ArrayLike,
    vol: ArrayLike,
    is_call: ArrayLike,
) -> NDArray[np.float64]:
    """European price only (same numbers as ``bsm(...).price``), for full revaluation under many scenarios."""
    shape, (s, k, tt, r, q, v), (call,) = flat_broadcast((spot, strike, t, rate, div, vol), (is_call,))
    out = np.empty(s.size, dtype=np.float64)
    ek.bsm_price_loop(s, k, tt, r, q, v, call, out)
    return out.reshape(shape)
