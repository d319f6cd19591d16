"""The LEAN data-folder reader against LEAN's sample data; expected values were read by hand from the raw files
(``unzip -p ... | grep``) and are quoted beside each assertion."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wheelhouse.data import equity, options, reference
from wheelhouse.data.errors import DataError


def test_spy_daily_rows_match_the_zip(lean_data: Path) -> None:
    bars = equity.daily_bars(lean_data, "SPY")
    assert bars.index[0] == pd.Timestamp("1998-01-02") and bars.index[-1] == pd.Timestamp("2021-03-31")
    # 19980102 00:00,973100,975300,965300,973600,2150000
    assert bars.loc["1998-01-02", ["open", "high", "low", "close", "volume"]].tolist() == [
        97.31, 97.53, 96.53, 97.36, 2150000]
    # 20081010 00:00,870700,939300,835800,904500,791887655
    assert bars.loc["2008-10-10", ["open", "high", "low", "close"]].tolist() == pytest.approx([87.07, 93.93, 83.58, 90.45])
    assert bars.loc["2008-10-10", "volume"] == 791887655
    # 20151224 00:00,2057200,2063300,2054300,2056500,37303088 (an early close: the bar ends at 13:00)
    assert bars.loc["2015-12-24", "close"] == pytest.approx(205.65)
    assert bars.loc["2015-12-24", "end_time"] == pd.Timestamp("2015-12-24 13:00")
    assert bars.loc["2015-12-23", "end_time"] == pd.Timestamp("2015-12-23 16:00")
    # Every row of the zip is read: count the lines by hand.
    with zipfile.ZipFile(lean_data / "equity/usa/daily/spy.zip") as zf:
        lines = zf.read("spy.csv").decode().strip().splitlines()
    assert len(bars) == len(lines)


def test_spy_adjusted_prices_use_the_factor_row_dated_on_or_after_the_bar(lean_data: Path) -> None:
    bars = equity.daily_bars(lean_data, "SPY")
    # factor file: 20151217,0.8994703,1,204.86 then 20160317,0.9048590,1,204.79 -> 2015-12-24 uses 0.9048590
    assert bars.loc["2015-12-24", "price_factor"] == pytest.approx(0.9048590)
    assert bars.loc["2015-12-24", "adj_close"] == pytest.approx(205.65 * 0.9048590)
    # 20151217 itself still uses its own row
    assert bars.loc["2015-12-17", "price_factor"] == pytest.approx(0.8994703)
    # 20081218,0.7762926 covers 2008-10-10
    assert bars.loc["2008-10-10", "adj_close"] == pytest.approx(90.45 * 0.7762926)
    # after the last dated row (20210318) factors are 1
    assert bars.loc["2021-03-31", "adj_close"] == pytest.approx(396.33)


def test_spy_dividend_events_from_the_factor_file(lean_data: Path) -> None:
    events = [e for e in equity.corporate_events(lean_data, "SPY") if e.ex_date.year == 2015]
    assert [e.kind for e in events] == ["dividend"] * 4
    last = events[-1]
    # row 20151217 (ref 204.86, pf 0.8994703) -> next 0.9048590: ex-date is the next trading day, 2015-12-18
    assert last.ex_date == date(2015, 12, 18)
    assert last.dividend == pytest.approx(round(204.86 * (1 - 0.8994703 / 0.9048590), 2)) == pytest.approx(1.22)
    assert last.reference_price == pytest.approx(204.86)


def test_aapl_split_seven_for_one(lean_data: Path) -> None:
    bars = equity.daily_bars(lean_data, "AAPL")
    # 20140606 00:00,6500000,...,6455700 and 20140609 00:00,926900,...,937000
    assert bars.loc["2014-06-06", "close"] == pytest.approx(645.57)
    assert bars.loc["2014-06-09", "close"] == pytest.approx(93.70)
    # factor rows: 20140606,0.9011818,0.03571430 and 20140806,0.9011818,0.25
    assert bars.loc["2014-06-06", "split_factor"] == pytest.approx(0.0357143)
    assert bars.loc["2014-06-09", "split_factor"] == pytest.approx(0.25)
    assert bars.loc["2014-06-06", "adj_close"] == pytest.approx(645.57 * 0.9011818 * 0.0357143)
    assert bars.loc["2014-06-09", "adj_close"] == pytest.approx(93.70 * 0.9011818 * 0.25)
    # adjusted series has no 7x jump
    ratio = bars.loc["2014-06-09", "adj_close"] / bars.loc["2014-06-06", "adj_close"]
    assert 0.95 < ratio < 1.1
    assert bars.loc["2014-06-06", "adj_volume"] == pytest.approx(12116671 / 0.0357143)
    splits = [e for e in equity.corporate_events(lean_data, "AAPL") if e.kind == "split"]
    seven = [e for e in splits if e.ex_date == date(2014, 6, 9)]
    assert len(seven) == 1 and seven[0].split_factor == pytest.approx(1 / 7, rel=1e-5)
    assert seven[0].reference_price == pytest.approx(645.57)
    # 2014-05-08 dividend: row 20140507 (ref 592.33, pf 0.8961764 -> 0.9011818) = $3.29
    div = [e for e in equity.corporate_events(lean_data, "AAPL") if e.ex_date == date(2014, 5, 8)]
    assert div[0].kind == "dividend" and div[0].dividend == pytest.approx(3.29)


def test_aapl_options_strikes_before_and_after_the_split(lean_data: Path) -> None:
    before = options.option_bars(lean_data, "AAPL", "daily", "quote", date(2014, 6, 6))
    after = options.option_bars(lean_data, "AAPL", "daily", "quote", date(2014, 6, 9))
    assert before["strike"].max() == 1050.0 and before["strike"].min() == 195.0
    assert after["strike"].max() == 150.0 and after["strike"].min() == pytest.approx(27.86)
    # aapl_quote_american_put_6000000_20140719.csv: 20140606 00:00,38500,48500,37000,44500,5,42000,49500,37500,45500,6
    pre = before[(before.strike == 600.0) & (before.right == "P") & (before.expiry == "2014-07-19")].iloc[0]
    assert (pre.bid_close, pre.ask_close, pre.ask_size) == pytest.approx((4.45, 4.55, 6))
    # the same contract after the split is the 85.71 put (600 / 7): 20140609 00:00,4600,5800,2800,2900,784,49000,...,3200,160
    post = after[(after.right == "P") & (after.expiry == "2014-07-19") & np.isclose(after.strike, 600 / 7, atol=0.005)]
    assert len(post) == 1
    assert (post.iloc[0].bid_close, post.iloc[0].ask_close) == pytest.approx((0.29, 0.32))
    assert pre.end_time == pd.Timestamp("2014-06-06 16:00")


def test_goog_minute_quotes_and_open_interest(lean_data: Path) -> None:
    q = options.option_bars(lean_data, "GOOG", "minute", "quote", date(2015, 12, 24))
    c750 = q[(q.strike == 750) & (q.right == "C") & (q.expiry == "2015-12-31")]
    # first row: 34200000,66000,66000,63000,63000,8,75000,75000,73000,73000,15
    first = c750.iloc[0]
    assert first.time == pd.Timestamp("2015-12-24 09:30") and first.end_time == pd.Timestamp("2015-12-24 09:31")
    assert (first.bid_open, first.bid_close, first.bid_size, first.ask_close) == pytest.approx((6.6, 6.3, 8, 7.3))
    # 34380000,,,,,0,72000,... : no bid during that minute
    blank = c750[c750.time == pd.Timestamp("2015-12-24 09:33")].iloc[0]
    assert np.isnan(blank.bid_close) and blank.ask_close == pytest.approx(7.4)
    oi = options.option_bars(lean_data, "GOOG", "minute", "openinterest", date(2015, 12, 24))
    row = oi[(oi.strike == 750) & (oi.right == "C") & (oi.expiry == "2015-12-31")].iloc[0]
    assert row.open_interest == 1138 and row.time == pd.Timestamp("2015-12-24 06:30")
    assert q.groupby(["right", "strike", "expiry"]).ngroups == 2192


def test_daily_open_interest_is_known_from_the_open(lean_data: Path) -> None:
    oi = options.option_bars(lean_data, "GOOG", "daily", "openinterest", date(2015, 12, 24))
    row = oi[(oi.strike == 750) & (oi.right == "C") & (oi.expiry == "2015-12-31")].iloc[0]
    assert row.open_interest == 1138 and row.end_time == pd.Timestamp("2015-12-24 09:30")


def test_universe_file(lean_data: Path) -> None:
    u = options.option_universe(lean_data, "GOOG", date(2015, 12, 24))
    # ,,,747.9300,748.7700,747.8600,748.4000,106129 then 20151231,450,C,300.0500,...,0.0728466
    assert u.underlying is not None and u.underlying["close"] == pytest.approx(748.40)
    first = u.contracts.iloc[0]
    assert (first.expiry, first.strike, first.right) == (pd.Timestamp("2015-12-31"), 450.0, "C")
    assert first.implied_volatility == pytest.approx(1.7405772) and first.rho == pytest.approx(0.0728466)
    assert len(u.contracts) == 2016  # 2018 lines less header and underlying row
    assert options.option_universe(lean_data, "SPX", date(2015, 12, 22), "indexoption").underlying is None


def test_market_hours_holidays_and_early_closes(lean_data: Path) -> None:
    hours = reference.market_hours(lean_data)
    assert not hours.is_trading_day(date(2015, 12, 25))  # Christmas
    assert not hours.is_trading_day(date(2015, 11, 26))  # Thanksgiving
    assert hours.session(date(2015, 11, 27)) == (datetime(2015, 11, 27, 9, 30), datetime(2015, 11, 27, 13, 0))
    assert hours.session_close(date(2015, 12, 23)) == datetime(2015, 12, 23, 16, 0)
    assert hours.next_trading_day(date(2015, 12, 24)) == date(2015, 12, 28)
    assert hours.previous_trading_day(date(2015, 12, 28)) == date(2015, 12, 24)
    assert hours.time_zone == "America/New_York"
    days = hours.trading_days(date(2015, 1, 1), date(2015, 12, 31))
    assert len(days) == 252 and date(2015, 4, 3) not in days  # Good Friday 2015
    with pytest.raises(DataError, match="closed on 2015-12-25"):
        hours.session(date(2015, 12, 25))
    # SPY's daily bars fall exactly on the calendar's trading days
    spy = equity.daily_bars(lean_data, "SPY").loc["2015"]
    assert [d.date() for d in spy.index] == days


def test_symbol_properties_and_interest_rate(lean_data: Path) -> None:
    props = reference.symbol_properties(lean_data, "GOOG", "option")  # usa,[*],option,,USD,100,0.01,1
    assert (props.multiplier, props.tick_size, props.lot_size) == (100, 0.01, 1)
    assert reference.symbol_properties(lean_data, "NQX", "indexoption").tick_size == 0.05
    assert reference.symbol_properties(lean_data, "SPY", "equity").multiplier == 1
    rates = reference.interest_rates(lean_data)
    # 2015-12-17,1 is the last change before 2016-12-15,1.25
    assert reference.rate_on(rates, date(2015, 12, 24)) == pytest.approx(0.01)
    assert reference.rate_on(rates, date(2003, 1, 9)) == pytest.approx(0.0225)  # first row, its own day
    assert reference.rate_on(rates, date(1999, 1, 4)) == pytest.approx(0.0225)  # before the file: first rate
    assert reference.rate_on(rates, date(2030, 1, 1)) == pytest.approx(0.055)


def test_map_file(lean_data: Path) -> None:
    assert equity.ticker_on(lean_data, "GOOGL", date(2010, 1, 4)) == "GOOG"
    assert equity.ticker_on(lean_data, "GOOGL", date(2014, 4, 3)) == "GOOGL"
    assert equity.ticker_on(lean_data, "TWX", date(2000, 1, 4)) == "AOL"


def test_minute_equity_quotes(lean_data: Path) -> None:
    q = equity.minute_bars(lean_data, "GOOG", date(2015, 12, 24), "quote")
    # 14400000,7260000,7260000,7260000,7260000,200,7640000,7640000,7640000,7640000,100 (04:00 pre-market)
    first = q.iloc[0]
    assert q.index[0] == pd.Timestamp("2015-12-24 04:00")
    assert (first.bid_close, first.bid_size, first.ask_close, first.ask_size) == pytest.approx((726.0, 200, 764.0, 100))
    t = equity.minute_bars(lean_data, "GOOG", date(2015, 12, 24), "trade")
    assert t.loc["2015-12-24 09:59", "close"] == pytest.approx(746.89)  # 35940000,...,7468900,1405
    assert t.index.tz is None


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda f: equity.daily_bars(f, "XYZ"), "equity/usa/daily/xyz.zip: missing file; expected daily trade bars"),
        (lambda f: equity.minute_bars(f, "GOOG", date(2015, 12, 23), "quote"), "20151223_quote.zip"),
        (lambda f: equity.factor_file(f, "XYZ"), "factor_files/xyz.csv"),
        (lambda f: options.option_bars(f, "AAPL", "minute", "quote", date(2014, 6, 9)), "20140609_quote_american.zip"),
        (lambda f: options.option_universe(f, "GOOG", date(2015, 12, 25)), "universes/goog/20151225.csv"),
        (lambda f: reference.market_hours(f / "nowhere"), "market-hours-database.json"),
    ],
)
def test_missing_files_name_the_path(lean_data: Path, call, needle: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DataError, match=needle.replace(".", r"\.")):
        call(lean_data)


def test_malformed_factor_file(tmp_path: Path) -> None:
    path = tmp_path / "equity" / "usa" / "factor_files"
    path.mkdir(parents=True)
    (path / "bad.csv").write_text("2014x0606,abc,1,1\n")
    with pytest.raises(DataError, match="factor_files/bad.csv: expected rows"):
        equity.factor_file(tmp_path, "BAD")
    assert isinstance(DataError(path, "x"), ValueError)


def test_session_times_are_exchange_time_naive(lean_data: Path) -> None:
    bars = equity.bars(lean_data, "SPY", "hour")
    assert bars.index.tz is None
    day = bars.loc["2015-12-23"]
    assert day.index[0].time() == time(9, 0) and day["end_time"].iloc[-1].time() == time(16, 0)
