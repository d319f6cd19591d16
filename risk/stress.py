"""The stress battery: named instantaneous shocks to spot, implied volatility and the rate.

Each historical scenario replays the S&P 500's move over the named day or episode and the relative change
of its 30-day implied-volatility index (VIX; VXO for 1987), approximately, on every underlying with beta 1:
``S' = S (1 + equity)``, ``iv' = iv (1 + vol)``, ``rate' = rate + rate``. Shocks are instantaneous (no time
decay is credited) and the book is fully revalued (:func:`risk.scenarios.revalue`). The hypothetical
ones act on one sector or one name at a time, or move every name together by its own one-week 99% move;
their loss is the worst over the choices and the report names which one.

Loss is in dollars (negative when the scenario is a gain for the book); the alert is a loss above ``stress_limit`` of portfolio value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from risk.book import Book
from risk.scenarios import EuroGreeks, Scenarios, euro_greeks, revalue_each

Z99 = 2.3263478740408408
"""Standard normal 99% quantile, for the correlation-to-one move."""


@dataclass(frozen=True, slots=True)
class StressScenario:
    """``kind``: ``market`` (every name), ``sector`` (one sector at a time), ``single_name`` (one name at a
    time) or ``correlation_one`` (every name by ``equity`` times its own one-week vol, same direction)."""

    name: str
    equity: float
    vol: float
    description: str
    rate: float = 0.0
    kind: str = "market"


SCENARIOS: tuple[StressScenario, ...] = (
    StressScenario("black_monday_1987", -0.205, 3.13, "19 Oct 1987: S&P 500 -20.5%, VXO 36 -> 150"),
    StressScenario("asian_crisis_1997", -0.069, 0.34, "27 Oct 1997: S&P 500 -6.9%, implied vol about +1/3"),
    StressScenario("ltcm_1998", -0.068, 0.20, "31 Aug 1998: S&P 500 -6.8%, VIX about +20%"),
    StressScenario("dotcom_2000", -0.058, 0.25, "14 Apr 2000: S&P 500 -5.8% (Nasdaq -9.7%), VIX about +25%"),
    StressScenario("sept11_2001", -0.049, 0.31, "10-17 Sep 2001: S&P 500 -4.9%, VIX 31.8 -> 41.8"),
    StressScenario("lehman_week_2008", -0.076, 0.41, "12-17 Sep 2008: S&P 500 -7.6%, VIX 25.7 -> 36.2"),
    StressScenario("october_2008", -0.182, 0.55, "3-10 Oct 2008: S&P 500 -18.2%, VIX 45.1 -> 70.0"),
    StressScenario("flash_crash_2010", -0.086, 0.63, "6 May 2010 intraday low: S&P 500 -8.6%, VIX 24.9 -> 40.7"),
    StressScenario("us_downgrade_2011", -0.067, 0.50, "8 Aug 2011: S&P 500 -6.7%, VIX 32 -> 48"),
    StressScenario("china_devaluation_2015", -0.039, 0.45, "24 Aug 2015: S&P 500 -3.9%, VIX 28.0 -> 40.7"),
    StressScenario("brexit_2016", -0.036, 0.49, "24 Jun 2016: S&P 500 -3.6%, VIX 17.3 -> 25.8"),
    StressScenario("volmageddon_feb_2018", -0.041, 1.16, "5 Feb 2018: S&P 500 -4.1%, VIX 17.3 -> 37.3"),
    StressScenario("q4_2018", -0.198, 2.06, "20 Sep - 24 Dec 2018: S&P 500 -19.8%, VIX 11.8 -> 36.1"),
    StressScenario("covid_day_2020", -0.120, 0.43, "16 Mar 2020: S&P 500 -12.0%, VIX 57.8 -> 82.7"),
    StressScenario("covid_crash_2020", -0.339, 3.28, "19 Feb - 23 Mar 2020: S&P 500 -33.9%, VIX 14.4 -> 61.6"),
    StressScenario("rate_shock_2022", -0.206, 0.67, "H1 2022: S&P 500 -20.6%, VIX 17.2 -> 28.7, 2-year yield +2.2 pts",
                   rate=0.022),
    StressScenario("sector_collapse_30", -0.30, 1.00, "one sector -30%, its implied vols doubled", kind="sector"),
    StressScenario("single_name_gap_down_25", -0.25, 1.00, "one name gaps -25%, its implied vol doubled",
                   kind="single_name"),
    StressScenario("single_name_gap_up_25", 0.25, 0.0, "one name gaps +25% (covered calls called away)",
                   kind="single_name"),
    StressScenario("correlation_to_one", -Z99, 0.50,
                   "every name falls together by its own one-week 99% move, implied vols +50%",
                   kind="correlation_one"),
    StressScenario("vol_spike_flat", 0.0, 1.00, "implied vols double with no price move"),
    StressScenario("melt_up_10", 0.10, -0.20, "every name +10%, implied vols -20%"),
    StressScenario("crash_10_flat_vol", -0.10, 0.0, "every name -10% with implied vol unchanged"),
)


@dataclass(frozen=True, slots=True)
class StressResult:
    name: str
    loss: float
    loss_pct: float
    subject: str | None
    description: str

    def as_dict(self) -> dict[str, object]:
        return {"loss": self.loss, "loss_pct": self.loss_pct, "subject": self.subject,
                "description": self.description}


def _choices(sc: StressScenario, book: Book, sectors: Mapping[str, str],
             weekly_vol: Mapping[str, float]) -> tuple[list[str | None], Scenarios]:
    """The choices the scenario offers: their subjects, and one row of moves each (returns, vol changes, in
    the book's underlying order)."""
    names = book.underlyings
    u = len(names)
    if sc.kind in ("market", "correlation_one"):
        if sc.kind == "market":
            r = np.full((1, u), sc.equity)
        else:
            r = np.array([[sc.equity * weekly_vol.get(n, 0.0) for n in names]])
        return [None], Scenarios(r, np.full((1, u), sc.vol), dt=0.0, rate_shift=sc.rate)
    if sc.kind == "sector":
        groups: dict[str, list[int]] = {}
        for i, n in enumerate(names):
            groups.setdefault(sectors.get(n) or f"unknown:{n}", []).append(i)
        members = list(groups.items())
    else:
        members = [(n, [i]) for i, n in enumerate(names)]
    r, v = np.zeros((len(members), u)), np.zeros((len(members), u))
    for k, (_, idx) in enumerate(members):
        r[k, idx], v[k, idx] = sc.equity, sc.vol
    return [subject for subject, _ in members], Scenarios(r, v, dt=0.0, rate_shift=sc.rate)


def run_stress(book: Book, portfolio_value: float, sectors: Mapping[str, str] | None = None,
               annual_vol: Mapping[str, float] | None = None,
               scenarios: tuple[StressScenario, ...] = SCENARIOS, base: EuroGreeks | None = None) -> list[StressResult]:
    """Loss of ``book`` under every scenario (worst variant where a scenario has several).

    ``sectors``: underlying -> sector (unknown sectors count as their own); ``annual_vol``: underlying ->
    annual vol for the correlation-to-one move (one-week vol = annual x sqrt(5/252)); ``base``:
    :func:`risk.scenarios.euro_greeks` of ``book`` when the caller has them already. Every scenario's
    variants are revalued together (:func:`risk.scenarios.revalue_each`).
    """
    base = base or euro_greeks(book)
    weekly = {k: v * np.sqrt(5.0 / 252.0) for k, v in (annual_vol or {}).items()}
    plan = [_choices(sc, book, sectors or {}, weekly) if len(book) else ([], None) for sc in scenarios]
    pnls = iter(revalue_each(book, [shock for subjects, shock in plan if subjects and shock is not None], base))
    out: list[StressResult] = []
    for sc, (subjects, _) in zip(scenarios, plan, strict=True):
        if not subjects:
            out.append(StressResult(sc.name, 0.0, 0.0, None, sc.description))
            continue
        pnl = next(pnls)
        worst = int(np.argmin(pnl))
        loss = -float(pnl[worst])
        out.append(StressResult(sc.name, loss, loss / portfolio_value, subjects[worst], sc.description))
    return out
