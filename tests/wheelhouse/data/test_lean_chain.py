"""Chain snapshots from LEAN's sample data: contents against hand-read rows, and no look-ahead."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from domain.types import OptionQuote, Right, Style
from wheelhouse.data.chain import chain_frame, chain_snapshot, osi_symbol
from wheelhouse.data.errors import DataError
from wheelhouse.data.options import option_bars


def _find(quotes: tuple[OptionQuote, ...], right: Right, strike: float, expiry: date) -> OptionQuote:
    found = [q for q in quotes if q.right is right and abs(q.strike - strike) < 0.005 and q.expiry == expiry]
    assert len(found) == 1
    return found[0]


def test_goog_minute_chain_at_the_early_close(lean_data: Path) -> None:
    chain = chain_snapshot(lean_data, "GOOG", datetime(2015, 12, 24, 13, 0), "minute")
    assert len(chain) == 2192
    expiries = sorted({q.expiry for q in chain.quotes})
    assert len(expiries) == 12 and expiries[0] == date(2015, 12, 24) and expiries[-1] == date(2018, 1, 19)
    q = _find(chain.quotes, Right.CALL, 750.0, date(2015, 12, 31))
    # last quote row 46740000 (12:59): 47000,50000,47000,47000,32,50000,54000,50000,52000,8
    assert (q.bid, q.ask) == (4.70, 5.20)
    assert q.quote_time == datetime(2015, 12, 24, 13, 0)
    # trade rows sum to 224 contracts, the last (12:59) closes at 48000; open interest 23400000,1138
    assert (q.volume, q.last, q.open_interest) == (224.0, 4.80, 1138.0)
    assert q.symbol == "GOOG  151231C00750000" and q.style is Style.AMERICAN
    assert (q.multiplier, q.tick_size) == (100, 0.01)
    # equity daily close 20151224: 7484000 -> the last regular-session minute trade closes at 748.40
    assert chain.underlying_price == pytest.approx(748.40) and q.underlying_price == chain.underlying_price


def test_goog_minute_chain_sees_nothing_after_as_of(lean_data: Path) -> None:
    as_of = datetime(2015, 12, 24, 10, 0)
    chain = chain_snapshot(lean_data, "GOOG", as_of, "minute")
    assert all(q.quote_time <= as_of for q in chain.quotes)
    q = _find(chain.quotes, Right.CALL, 750.0, date(2015, 12, 31))
    # bar 35940000 (09:59-10:00): bid 54000 ask 60000; the 10:00 bar (36000000) ends at 10:01 and is not seen
    assert (q.bid, q.ask) == (5.40, 6.00)
    assert q.quote_time == as_of
    # trades up to 10:00: rows 34800000..35880000 (3+10+3+10+5+10+4+9) = 54 contracts, last 59000
    assert (q.volume, q.last) == (54.0, 5.90)
    # 35940000,7474000,7477100,7468900,7468900,1405 -> GOOG at 746.89
    assert chain.underlying_price == pytest.approx(746.89)
    later = chain_snapshot(lean_data, "GOOG", datetime(2015, 12, 24, 12, 0), "minute")
    assert later.underlying_price != chain.underlying_price


def test_daily_chain_uses_the_last_closed_session(lean_data: Path) -> None:
    # Before the 13:00 close of 2015-12-24 the daily chain shows 2015-12-23.
    early = chain_snapshot(lean_data, "GOOG", datetime(2015, 12, 24, 12, 0), "daily")
    late = chain_snapshot(lean_data, "GOOG", datetime(2015, 12, 24, 13, 0), "daily")
    q_early = _find(early.quotes, Right.CALL, 750.0, date(2015, 12, 31))
    q_late = _find(late.quotes, Right.CALL, 750.0, date(2015, 12, 31))
    assert q_early.quote_time == datetime(2015, 12, 23, 16, 0) and q_late.quote_time == datetime(2015, 12, 24, 13, 0)
    assert early.underlying_price == pytest.approx(750.31)  # 20151223 close 7503100
    assert late.underlying_price == pytest.approx(748.40)
    # daily OI rows: 20151223 -> 224, 20151224 -> 1138; trade bars: 23087 then 4522 contracts
    assert (q_early.open_interest, q_early.volume) == (224.0, 23087.0)
    assert (q_late.open_interest, q_late.volume) == (1138.0, 4522.0)


def test_aapl_chain_across_the_split(lean_data: Path) -> None:
    before = chain_snapshot(lean_data, "AAPL", datetime(2014, 6, 6, 16, 0), "daily")
    after = chain_snapshot(lean_data, "AAPL", datetime(2014, 6, 9, 16, 0), "daily")
    assert before.underlying_price == pytest.approx(645.57) and after.underlying_price == pytest.approx(93.70)
    assert max(q.strike for q in before.quotes) == 1050.0 and max(q.strike for q in after.quotes) == 150.0
    # options see raw prices: strikes bracket the raw underlying on each side of the split
    for chain in (before, after):
        assert min(q.strike for q in chain.quotes) < chain.underlying_price < max(q.strike for q in chain.quotes)
    pre = _find(before.quotes, Right.PUT, 600.0, date(2014, 7, 19))
    post = _find(after.quotes, Right.PUT, 600 / 7, date(2014, 7, 19))
    assert (pre.bid, pre.ask) == (4.45, 4.55) and (post.bid, post.ask) == (0.29, 0.32)
    assert post.symbol == osi_symbol("AAPL", date(2014, 7, 19), "P", 85.71) == "AAPL  140719P00085710"


def test_index_option_chain_is_european(lean_data: Path) -> None:
    chain = chain_snapshot(lean_data, "SPX", datetime(2021, 1, 4, 16, 0), "daily")
    assert len(chain) == 6 and all(q.style is Style.EUROPEAN for q in chain.quotes)
    assert chain.underlying == "SPX" and chain.underlying_price == pytest.approx(3700.65)  # index/usa/daily/spx.zip
    assert {q.tick_size for q in chain.quotes} == {0.05}  # usa,[*],indexoption,,USD,100,0.05,1


def test_missing_option_quotes_are_an_error_not_an_empty_chain(lean_data: Path) -> None:
    # AAPL minute option quotes are absent from the sample (trades and open interest are present)
    with pytest.raises(DataError, match="20140609_quote_american.zip: missing file"):
        chain_snapshot(lean_data, "AAPL", datetime(2014, 6, 9, 12, 0), "minute")
    # NWSA has no open-interest file: required by default, tolerated when asked
    with pytest.raises(DataError, match="openinterest"):
        chain_snapshot(lean_data, "NWSA", datetime(2013, 6, 28, 12, 0), "minute")
    chain = chain_snapshot(lean_data, "NWSA", datetime(2013, 6, 28, 12, 0), "minute", optional=("trade", "openinterest"))
    assert len(chain) > 0 and all(q.open_interest == 0.0 for q in chain.quotes)


def test_goog_hour_chain(lean_data: Path) -> None:
    as_of = datetime(2015, 12, 23, 12, 0)
    chain = chain_snapshot(lean_data, "GOOG", as_of, "hour")
    q = _find(chain.quotes, Right.CALL, 500.0, date(2016, 1, 15))
    # goog_quote_american_call_5000000_20160115.csv: the 11:00 bar (ends 12:00) closes bid 2465000, ask 2495000;
    # the 12:00 bar ends at 13:00 and is not seen
    assert (q.bid, q.ask, q.quote_time) == (246.50, 249.50, as_of)
    assert q.open_interest == 224.0  # 20151223 06:00,224
    assert (q.volume, q.last) == (0.0, None)  # no trade file member for this contract
    # no GOOG hour equity data: the minute bar 43140000 (11:59) closes at 7479200
    assert chain.underlying_price == pytest.approx(747.92)


@settings(max_examples=8, deadline=None)
@example(minutes=0, pick=0)
@example(minutes=210, pick=1500)
@given(minutes=st.integers(min_value=0, max_value=210), pick=st.integers(min_value=0, max_value=2191))
def test_minute_chain_equals_a_naive_scan_of_the_raw_rows(minutes: int, pick: int) -> None:
    from tests.conftest import LEAN_DATA

    if not LEAN_DATA.is_dir():
        pytest.skip("LEAN sample data folder ../shared/lean-data is not present")
    as_of = datetime(2015, 12, 24, 9, 30) + timedelta(minutes=minutes)
    bars = option_bars(LEAN_DATA, "GOOG", "minute", "quote", date(2015, 12, 24))
    keys = bars[["right", "strike", "expiry"]].drop_duplicates().iloc[pick]
    rows = bars[(bars.right == keys.right) & (bars.strike == keys.strike) & (bars.expiry == keys.expiry)]
    bid = ask = None
    last_time = None
    for r in rows.itertuples():  # the naive way: walk the rows in time order, stop at as_of
        if r.end_time > as_of:
            break
        bid = r.bid_close if r.bid_close == r.bid_close else bid
        ask = r.ask_close if r.ask_close == r.ask_close else ask
        last_time = r.end_time
    frame, day, _ = chain_frame(LEAN_DATA, "GOOG", as_of, "minute")
    found = frame[(frame.right == keys.right) & (frame.strike == keys.strike) & (frame.expiry == keys.expiry)]
    if minutes == 0:  # at 09:30 no bar of the day has ended: the chain shows 2015-12-23
        assert day == date(2015, 12, 23)
        return
    if ask is None:
        assert found.empty
        return
    assert len(found) == 1
    q = found.iloc[0]
    assert (q.bid, q.ask, q.quote_time) == (bid if bid is not None else 0.0, ask, last_time)
