"""Implied volatility and Greeks for whole option chains: domain quotes or a DataFrame, in one vectorised pass.

Every quote is priced at its mid; time to expiry is :func:`pricing.bsm.year_fraction` of the quote's
``as_of`` and expiry; American contracts (``Style.AMERICAN``) get American implied volatility and Greeks.
A quote that cannot be solved (crossed, zero, outside the no-arbitrage bounds, expired) comes back with
``iv=None`` and ``greeks=None``; :func:`analyse_frame` also says why in ``iv_error``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from domain.types import Greeks, OptionQuote, Right, Style
from pricing import _euro_kernels as ek
from pricing._arrays import flat_broadcast
from pricing.american import american as american_values
from pricing.american import american_iv_fixup, early_exercise_matters
from pricing.bsm import DAYS_PER_YEAR, year_fraction
from pricing.iv import mark_crossed, reasons

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class ChainAnalytics:
    """Column arrays of :func:`analyse_arrays`: IV, reason, model price at that IV and the Greeks."""

    iv: FloatArray
    error: NDArray[np.object_]
    price: FloatArray
    delta: FloatArray
    gamma: FloatArray
    vega: FloatArray
    theta: FloatArray
    rho: FloatArray
    prob_otm: FloatArray
    prob_touch: FloatArray


def analyse_arrays(
    price: ArrayLike,
    spot: ArrayLike,
    strike: ArrayLike,
    t: ArrayLike,
    rate: ArrayLike,
    div: ArrayLike,
    is_call: ArrayLike,
    american: ArrayLike,
    *,
    bid: ArrayLike | None = None,
    ask: ArrayLike | None = None,
    touch: bool = True,
) -> ChainAnalytics:
    """Solve IV from ``price`` then price and Greeks at that IV (NaN where the IV is unsolved).

    European contracts, and American ones whose early exercise is worthless, go through one fused compiled
    pass; the others get American IV and Greeks. ``touch=False`` skips ``prob_touch`` (NaN) for speed.
    """
    shape, (p, s, k, tt, r, q), (call, amer) = flat_broadcast((price, spot, strike, t, rate, div), (is_call, american))
    out = np.empty((9, p.size), dtype=np.float64)
    code = np.empty(p.size, dtype=np.int8)
    ek.iv_greeks_loop(p, s, k, tt, r, q, call, touch, out, code)
    if amer.any():
        sel = amer & early_exercise_matters(call, r, q)
        if sel.any():
            iv = out[0]
            american_iv_fixup(p, s, k, tt, r, q, call, sel, iv, code)
            idx = np.flatnonzero(sel)
            ok = idx[code[idx] == ek.OK]
            bad = idx[code[idx] != ek.OK]
            out[1:, bad] = np.nan
            if ok.size:
                a = american_values(s[ok], k[ok], tt[ok], r[ok], q[ok], iv[ok], call[ok])
                for row, name in enumerate(("price", "delta", "gamma", "vega", "theta_year", "rho"), start=1):
                    out[row, ok] = getattr(a, name)
                # prob_otm/prob_touch stay the European (path) probabilities at the American IV.
    crossed = mark_crossed(shape, bid, ask, out[0], code)
    out[1:, crossed] = np.nan
    cols = [a.reshape(shape) for a in out]
    return ChainAnalytics(
        iv=cols[0],
        error=reasons(code).reshape(shape),
        price=cols[1],
        delta=cols[2],
        gamma=cols[3],
        vega=cols[4],
        theta=cols[5] / DAYS_PER_YEAR,
        rho=cols[6],
        prob_otm=cols[7],
        prob_touch=cols[8],
    )


def analyse_quotes(quotes: Sequence[OptionQuote], as_of: datetime | date, rate: float, div: float) -> list[OptionQuote]:
    """Copies of ``quotes`` with ``iv`` (from the mid) and ``greeks`` filled, or both None when unsolvable.

    ``rate`` and ``div`` are continuously compounded annual rates applied to every quote.
    """
    if not quotes:
        return []
    n = len(quotes)
    bid = np.fromiter((q.bid for q in quotes), dtype=np.float64, count=n)
    ask = np.fromiter((q.ask for q in quotes), dtype=np.float64, count=n)
    spot = np.fromiter((q.underlying_price for q in quotes), dtype=np.float64, count=n)
    strike = np.fromiter((q.strike for q in quotes), dtype=np.float64, count=n)
    t = np.fromiter((year_fraction(as_of, q.expiry) for q in quotes), dtype=np.float64, count=n)
    is_call = np.fromiter((q.right is Right.CALL for q in quotes), dtype=bool, count=n)
    american = np.fromiter((q.style is Style.AMERICAN for q in quotes), dtype=bool, count=n)
    res = analyse_arrays(0.5 * (bid + ask), spot, strike, t, rate, div, is_call, american, bid=bid, ask=ask)
    out: list[OptionQuote] = []
    for i, q in enumerate(quotes):
        if res.error[i]:
            out.append(q.with_analytics(None, None))
            continue
        greeks = Greeks(
            delta=float(res.delta[i]),
            gamma=float(res.gamma[i]),
            vega=float(res.vega[i]),
            theta=float(res.theta[i]),
            rho=float(res.rho[i]),
        )
        out.append(q.with_analytics(float(res.iv[i]), greeks))
    return out


def analyse_frame(df: pd.DataFrame, rate: float | None = None, div: float | None = None) -> pd.DataFrame:
    """A copy of ``df`` with ``iv, iv_error, model_price, delta, gamma, vega, theta, rho, prob_otm, prob_touch``.

    Required columns: ``underlying_price``, ``strike``, ``right`` ('C'/'P'), either ``t`` (years) or
    ``expiry`` and ``as_of`` (dates; Act/365F), and either ``price`` or ``bid`` and ``ask`` (mid is used).
    Optional: ``style`` ('american'/'european', default american), ``rate`` and ``dividend_yield`` columns
    (else the ``rate``/``div`` arguments). Raises ``KeyError`` naming a missing column.
    """
    cols = set(df.columns)
    for need in ("underlying_price", "strike", "right"):
        if need not in cols:
            raise KeyError(need)
    if "t" in cols:
        t = df["t"].to_numpy(dtype=np.float64)
    elif {"expiry", "as_of"} <= cols:
        t = np.array([year_fraction(a, e) for a, e in zip(_dates(df["as_of"]), _dates(df["expiry"]), strict=True)])
    else:
        raise KeyError("t (or expiry and as_of)")
    bid = ask = None
    if "price" in cols:
        price = df["price"].to_numpy(dtype=np.float64)
    elif {"bid", "ask"} <= cols:
        bid = df["bid"].to_numpy(dtype=np.float64)
        ask = df["ask"].to_numpy(dtype=np.float64)
        price = 0.5 * (bid + ask)
    else:
        raise KeyError("price (or bid and ask)")
    r = df["rate"].to_numpy(dtype=np.float64) if "rate" in cols else _required(rate, "rate")
    q = df["dividend_yield"].to_numpy(dtype=np.float64) if "dividend_yield" in cols else _required(div, "div")
    is_call = df["right"].astype(str).str.upper().str[0].to_numpy() == "C"
    if "style" in cols:
        american = df["style"].astype(str).str.lower().to_numpy() != "european"
    else:
        american = np.ones(len(df), dtype=bool)
    res = analyse_arrays(
        price, df["underlying_price"].to_numpy(dtype=np.float64), df["strike"].to_numpy(dtype=np.float64),
        t, r, q, is_call, american, bid=bid, ask=ask,
    )  # fmt: skip
    out = df.copy()
    out["iv"] = res.iv
    out["iv_error"] = res.error
    out["model_price"] = res.price
    for name in ("delta", "gamma", "vega", "theta", "rho", "prob_otm", "prob_touch"):
        out[name] = getattr(res, name)
    return out


def _required(value: float | None, name: str) -> float:
    if value is None:
        raise KeyError(name)
    return float(value)


def _dates(col: pd.Series) -> list[date | datetime]:
    ts = pd.to_datetime(col)
    return [x.to_pydatetime() if x.hour or x.minute else x.date() for x in ts]
