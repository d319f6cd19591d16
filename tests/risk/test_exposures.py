"""Exposure definitions checked on hand-computed books, in their stated units."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from domain.types import AssetKind, Right, Style
from risk.book import Leg, build_book
from risk.exposures import exposures_of, portfolio_exposures, unit_exposures
from risk.scenarios import EuroGreeks, Scenarios, taylor_pnl
from tests.factories import option_position, portfolio, quote, stock
from tests.risk.conftest import Row, make_book, market

V = 100_000.0


def hand_book():  # type: ignore[no-untyped-def]
    # two short puts (delta -0.30, gamma 0.04, vega 0.12 per share) and 100 shares, S = 100
    return make_book([Row("P", -2, 100.0, delta=-0.30, gamma=0.04, vega=0.12, theta=-0.05), Row("S", 100, 100.0)])


def test_hand_book_every_measure() -> None:
    e = exposures_of(hand_book(), V)
    # delta $: -0.30 x 100 x -2 x 100 = +6,000 from the puts, 100 x 100 = 10,000 from the shares
    assert e.delta_dollars == pytest.approx(16_000.0)
    assert e.net_delta == pytest.approx(0.16)
    # gamma $ per 1%: 0.04 x 100 x -2 x 100 x (0.01 x 100) = -800
    assert e.gamma_dollars == pytest.approx(-800.0)
    assert e.gamma == pytest.approx(-0.008)
    # vega $ per vol point: 0.12 x 100 x -2 = -24
    assert e.vega_dollars == pytest.approx(-24.0)
    assert e.vega == pytest.approx(-0.00024)
    # theta $ per day: -0.05 x 100 x -2 = +10
    assert e.theta_dollars == pytest.approx(10.0)
    assert e.by_underlying["XYZ"]["net_delta"] == pytest.approx(0.16)


def test_units_scale_as_defined() -> None:
    base = exposures_of(hand_book(), V)
    doubled_value = exposures_of(hand_book(), 2 * V)
    np.testing.assert_allclose(doubled_value.vector(), base.vector() / 2)
    # same per-share Greeks, twice the spot: dollar delta x2, dollar gamma per 1% x4 (S x 0.01 S), vega x1
    b = hand_book()
    twice = replace(b, spot=b.spot * 2)
    e2 = exposures_of(twice, V)
    assert e2.delta_dollars == pytest.approx(2 * base.delta_dollars)
    assert e2.gamma_dollars == pytest.approx(4 * base.gamma_dollars)
    assert e2.vega_dollars == pytest.approx(base.vega_dollars)


def test_gamma_measure_is_the_delta_change_per_one_percent_move() -> None:
    b = make_book([Row("P", -3, 80.0, delta=-0.25, gamma=0.05)])
    e = exposures_of(b, V)
    # per-share delta after a 1% move is delta + gamma x (0.01 S): the net delta measure moves by the gamma measure
    moved = replace(b, delta=b.delta + b.gamma * 0.01 * b.spot)
    assert exposures_of(moved, V).net_delta - e.net_delta == pytest.approx(e.gamma, rel=1e-12)
    # and the P&L of that move from gamma alone is 0.5 x 1% x the gamma measure (as a share of V)
    up = Scenarios(np.array([[0.01]]), np.zeros((1, 1)), dt=0.0)
    hand = EuroGreeks(b.price, b.delta, b.gamma, b.vega, b.theta)
    gamma_pnl = taylor_pnl(b, up, hand, vega=False, theta=False) - taylor_pnl(b, up, hand, gamma=False, vega=False,
                                                                               theta=False)
    assert gamma_pnl[0] / V == pytest.approx(0.5 * 0.01 * e.gamma, rel=1e-9)


def test_unit_exposures_sum_to_the_book() -> None:
    b = hand_book()
    np.testing.assert_allclose(unit_exposures(b, V).T @ b.quantity, exposures_of(b, V).vector())


def test_stock_only_book() -> None:
    e = portfolio_exposures(portfolio(50_000, (stock("XYZ", 300, 90.0),), total_value=80_000, prices={"XYZ": 95.0}),
                            {}, market())
    assert e.net_delta == pytest.approx(300 * 95.0 / 80_000)
    assert e.gamma == 0 and e.vega == 0


def test_priced_book_uses_the_projects_greeks_at_the_quote_iv() -> None:
    """A European put at IV 25%: delta/gamma/vega from an independent closed form times units."""
    from scipy.stats import norm

    q = quote(Right.PUT, 100.0, expiry=date(2016, 1, 23), bid=2.0, ask=2.1, underlying_price=102.0,
              style=Style.EUROPEAN, iv=0.25)
    pos = option_position(Right.PUT, 100.0, contracts=-4, premium=2.2, expiry=date(2016, 1, 23))
    pf = portfolio(100_000, (replace(pos, style=Style.EUROPEAN),), prices={"XYZ": 102.0})
    e = portfolio_exposures(pf, {q.symbol: q}, market(rate=0.01))
    s, k, t, r, v = 102.0, 100.0, 30 / 365, 0.01, 0.25
    d1 = (np.log(s / k) + (r + 0.5 * v * v) * t) / (v * np.sqrt(t))
    delta, gamma = norm.cdf(d1) - 1.0, norm.pdf(d1) / (s * v * np.sqrt(t))
    vega = s * norm.pdf(d1) * np.sqrt(t) / 100.0
    assert e.delta_dollars == pytest.approx(delta * 100 * -4 * s, rel=1e-9)
    assert e.gamma_dollars == pytest.approx(gamma * 100 * -4 * s * 0.01 * s, rel=1e-9)
    assert e.vega_dollars == pytest.approx(vega * 100 * -4, rel=1e-9)
    assert e.unpriced == ()


def test_iv_is_solved_from_the_mid_when_the_quote_has_none() -> None:
    q = quote(Right.PUT, 100.0, bid=2.0, ask=2.1, underlying_price=102.0, style=Style.EUROPEAN)
    book = build_book([Leg(q.symbol, "XYZ", -1, kind=AssetKind.OPTION, multiplier=100, right=Right.PUT,
                           strike=100.0, expiry=q.expiry, style=Style.EUROPEAN)],
                      portfolio(), {q.symbol: q}, market())
    assert book.from_quote[0] and 0.05 < book.vol[0] < 1.0
    assert book.price[0] == pytest.approx(q.mid * 100, rel=1e-6)  # the model reproduces the mid at that IV


def test_missing_quote_falls_back_to_the_underlyings_vol_then_reports_unpriced() -> None:
    pos = option_position(Right.PUT, 100.0, contracts=-1)
    pf = portfolio(100_000, (pos,), prices={"XYZ": 101.0})
    with_vol = portfolio_exposures(pf, {}, market(forecast_vol={"XYZ": 0.3}))
    assert with_vol.unpriced == () and with_vol.gamma < 0
    without = portfolio_exposures(pf, {}, market())
    assert len(without.unpriced) == 1 and "no quote" in without.unpriced[0]


@pytest.mark.parametrize("value", [0.0, -5.0, float("nan")])
def test_non_positive_portfolio_value_is_refused(value: float) -> None:
    with pytest.raises(ValueError, match="portfolio value must be positive"):
        exposures_of(hand_book(), value)


def test_multiplier_comes_from_the_quote() -> None:
    q = quote(Right.PUT, 100.0, bid=2.0, ask=2.1, underlying_price=102.0, iv=0.25, multiplier=10)
    pos = option_position(Right.PUT, 100.0, contracts=-1, multiplier=10)
    e10 = portfolio_exposures(portfolio(100_000, (pos,)), {q.symbol: q}, market())
    q100 = replace(q, multiplier=100)
    e100 = portfolio_exposures(portfolio(100_000, (replace(pos, multiplier=100),)), {q.symbol: q100}, market())
    assert e100.delta_dollars == pytest.approx(10 * e10.delta_dollars)
