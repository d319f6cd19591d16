"""The screen on LEAN's real GOOG chain of 2015-12-24 at 12:00, explained.

Setting: 2,192 contracts in 12 expiries (2015-12-24 .. 2018-01-19), GOOG at $750.90 (last trade bar ended by
12:00), LEAN's interest-rate file (1.00 %), VIX 16 (normal regime). Portfolio: $1,000,000 cash and 300 GOOG
shares bought at $700. Reference: GOOG in Communication Services, rated AA, next earnings 2016-02-01 (the
real date of its Q4 2015 report), put/call ratio 0.8 against a peer (FB) at 1.0.

What comes out, and why:
* 596 quotes are rejected: 349 with a zero bid (23 of them also stale), 1 other stale quote (last quoted at
  09:49), 224 whose mid is below the no-arbitrage floor (mostly deep in-the-money calls: an American call on a
  stock without dividends is worth at least S - K e^(-rT)) and 22 with no time value at all;
* no put survives: every put inside the 30-90 DTE band expires on or after 2016-01-29, so an earnings date of
  2016-02-01 falls before expiry + 14 days; the 300 shares also leave no room under the 20 % sector cap;
* three covered calls pass, 300 shares cover three contracts each: 2016-02-19 800 C (score 5.17),
  2016-03-18 800 C and 2016-03-18 810 C.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from alpha.screen import ScreenResult, screen
from domain.config import StrategyConfig
from domain.types import MarketContext, PortfolioState, Position, Reference, Strategy

AS_OF = datetime(2015, 12, 24, 12, 0)
SPOT = 750.90
RATE = 0.01


@pytest.fixture(scope="module")
def result() -> ScreenResult:
    from tests.conftest import LEAN_DATA

    if not LEAN_DATA.is_dir():
        pytest.skip("LEAN sample data folder ../shared/lean-data is not present")
    from wheelhouse.data.chain import chain_snapshot
    from wheelhouse.data.reference import interest_rates, rate_on

    snap = chain_snapshot(LEAN_DATA, "GOOG", AS_OF)
    assert len(snap) == 2192 and snap.underlying_price == pytest.approx(SPOT)
    assert rate_on(interest_rates(LEAN_DATA), AS_OF.date()) == pytest.approx(RATE)
    portfolio = PortfolioState(cash=1_000_000.0, total_value=1_000_000.0 + 300 * SPOT,
                               positions=(Position("GOOG", "GOOG", 300, 700.0),), prices={"GOOG": SPOT})
    reference = {"GOOG": Reference("GOOG", "Communication Services", "AA", date(2016, 2, 1), 0.8),
                 "FB": Reference("FB", "Communication Services", "AA-", date(2016, 1, 27), 1.0)}
    market = MarketContext(as_of=AS_OF, rate=RATE, vix=16.0, reference=reference)
    return screen(snap, portfolio, market, StrategyConfig())


def row(result: ScreenResult, symbol: str) -> dict[str, Any]:
    t = result.table
    return dict(t[t["symbol"] == symbol].iloc[0])


def raw_quote(folder: Path, right: str, strike: float, expiry: str) -> tuple[float, float]:
    """Last bid and ask closes of the minute bars ended by 12:00, read straight from LEAN's zip."""
    path = folder / "option" / "usa" / "minute" / "goog" / "20151224_quote_american.zip"
    name = f"20151224_goog_minute_quote_american_{right}_{round(strike * 10_000)}_{expiry}.csv"
    with zipfile.ZipFile(path) as zf:
        rows = list(csv.reader(io.TextIOWrapper(zf.open(name))))
    known = [r for r in rows if int(r[0]) + 60_000 <= 12 * 3_600_000]  # bar start + 1 minute <= 12:00
    bid = next(float(r[4]) for r in reversed(known) if r[4])
    ask = next(float(r[9]) for r in reversed(known) if r[9])
    return bid / 10_000, ask / 10_000


def test_every_contract_has_a_row_and_the_rejections_add_up(result: ScreenResult) -> None:
    t = result.table
    assert len(t) == 2192 and t["symbol"].is_unique
    bad = t[t["quote_ok"] == "fail"]
    assert len(bad) == 596
    assert bad["reasons"].str.contains("zero bid").sum() == 349
    assert bad["reasons"].str.contains("stale quote").sum() == 24
    assert bad["reasons"].str.contains("below intrinsic").sum() == 224
    assert bad["reasons"].str.contains("no time value").sum() == 22
    assert bad["score"].isna().all() and not bad["passed"].any()


def test_below_intrinsic_rejections_really_are_below_the_floor(result: ScreenResult) -> None:
    t = result.table
    bad = t[t["reasons"].str.contains("below intrinsic")]
    # Act/365F; a contract expiring today has the 4 hours to the 16:00 close left
    years = np.where(bad["dte"] == 0, 4 / (365 * 24), bad["dte"] / 365.0)
    k, mid = bad["strike"].to_numpy(), bad["mid"].to_numpy()
    is_call = (bad["right"] == "C").to_numpy()
    floor = np.where(is_call, np.maximum(SPOT - k, SPOT - k * np.exp(-RATE * years)), k - SPOT)
    assert (mid < floor).all()


def test_hand_checked_rejections(result: ScreenResult) -> None:
    # 2016-01-15 300 C: mid (449.00 + 452.90) / 2 = 450.95 is above S - K = 450.90 but below the floor of an
    # American call without dividends, S - K e^(-rT) = 750.90 - 300 e^(-0.01 x 22/365) = 451.08
    deep = row(result, "GOOG  160115C00300000")
    assert deep["mid"] == pytest.approx(450.95)
    assert SPOT - 300 * math.exp(-RATE * 22 / 365) == pytest.approx(451.08, abs=0.005)
    assert deep["reasons"] == "quote_ok: IV cannot be solved (below intrinsic)"
    # expiring today, 757.5 P: mid 6.60 = its intrinsic 757.50 - 750.90: no time value left to sell
    assert row(result, "GOOG  151224P00757500")["reasons"] == "quote_ok: IV cannot be solved (no time value)"
    assert row(result, "GOOG  151224C00760000")["reasons"] == "quote_ok: zero bid"
    stale = row(result, "GOOG  151224P00725000")
    assert stale["quote_time"] == pd.Timestamp("2015-12-24 09:49")
    assert stale["reasons"] == "quote_ok: stale quote (131 min old > 30)"


def test_the_top_covered_call_by_hand(result: ScreenResult) -> None:
    from tests.conftest import LEAN_DATA

    c = row(result, "GOOG  160219C00800000")
    assert (c["bid"], c["ask"]) == raw_quote(LEAN_DATA, "call", 800.0, "20160219") == (13.2, 13.8)
    assert c["dte"] == 57 and c["open_interest"] == 2582  # Dec 24 -> Feb 19: 7 + 31 + 19 days
    assert c["spread_pct"] == pytest.approx(0.6 / 13.5)  # 4.44 %: passes (<= 5 %), warns (> 3 %)
    assert c["premium_yield"] == pytest.approx(13.2 / SPOT * 365 / 57)  # 11.3 % a year > 2 %
    ql = pytest.importorskip("QuantLib")
    # no dividends: the American call is the European one; QuantLib at our IV must give back the mid
    today = ql.Date(24, 12, 2015)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(SPOT)), ql.YieldTermStructureHandle(ql.FlatForward(today, 0.0, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, RATE, dc, ql.Continuous)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), c["iv"], dc)))
    option = ql.VanillaOption(ql.PlainVanillaPayoff(ql.Option.Call, 800.0), ql.EuropeanExercise(today + 57))
    option.setPricingEngine(ql.AnalyticEuropeanEngine(process))
    assert option.NPV() == pytest.approx(13.5, abs=1e-6)
    assert c["delta"] == pytest.approx(option.delta(), abs=1e-6)
    assert 0.15 <= c["delta"] <= 0.35 and c["iv"] == pytest.approx(0.261, abs=0.001)
    assert c["passed"] and c["contracts"] == 3 and c["max_loss_pct"] == 0.0  # strike 800 above basis 700
    # score: yield 11.3 % / 10 % caps at 1; delta 1 - |d - 0.25| / 0.10; no IV history, no forecast: 0, 0;
    # liquidity 0.5 (1 - 0.0444 / 0.05) + 0.5 log10(2582 / 100) / 2; DTE 1 - |57 - 60| / 30 = 0.9
    liquidity = 0.5 * (1 - (0.6 / 13.5) / 0.05) + 0.5 * math.log10(25.82) / 2
    expected = 10 * (0.25 * 1 + 0.20 * (1 - abs(c["delta"] - 0.25) / 0.10) + 0.15 * liquidity + 0.10 * 0.9)
    assert c["score"] == pytest.approx(expected) == pytest.approx(5.17, abs=0.01)


def test_a_put_that_looks_good_but_fails(result: ScreenResult) -> None:
    p = row(result, "GOOG  160219P00700000")
    assert p["quote_ok"] == "pass" and p["csp_delta"] == "pass" and p["csp_yield"] == "pass"
    assert p["premium_yield"] == pytest.approx(14.1 / 700 * 365 / 57)
    assert p["min_open_interest"] == "fail" and p["open_interest"] == 68
    assert p["csp_earnings"] == "fail" and "earnings 2016-02-01 before expiry + 14 days" in p["reasons"]
    # (300 x 750.90 shares + 700 x 100 for this put) / (1,000,000 + 300 x 750.90) = 24.1 % > 20 %
    assert p["sector_exposure"] == pytest.approx((300 * SPOT + 70_000) / (1_000_000 + 300 * SPOT))
    assert p["csp_sector_exposure"] == "fail"
    assert p["csp_put_call_ratio"] == "pass" and p["sector_pcr_avg"] == pytest.approx(0.9)


def test_candidates(result: ScreenResult) -> None:
    t = result.table
    valid_puts_in_band = t[(t["right"] == "P") & (t["quote_ok"] == "pass") & (t["dte_band"] == "pass")]
    assert len(valid_puts_in_band) > 0 and (valid_puts_in_band["csp_earnings"] == "fail").all()
    assert [(c.quote.symbol, c.strategy, c.contracts) for c in result.candidates] == [
        ("GOOG  160219C00800000", Strategy.COVERED_CALL, 3),
        ("GOOG  160318C00800000", Strategy.COVERED_CALL, 3),
        ("GOOG  160318C00810000", Strategy.COVERED_CALL, 3),
    ]
    assert int(t["passed"].sum()) == 3
    assert 0.20 < result.atm_iv["GOOG"] < 0.26  # 30-day at-the-money IV, between the Jan 22 and Jan 29 expiries
