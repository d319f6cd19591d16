"""The bundled default data and its model-priced chains. Hand-read values come from the CSVs inside arch
(``arch/data/{sp500,vix,frenchdata}/*.csv.gz``); prices are checked against QuantLib."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from domain.config import StrategyConfig
from domain.types import Right, Style
from wheelhouse.data.chain_model import ChainModel, DayState, expiry_calendar, price_contracts
from wheelhouse.data.default import DefaultData
from wheelhouse.data.errors import DataError
from wheelhouse.data.source import MarketData, open_data
from wheelhouse.data.volmodel import forecast_path

CLOSE_2015_12_24 = datetime(2015, 12, 24, 16, 0)


@pytest.fixture(scope="module")
def data() -> DefaultData:
    return DefaultData()


def test_underlying_is_the_sp500_scaled_and_named_by_config(data: DefaultData) -> None:
    assert data.underlyings == ("SPY",) and data.model_priced and "MODEL-PRICED" in data.description
    days = data.trading_days(date(1990, 1, 1), date(2030, 1, 1))
    assert days[0] == date(1999, 1, 4) and days[-1] == date(2018, 12, 31) and len(days) == 5031
    bars = data.daily_bars("SPY")
    # sp500.csv.gz: 2008-10-10 close 899.219971 -> /10
    assert bars.loc["2008-10-10", "close"] == pytest.approx(89.9219971)
    assert bars.loc["2008-10-10", "adj_close"] == bars.loc["2008-10-10", "close"]
    assert data.underlying_price("SPY", datetime(2008, 10, 10, 16)) == pytest.approx(89.9219971)
    assert data.events("SPY") == ()
    cfg = StrategyConfig().replace(underlyings="QQQ")
    named: MarketData = open_data(None, cfg)
    assert named.underlyings == ("QQQ",)
    with pytest.raises(DataError, match="holds one underlying"):
        open_data(None, StrategyConfig().replace(underlyings="SPY,QQQ"))
    with pytest.raises(DataError, match="holds only SPY"):
        data.chain("AAPL", CLOSE_2015_12_24)


def test_risk_free_rate_is_the_month_t_bill(data: DefaultData) -> None:
    # frenchdata.csv.gz: 200006 RF 0.4, 200810 RF 0.08, 201811 RF 0.18 (December 2018 carries November)
    assert data.risk_free_rate(date(2000, 6, 15)) == pytest.approx(12 * np.log(1.004))
    assert data.risk_free_rate(date(2008, 10, 10)) == pytest.approx(12 * np.log(1.0008))
    assert data.risk_free_rate(date(2018, 12, 31)) == pytest.approx(12 * np.log(1.0018))


def test_vix_sets_the_30_day_variance_swap_level(data: DefaultData) -> None:
    st = data.state(CLOSE_2015_12_24)
    assert st.vs30 == pytest.approx(0.1574)  # vix.csv.gz: 2015-12-24 15.74
    assert data.volatility_index(CLOSE_2015_12_24) == pytest.approx(15.74)
    model = data.model
    atm30 = model.atm_vol(np.array(30 / 365), st.vs30, st.theta, st.kappa)
    assert float(atm30) * model.vs_ratio == pytest.approx(0.1574)
    # before 2014 no VIX: the model's forecast x ratio
    early = data.state(datetime(2008, 10, 10, 16))
    i = data.trading_days(date(1999, 1, 1), date(2008, 10, 10)).__len__() - 1
    assert early.vs30 == pytest.approx(1.2 * data.forecast["vol_h"].iloc[i])


def test_vs_ratio_matches_an_independent_integral() -> None:
    model = ChainModel()
    value, _ = integrate.quad(lambda z: stats.norm.pdf(z) * float(model.vol_multiplier(np.array(z))) ** 2, -12, 12,
                              points=[0.0], limit=200)
    assert model.vs_ratio == pytest.approx(np.sqrt(value), rel=1e-6)


def test_term_structure_reverts_to_the_long_run_level() -> None:
    model = ChainModel()
    theta, kappa = 0.2**2, 3.0
    t = np.array([30 / 365, 1.0, 50.0])
    atm = model.atm_vol(t, 0.40, theta, kappa) * model.vs_ratio
    assert atm[0] == pytest.approx(0.40)
    assert atm[0] > atm[1] > atm[2] and atm[2] == pytest.approx(0.2, abs=0.01)
    assert model.atm_vol(t, 0.2, theta, kappa) * model.vs_ratio == pytest.approx([0.2, 0.2, 0.2])


def test_forecast_path_has_no_look_ahead(data: DefaultData) -> None:
    close = data.daily_bars("SPY")["close"].iloc[:2800]
    full = forecast_path(close)
    cut = 2400  # mid-2008, after several yearly refits
    assert full.iloc[cut]["fit_year"] >= 2008
    shocked = close.copy()
    shocked.iloc[cut + 1:] *= np.linspace(1.0, 3.0, len(close) - cut - 1)  # a different future
    pd.testing.assert_frame_equal(forecast_path(shocked).iloc[: cut + 1], full.iloc[: cut + 1])
    pd.testing.assert_frame_equal(forecast_path(close.iloc[: cut + 1]), full.iloc[: cut + 1])


def test_chain_is_built_only_from_closes_at_or_before_as_of(data: DefaultData) -> None:
    before_close = data.chain("SPY", CLOSE_2015_12_24 - timedelta(minutes=1))
    at_close = data.chain("SPY", CLOSE_2015_12_24)
    assert before_close.quotes[0].quote_time == datetime(2015, 12, 23, 16, 0)
    assert at_close.quotes[0].quote_time == CLOSE_2015_12_24
    assert before_close.underlying_price == pytest.approx(206.4290039)  # sp500.csv.gz 12/23/2015 2064.290039
    assert at_close.underlying_price == pytest.approx(206.0989990)  # sp500.csv.gz 12/24/2015 2060.98999
    with pytest.raises(DataError, match="no close at or before"):
        data.chain("SPY", datetime(1999, 1, 4, 15, 0))


def test_chain_contents_follow_the_documented_grid(data: DefaultData) -> None:
    chain = data.chain("SPY", CLOSE_2015_12_24)
    spot = chain.underlying_price
    expiries = sorted({q.expiry for q in chain.quotes})
    # 30..90 DTE: monthlies 2016-02-19 and 2016-03-18 (third Fridays), weeklies up to 45 days out
    assert expiries == [date(2016, 1, 29), date(2016, 2, 5), date(2016, 2, 19), date(2016, 3, 18)]
    for q in chain.quotes:
        assert 30 <= q.dte(CLOSE_2015_12_24) <= 90
        assert q.strike == round(q.strike)  # $1 strikes between $25 and $500
        assert q.strike <= np.ceil(spot) if q.right is Right.PUT else q.strike >= np.floor(spot)
        assert 0 <= q.bid < q.ask and q.ask - q.bid >= 0.03 - 1e-9
        assert q.style is Style.AMERICAN and q.multiplier == 100 and q.tick_size == 0.01
        assert abs(q.bid * 100 - round(q.bid * 100)) < 1e-6 and abs(q.ask * 100 - round(q.ask * 100)) < 1e-6
        assert q.symbol.startswith("SPY   ") and q.open_interest >= 0
    monthly = [q for q in chain.quotes if q.expiry == date(2016, 2, 19)]
    weekly = [q for q in chain.quotes if q.expiry == date(2016, 2, 5)]
    atm_m = max(monthly, key=lambda q: q.open_interest)
    atm_w = max(weekly, key=lambda q: q.open_interest)
    assert abs(atm_m.strike - spot) <= 2 and atm_w.open_interest < atm_m.open_interest


def test_no_weeklies_before_2010_and_good_friday_moves_expiry(data: DefaultData) -> None:
    chain = data.chain("SPY", datetime(2003, 3, 10, 16))
    # third Fridays: 2003-04-18 is Good Friday (closed) -> Thursday 2003-04-17; 2003-05-16
    assert sorted({q.expiry for q in chain.quotes}) == [date(2003, 4, 17), date(2003, 5, 16)]
    cal = expiry_calendar(pd.DatetimeIndex([pd.Timestamp("2018-12-31")]), date(2019, 4, 30), date(2010, 1, 1))
    assert pd.Timestamp("2019-04-18") in set(cal["expiry"])  # Good Friday 2019 after the data: rule-based


def test_model_prices_match_quantlib(data: DefaultData) -> None:
    ql = pytest.importorskip("QuantLib")
    st, g = data.chain_arrays(CLOSE_2015_12_24)
    today = ql.Date(24, 12, 2015)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    checked = 0
    for i in range(0, len(g["strike"]), 7):
        exp = pd.Timestamp(g["expiry"][i]).date()
        opt_type = ql.Option.Call if g["is_call"][i] else ql.Option.Put
        process = ql.BlackScholesMertonProcess(
            ql.QuoteHandle(ql.SimpleQuote(st.spot)),
            ql.YieldTermStructureHandle(ql.FlatForward(today, st.div, dc, ql.Continuous)),
            ql.YieldTermStructureHandle(ql.FlatForward(today, st.rate, dc, ql.Continuous)),
            ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), float(g["iv"][i]), dc)))
        option = ql.VanillaOption(ql.PlainVanillaPayoff(opt_type, float(g["strike"][i])),
                                  ql.EuropeanExercise(ql.Date(exp.day, exp.month, exp.year)))
        option.setPricingEngine(ql.AnalyticEuropeanEngine(process))
        assert g["mid"][i] == pytest.approx(option.NPV(), rel=1e-7, abs=1e-9)
        assert g["bid"][i] <= g["mid"][i] <= g["ask"][i]
        checked += 1
    assert checked > 10


def test_skew_puts_above_calls_and_intrinsic_floor() -> None:
    model = ChainModel()
    st = DayState(date(2015, 1, 2), 100.0, 0.05, 0.0, 0.20, 0.04, 3.0)
    dte = np.full(3, 60, dtype=np.int64)
    out = price_contracts(model, st, np.array([False, True, True]), np.array([90.0, 100.0, 110.0]), dte,
                          np.ones(3, bool))
    assert out["iv"][0] > out["iv"][1] > out["iv"][2]
    deep = price_contracts(model, st, np.array([False]), np.array([200.0]), np.array([300]), np.array([True]))
    assert deep["mid"][0] == pytest.approx(100.0)  # a European put is worth less; American floor is intrinsic
    assert deep["bid"][0] < 100.0 < deep["ask"][0]


def test_quote_prices_any_held_contract_like_the_chain(data: DefaultData) -> None:
    chain = data.chain("SPY", CLOSE_2015_12_24)
    q = chain.quotes[len(chain.quotes) // 2]
    again = data.quote("SPY", q.right, q.strike, q.expiry, CLOSE_2015_12_24)
    assert again == q
    itm = data.quote("SPY", Right.PUT, 250.0, date(2016, 1, 15), CLOSE_2015_12_24)
    assert itm.bid > 250.0 - 206.1 - 1.5 and itm.ask > itm.bid
    expired = data.quote("SPY", Right.PUT, 200.0, date(2015, 12, 24), CLOSE_2015_12_24)
    assert expired.bid == 0.0 and expired.ask == 0.02  # worthless at its own close: half the 0.03 spread, rounded up
    with pytest.raises(DataError, match="expired"):
        data.quote("SPY", Right.PUT, 200.0, date(2015, 12, 18), CLOSE_2015_12_24)


def test_from_config_uses_the_settings() -> None:
    cfg = StrategyConfig().replace(dte_min=20, dte_max=40, implied_realised_ratio=1.0, vol_forecast_model="gjr")
    d = DefaultData.from_config(cfg)
    assert (d.dte_min, d.dte_max, d.implied_realised_ratio, d.vol_model) == (20, 40, 1.0, "gjr")
    assert all(20 <= q.dte(CLOSE_2015_12_24) <= 40 for q in d.chain("SPY", CLOSE_2015_12_24).quotes)
