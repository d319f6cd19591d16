"""Domain types: Greeks algebra, cash reservation, covered shares, deterministic ids."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import replace
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.types import Candidate, Greeks, Right, Strategy, candidate_id
from tests.factories import option_position, portfolio, quote, stock

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(st.tuples(finite, finite, finite, finite, finite), st.tuples(finite, finite, finite, finite, finite),
       st.integers(min_value=-50, max_value=50), st.sampled_from([1, 10, 100]))
def test_greeks_add_and_scale(a: tuple[float, ...], b: tuple[float, ...], qty: int, mult: int) -> None:
    ga, gb = Greeks(*a), Greeks(*b)
    total = (ga + gb).scale(qty * mult)
    expected = ga.scale(qty * mult) + gb.scale(qty * mult)
    for x, y in zip((total.delta, total.gamma, total.vega, total.theta, total.rho),
                    (expected.delta, expected.gamma, expected.vega, expected.theta, expected.rho), strict=True):
        assert x == pytest.approx(y, rel=1e-9, abs=1e-6)


def test_position_greeks_by_hand() -> None:
    # Two short puts, delta -0.30 each share: position delta = -2 x 100 x -0.30 = +60 shares.
    g = Greeks(delta=-0.30, gamma=0.02, vega=0.12, theta=-0.03).scale(-2 * 100)
    assert (g.delta, g.gamma, g.vega, g.theta) == pytest.approx((60.0, -4.0, -24.0, 6.0))
    assert Greeks.total([g, Greeks(delta=-10.0)]).delta == pytest.approx(50.0)
    assert 2 * Greeks(delta=0.5) == Greeks(delta=1.0)


def test_cash_reservation_and_covered_shares() -> None:
    book = portfolio(
        cash=50_000.0,
        positions=(
            option_position(Right.PUT, strike=95.0, contracts=-2),          # reserves 95 x 100 x 2 = 19,000
            option_position(Right.PUT, strike=50.0, contracts=-1, multiplier=10),  # 50 x 10 x 1 = 500
            option_position(Right.PUT, strike=90.0, contracts=1),            # long put reserves nothing
            stock(shares=300.0),
            option_position(Right.CALL, strike=120.0, contracts=-2),        # commits 200 shares
        ),
    )
    assert book.reserved_cash() == pytest.approx(19_500.0)
    assert book.free_cash() == pytest.approx(30_500.0)
    assert book.shares("XYZ") == 300.0
    assert book.uncovered_shares("XYZ") == 100.0


def test_quote_properties() -> None:
    q = quote(bid=1.00, ask=1.10, expiry=date(2016, 1, 29))
    assert q.mid == pytest.approx(1.05)
    assert q.spread_pct() == pytest.approx(0.10 / 1.05)
    assert q.dte(datetime(2015, 12, 24, 15, 59)) == 36
    assert quote(bid=0.0, ask=0.0).spread_pct() == float("inf")


def test_candidate_id_is_deterministic() -> None:
    t = datetime(2015, 12, 24, 10)
    assert candidate_id("A", Strategy.CASH_SECURED_PUT, t) == candidate_id("A", Strategy.CASH_SECURED_PUT, t)
    assert candidate_id("A", Strategy.CASH_SECURED_PUT, t) != candidate_id("A", Strategy.COVERED_CALL, t)
    assert len(candidate_id("A", Strategy.CASH_SECURED_PUT, t)) == 16


def test_candidate_id_is_computed_once_and_stays_out_of_equality_and_repr() -> None:
    t = datetime(2015, 12, 24, 10)
    c = Candidate(quote(), Strategy.CASH_SECURED_PUT, 7.5, t, notes=("n",))
    assert c.id == candidate_id(c.quote.symbol, Strategy.CASH_SECURED_PUT, t)
    assert c.id not in repr(c) and repr(c).endswith("contracts=1, notes=('n',))")
    same = Candidate(quote(), Strategy.CASH_SECURED_PUT, 7.5, t, notes=("n",))
    assert same == c and hash(same) == hash(c)
    assert replace(c, score=1.0).id == c.id and replace(c, as_of=t.replace(hour=11)).id != c.id
    assert replace(c, strategy=Strategy.COVERED_CALL).id == candidate_id(c.quote.symbol, Strategy.COVERED_CALL, t)
    back = pickle.loads(pickle.dumps(c))
    assert back == c and back.id == c.id
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.id = "x"  # type: ignore[misc]
