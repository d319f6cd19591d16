"""Each stop and exit rule at its documented edge (inclusive 'at', strict 'over')."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from domain.config import StrategyConfig
from domain.types import MarketContext, Reference, Right
from risk.stops import EntryRecord, evaluate
from tests.factories import option_position, quote, stock

CFG = StrategyConfig()
AS_OF = datetime(2015, 12, 24, 10, 0)
EXPIRY = date(2016, 2, 19)  # 57 days: the DTE rule stays quiet unless a test moves it


def rules(premium: float = 2.0, bid: float = 1.95, ask: float = 2.05, entry: EntryRecord | None = None,
          iv: float | None = None, **market_kw: object) -> set[tuple[str, str]]:
    pos = option_position(Right.PUT, 100.0, contracts=-2, premium=premium, expiry=EXPIRY)
    q = quote(Right.PUT, 100.0, expiry=EXPIRY, bid=bid, ask=ask, underlying_price=103.0)
    m = MarketContext(as_of=market_kw.pop("as_of", AS_OF), **market_kw)  # type: ignore[arg-type]
    return {(s.rule, s.action) for s in evaluate(pos, q, m, entry, CFG, iv)}


@pytest.mark.parametrize(("mid", "expected"), [
    (2.29, set()),                                # 14.5% loss: nothing
    (2.30, {("stop_warn", "warn")}),              # 15% of premium: warn
    (2.39, {("stop_warn", "warn")}),
    (2.40, {("stop_loss", "close")}),             # 20%: close (warn not repeated)
    (3.00, {("stop_loss", "close")}),
])
def test_stop_loss_on_premium(mid: float, expected: set[tuple[str, str]]) -> None:
    assert rules(premium=2.0, bid=mid - 0.05, ask=mid + 0.05) == expected


@pytest.mark.parametrize(("mid", "fires"), [(1.01, False), (1.00, True), (0.40, True)])
def test_profit_take_at_half_the_credit(mid: float, fires: bool) -> None:
    assert (("profit_take", "close") in rules(premium=2.0, bid=mid - 0.02, ask=mid + 0.02)) is fires


@pytest.mark.parametrize(("as_of", "fires"), [(datetime(2016, 1, 28), False), (datetime(2016, 1, 29), True)])
def test_manage_at_21_days(as_of: datetime, fires: bool) -> None:
    # expiry 2016-02-19: 22 days on Jan 28, 21 on Jan 29
    assert (("manage_dte", "close") in rules(as_of=as_of)) is fires


@pytest.mark.parametrize(("vix", "fires"), [(26.9, False), (27.0, True)])
def test_vix_spike_since_entry(vix: float, fires: bool) -> None:
    assert (("vix_spike", "close") in rules(entry=EntryRecord(vix=18.0), vix=vix)) is fires


def test_vix_at_entry_from_the_position_wins_over_the_record() -> None:
    pos = replace(option_position(Right.PUT, 100.0, contracts=-1, premium=2.0, expiry=EXPIRY), entry_regime=10.0)
    q = quote(Right.PUT, 100.0, expiry=EXPIRY, bid=1.95, ask=2.05)
    out = evaluate(pos, q, MarketContext(as_of=AS_OF, vix=15.0), EntryRecord(vix=14.0), CFG)
    assert [s.rule for s in out] == ["vix_spike"]


@pytest.mark.parametrize(("iv", "fires"), [(0.40, False), (0.4001, True)])
def test_iv_above_twice_realised(iv: float, fires: bool) -> None:
    assert (("iv_spike", "close") in rules(iv=iv, realised_vol={"XYZ": 0.20})) is fires


@pytest.mark.parametrize(("ask", "fires"), [(2.05, False), (2.10, True)])
def test_spread_widened_over_half(ask: float, fires: bool) -> None:
    # entry spread 4% of mid; now (ask - 1.95) / mid: 0.10/2.0 = 5% (+25%), 0.15/2.025 = 7.4% (+85%)
    assert (("spread_widened", "close") in rules(bid=1.95, ask=ask, entry=EntryRecord(spread_pct=0.04))) is fires


def _call_case(ex_day: date, mid: float, spot: float = 105.0, dividend: float = 0.50) -> set[str]:
    pos = option_position(Right.CALL, 100.0, contracts=-1, premium=4.0, expiry=EXPIRY)
    q = quote(Right.CALL, 100.0, expiry=EXPIRY, bid=mid - 0.05, ask=mid + 0.05, underlying_price=spot)
    m = MarketContext(as_of=AS_OF, reference={"XYZ": Reference("XYZ", ex_dividend_date=ex_day, dividend=dividend)})
    return {s.rule for s in evaluate(pos, q, m, None, CFG)}


@pytest.mark.parametrize(("ex_day", "mid", "spot", "fires"), [
    (date(2015, 12, 27), 5.30, 105.0, True),    # 3 days away, in the money, extrinsic 0.30 < dividend 0.50
    (date(2015, 12, 28), 5.30, 105.0, False),   # 4 days away: outside ex_dividend_window_days = 3
    (date(2015, 12, 27), 5.60, 105.0, False),   # extrinsic 0.60 >= dividend
    (date(2015, 12, 27), 0.40, 99.0, False),    # out of the money
    (date(2015, 12, 24), 5.30, 105.0, False),   # ex-date today: assignment was decided last night
])
def test_ex_dividend_assignment_risk(ex_day: date, mid: float, spot: float, fires: bool) -> None:
    assert ("ex_dividend" in _call_case(ex_day, mid, spot)) is fires


def test_only_short_options_have_stops() -> None:
    m = MarketContext(as_of=AS_OF, vix=80.0)
    long_put = option_position(Right.PUT, 100.0, contracts=2, premium=2.0, expiry=EXPIRY)
    assert evaluate(long_put, None, m, EntryRecord(vix=10.0), CFG) == []
    assert evaluate(stock(), None, m, None, CFG) == []


def test_without_a_usable_quote_only_time_and_regime_rules_run() -> None:
    pos = option_position(Right.PUT, 100.0, contracts=-1, premium=2.0, expiry=EXPIRY)
    crossed = quote(Right.PUT, 100.0, expiry=EXPIRY, bid=3.0, ask=2.0)
    out = {s.rule for s in evaluate(pos, crossed, MarketContext(as_of=AS_OF, vix=30.0), EntryRecord(vix=18.0), CFG)}
    assert out == {"vix_spike", "no_quote"}
