"""Quote validation: malformed quotes are rejected with a reason, never scored, never candidates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest

from alpha.screen import screen, screen_frame
from alpha.validate import CHAIN_COLUMNS, chain_frame, normalise_chain, prepare
from domain.config import StrategyConfig
from domain.types import ChainSnapshot, MarketContext, Right
from tests import factories as fx

AS_OF = fx.AS_OF
GOOD: dict[str, str] = {
    "underlying": "XYZ", "underlying_price": "105", "strike": "100", "expiry": "2016-01-29", "right": "P",
    "style": "american", "bid": "1.00", "ask": "1.04", "volume": "500", "open_interest": "1000",
    "quote_time": "2015-12-24T10:00:00",
}

MALFORMED: list[tuple[str, dict[str, str], str]] = [
    ("zero bid", {"bid": "0"}, "zero bid"),
    ("negative bid", {"bid": "-0.05"}, "negative bid"),
    ("zero ask", {"ask": "0", "bid": "0"}, "ask not positive"),
    ("negative ask", {"ask": "-1"}, "ask not positive"),
    ("crossed", {"bid": "1.10", "ask": "1.00"}, "crossed quote"),
    ("bid NaN", {"bid": "nan"}, "bid is not a number"),
    ("bid blank", {"bid": ""}, "bid is not a number"),
    ("bid text", {"bid": "one"}, "bid is not a number"),
    ("ask NaN", {"ask": "NaN"}, "ask is not a number"),
    ("ask infinite", {"ask": "inf"}, "ask is infinite"),
    ("strike blank", {"strike": ""}, "strike is not a number"),
    ("strike zero", {"strike": "0"}, "strike not positive"),
    ("strike negative", {"strike": "-100"}, "strike not positive"),
    ("strike 4 decimals", {"strike": "100.0005"}, "strike not representable"),
    ("strike huge", {"strike": "100000", "underlying_price": "99999"}, "strike not representable"),
    ("strike far below", {"strike": "1"}, "strike implausibly far"),
    ("strike far above", {"strike": "6000"}, "strike implausibly far"),
    ("underlying price zero", {"underlying_price": "0"}, "underlying price not positive"),
    ("underlying price blank", {"underlying_price": ""}, "underlying price is not a number"),
    ("underlying blank", {"underlying": ""}, "underlying missing"),
    ("right X", {"right": "X"}, "right is not C or P"),
    ("right blank", {"right": ""}, "right is not C or P"),
    ("style bermudan", {"style": "bermudan"}, "style is not american or european"),
    ("expiry text", {"expiry": "soon"}, "expiry is not a date"),
    ("expiry impossible date", {"expiry": "2016-02-30"}, "expiry is not a date"),
    ("expired", {"expiry": "2015-12-23"}, "expired"),
    ("expiry far", {"expiry": "2025-01-17"}, "expiry more than 5 years away"),
    ("stale", {"quote_time": "2015-12-24T09:29:00"}, "stale quote (31 min old > 30)"),
    ("stale yesterday", {"quote_time": "2015-12-23T15:59:00"}, "stale quote"),
    ("quote from the future", {"quote_time": "2015-12-24T10:01:00"}, "quote stamped after as_of"),
    ("quote time blank", {"quote_time": ""}, "quote time is not a time"),
    ("negative volume", {"volume": "-1"}, "negative volume"),
    ("negative open interest", {"open_interest": "-10"}, "negative open interest"),
    ("given iv zero", {"iv": "0"}, "given iv not in (0, 10]"),
    ("given iv absurd", {"iv": "25"}, "given iv not in (0, 10]"),
    ("multiplier zero", {"multiplier": "0"}, "multiplier not a positive whole number"),
    ("multiplier fractional", {"multiplier": "100.5"}, "multiplier not a positive whole number"),
    ("put mid below intrinsic", {"strike": "120", "bid": "10", "ask": "10.5"}, "IV cannot be solved (below intrinsic)"),
    ("call above spot", {"right": "C", "strike": "100", "bid": "106", "ask": "107"}, "IV cannot be solved"),
    ("put above strike", {"strike": "102", "bid": "102.5", "ask": "103"}, "IV cannot be solved (above upper bound)"),
    ("european call below forward intrinsic", {"right": "C", "strike": "100", "bid": "4.9", "ask": "5.1",
                                                "style": "european"}, "IV cannot be solved (below intrinsic)"),
]


def frame_of(rows: list[dict[str, str]]) -> pd.DataFrame:
    raw = pd.DataFrame(rows).fillna("")
    return normalise_chain(raw.astype(str))


def market(**kw: Any) -> MarketContext:
    return MarketContext(as_of=AS_OF, rate=0.01, **kw)


def test_there_are_at_least_thirty_malformed_cases() -> None:
    assert len(MALFORMED) >= 30


def test_the_good_quote_is_valid() -> None:
    f = prepare(frame_of([GOOD]), AS_OF, 0.01, 0.0, StrategyConfig().screen)
    assert bool(f["valid"].iloc[0]), f["quote_reasons"].iloc[0]
    assert f["iv"].iloc[0] > 0 and -1 < f["delta"].iloc[0] < 0


@pytest.mark.parametrize(("case", "change", "reason"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_quote_is_rejected_with_its_reason(case: str, change: dict[str, str], reason: str) -> None:
    bad = {**GOOD, **change}
    result = screen_frame(frame_of([GOOD, bad]), fx.portfolio(), market(), StrategyConfig())
    t = result.table
    assert t["quote_ok"].tolist()[0] == "pass"
    assert t["quote_ok"].tolist()[1] == "fail"
    assert reason in t["reasons"].iloc[1], t["reasons"].iloc[1]
    assert not t["passed"].iloc[1] and np.isnan(t["score"].iloc[1])
    rules = [c for c in t.columns if c not in CHAIN_COLUMNS and t[c].dtype == object and c != "quote_ok"]
    assert all(t[c].iloc[1] in ("n/a",) or c in ("reasons",) or not isinstance(t[c].iloc[1], str)
               or t[c].iloc[1] not in ("pass", "fail") for c in rules)
    assert all(c.quote.symbol != t["symbol"].iloc[1] or t["symbol"].iloc[0] == t["symbol"].iloc[1]
               for c in result.candidates)


def test_duplicate_contract_keeps_the_first() -> None:
    f = prepare(frame_of([GOOD, {**GOOD, "bid": "1.01"}]), AS_OF, 0.01, 0.0, StrategyConfig().screen)
    assert f["valid"].tolist() == [True, False]
    assert f["quote_reasons"].iloc[1] == "duplicate contract"


def test_several_faults_are_all_named() -> None:
    f = prepare(frame_of([{**GOOD, "bid": "0", "quote_time": "2015-12-24T08:00:00"}]), AS_OF, 0.01, 0.0,
                StrategyConfig().screen)
    assert f["quote_reasons"].iloc[0] == "zero bid; stale quote (120 min old > 30)"


def test_stale_limit_is_the_setting() -> None:
    cfg = StrategyConfig().replace(max_quote_age_minutes=5)
    f = prepare(frame_of([{**GOOD, "quote_time": "2015-12-24T09:54:00"}, {**GOOD, "strike": "95",
                                                                           "quote_time": "2015-12-24T09:55:00"}]),
                AS_OF, 0.01, 0.0, cfg.screen)
    assert f["valid"].tolist() == [False, True]


def test_locked_quote_is_allowed() -> None:
    f = prepare(frame_of([{**GOOD, "bid": "1.02", "ask": "1.02"}]), AS_OF, 0.01, 0.0, StrategyConfig().screen)
    assert bool(f["valid"].iloc[0])


def test_missing_required_column_is_named() -> None:
    raw = pd.DataFrame([GOOD]).drop(columns=["bid", "quote_time"])
    with pytest.raises(ValueError, match="bid, quote_time"):
        normalise_chain(raw)


def test_domain_quotes_go_through_the_same_checks() -> None:
    quotes = (fx.quote(), fx.quote(strike=95.0, bid=0.0), fx.quote(strike=90.0, bid=0.5, ask=0.4),
              fx.quote(strike=85.0, quote_time=AS_OF - timedelta(hours=2)), fx.quote(strike=80.0, bid=float("nan")))
    snap = ChainSnapshot("XYZ", 105.0, AS_OF, quotes)
    t = screen(snap, fx.portfolio(), market(), StrategyConfig()).table
    assert t["quote_ok"].tolist() == ["pass", "fail", "fail", "fail", "fail"]
    assert [s.split(": ", 1)[1].split(" (")[0] for s in t["reasons"].iloc[1:]] == [
        "zero bid", "crossed quote", "stale quote", "bid is not a number"]


def test_time_zones_are_compared_in_as_of_zone() -> None:
    est = timezone(timedelta(hours=-5))
    as_of = AS_OF.replace(tzinfo=est)
    utc_quote = fx.quote(quote_time=datetime(2015, 12, 24, 14, 55, tzinfo=UTC))  # 09:55 EST
    frame = chain_frame([utc_quote], est)
    f = prepare(frame, as_of, 0.01, 0.0, StrategyConfig().screen)
    assert bool(f["valid"].iloc[0]) and f["quote_age_min"].iloc[0] == pytest.approx(5.0)


def test_given_iv_is_used_for_the_greeks() -> None:
    f = prepare(frame_of([{**GOOD, "iv": "0.30"}, {**GOOD, "strike": "95"}]), AS_OF, 0.01, 0.0,
                StrategyConfig().screen)
    assert f["iv"].iloc[0] == pytest.approx(0.30)
    from pricing.greeks import option_greeks

    g = option_greeks(105.0, 100.0, 36 / 365, 0.01, 0.0, 0.30, False, True)
    assert f["delta"].iloc[0] == pytest.approx(float(g.delta))


def test_solved_iv_reprices_the_mid() -> None:
    f = prepare(frame_of([{**GOOD, "style": "european", "right": "C", "strike": "110"}]), AS_OF, 0.01, 0.0,
                StrategyConfig().screen)
    assert f["model_price"].iloc[0] == pytest.approx(1.02, abs=1e-8)


def test_expiry_today_is_not_expired() -> None:
    f = prepare(frame_of([{**GOOD, "expiry": "2015-12-24", "strike": "104", "bid": "0.05", "ask": "0.10"}]), AS_OF,
                0.01, 0.0, StrategyConfig().screen)
    assert "expired" not in f["quote_reasons"].iloc[0]
    assert f["dte"].iloc[0] == 0


def test_put_quote_on_a_right_string() -> None:
    f = normalise_chain(pd.DataFrame([{**GOOD, "right": "put"}, {**GOOD, "right": "Call"}]))
    assert f["right"].tolist() == [Right.PUT.value, Right.CALL.value]
    assert f["symbol"].tolist() == ["XYZ   160129P00100000", "XYZ   160129C00100000"]


def test_built_symbol_of_unreadable_row() -> None:
    f = normalise_chain(pd.DataFrame([{**GOOD, "strike": "x"}]))
    assert f["symbol"].iloc[0] == "XYZ#row1"
    assert f["expiry"].iloc[0] == pd.Timestamp(date(2016, 1, 29))
