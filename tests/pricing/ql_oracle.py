"""QuantLib as an independent oracle (test-only dependency), set up so that T is exactly days/365.

QuantLib reports vega and rho per 1.0 (not per point) and theta per year; the helpers convert to the
project's units (per point, per year) before returning.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

ql = pytest.importorskip("QuantLib")

TODAY = ql.Date(2, 1, 2024)


@dataclass
class QlEnv:
    spot: object
    rate: object
    div: object
    vol: object
    process: object


def make_env() -> QlEnv:
    ql.Settings.instance().evaluationDate = TODAY
    dc = ql.Actual365Fixed()
    spot, rate, div, vol = (ql.SimpleQuote(x) for x in (100.0, 0.0, 0.0, 0.2))
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(spot),
        ql.YieldTermStructureHandle(ql.FlatForward(TODAY, ql.QuoteHandle(div), dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(TODAY, ql.QuoteHandle(rate), dc)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(TODAY, ql.NullCalendar(), ql.QuoteHandle(vol), dc)),
    )
    return QlEnv(spot, rate, div, vol, process)


def _set(env: QlEnv, s: float, r: float, q: float, v: float) -> None:
    env.spot.setValue(s)  # type: ignore[attr-defined]
    env.rate.setValue(r)  # type: ignore[attr-defined]
    env.div.setValue(q)  # type: ignore[attr-defined]
    env.vol.setValue(v)  # type: ignore[attr-defined]


def european(env: QlEnv, s: float, k: float, days: int, r: float, q: float, v: float, call: bool) -> dict[str, float]:
    """Price and Greeks from QuantLib's analytic engine in the project's units."""
    _set(env, s, r, q, v)
    payoff = ql.PlainVanillaPayoff(ql.Option.Call if call else ql.Option.Put, k)
    opt = ql.VanillaOption(payoff, ql.EuropeanExercise(TODAY + days))
    opt.setPricingEngine(ql.AnalyticEuropeanEngine(env.process))
    return {
        "price": opt.NPV(),
        "delta": opt.delta(),
        "gamma": opt.gamma(),
        "vega": opt.vega() / 100.0,
        "theta_year": opt.theta(),
        "rho": opt.rho() / 100.0,
    }


def american_qdfp(
    env: QlEnv, s: float, k: float, days: int, r: float, q: float, v: float, call: bool, scheme: str = "high"
) -> float:
    """QuantLib's QD+ fixed-point American price (``scheme`` high, accurate or fast)."""
    _set(env, s, r, q, v)
    schemes = {
        "high": ql.QdFpAmericanEngine.highPrecisionScheme,
        "accurate": ql.QdFpAmericanEngine.accurateScheme,
        "fast": ql.QdFpAmericanEngine.fastScheme,
    }
    payoff = ql.PlainVanillaPayoff(ql.Option.Call if call else ql.Option.Put, k)
    opt = ql.VanillaOption(payoff, ql.AmericanExercise(TODAY, TODAY + days))
    opt.setPricingEngine(ql.QdFpAmericanEngine(env.process, schemes[scheme]()))
    return float(opt.NPV())
