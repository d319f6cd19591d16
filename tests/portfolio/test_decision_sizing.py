"""Decision matrix, risk-fit and sizing: hand-computed cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from domain.config import StrategyConfig
from domain.types import Reference, Right
from portfolio.caps import Exposure, position_cap
from portfolio.decision import risk_fit, score
from portfolio.sizing import haircuts, size
from tests.factories import approve, candidate, market, option_position, portfolio, stock

CFG = StrategyConfig()


def liquid(*args: object, **kw: object):  # type: ignore[no-untyped-def]
    """A candidate with a 2% spread (below the 3% thin-liquidity line)."""
    kw.setdefault("bid", 1.00)
    kw.setdefault("ask", 1.02)
    return candidate(*args, **kw)  # type: ignore[arg-type]


def test_risk_fit_of_the_documented_example() -> None:
    # Empty $100,000 book, defaults: N = 5,000; c_cap = 5,000/50,000 = 0.1; c_sec = 5,000/25,000 = 0.2;
    # c_slot = max(1/10, 1/3) = 1/3 -> 10 x (1 - 0.63333/3) = 7.8889.
    c = candidate(sector="Tech")
    exp = Exposure.of(portfolio(100_000.0), market(), CFG)
    assert risk_fit(c, exp, "Tech", CFG) == pytest.approx(10 * (1 - (0.1 + 0.2 + 1 / 3) / 3))


def test_risk_fit_with_existing_exposure_and_calls() -> None:
    # One Tech put K=100 x2 reserves 20,000: committed 20,000, sector Tech 20,000, 1 position.
    book = portfolio(100_000.0, positions=(option_position(Right.PUT, strike=100.0, contracts=-2, underlying="AAA"),))
    mkt = market(reference={"AAA": Reference("AAA", sector="Tech")})
    exp = Exposure.of(book, mkt, CFG)
    # New Tech put: c_cap = 5,000/30,000; c_sec = 5,000/5,000 = 1; c_slot = max(1/9, 1/2) = 0.5.
    expected = 10 * (1 - (5_000 / 30_000 + 1.0 + 0.5) / 3)
    assert risk_fit(candidate(underlying="BBB", sector="Tech"), exp, "Tech", CFG) == pytest.approx(expected)
    # A put on the held underlying adds no slot: c_slot = 0.
    assert risk_fit(candidate(underlying="AAA"), exp, "Tech", CFG) == pytest.approx(
        10 * (1 - (5_000 / 30_000 + 1.0) / 3))
    # A covered call on it commits nothing and opens nothing: a perfect fit.
    assert risk_fit(candidate(Right.CALL, underlying="AAA"), exp, "Tech", CFG) == pytest.approx(10.0)


@pytest.mark.parametrize(("quant", "llm", "risk", "final", "passed"), [
    (8.0, 8.0, 6.0, 0.7 * 8 + 0.2 * 8 + 0.1 * 6, True),     # 7.80
    (8.0, 7.0, 5.0, 0.7 * 8 + 0.2 * 7 + 0.1 * 5, True),     # 7.50 exactly: at the threshold trades
    (8.0, 7.0, 4.9, 0.7 * 8 + 0.2 * 7 + 0.1 * 4.9, False),  # 7.49
    (12.0, -3.0, float("nan"), 0.7 * 10, False),            # clipped to 0-10, NaN counts as 0
])
def test_decision_matrix(quant: float, llm: float, risk: float, final: float, passed: bool) -> None:
    c = candidate(score=quant)
    parts = score(c, approve(c, confidence=llm), risk, CFG)
    assert parts.final == pytest.approx(final)
    assert parts.passed is passed


def test_weights_and_threshold_are_settings() -> None:
    cfg = CFG.replace(weight_quant=0.5, weight_llm=0.5, weight_risk=0.0, trade_threshold=6.0)
    c = candidate(score=6.0)
    parts = score(c, approve(c, confidence=6.0), 0.0, cfg)
    assert (parts.final, parts.passed) == (pytest.approx(6.0), True)


def test_position_cap_by_regime() -> None:
    assert [position_cap(v, CFG) for v in (None, 14.9, 15.0, 30.0, 40.0, 40.1)] == [10, 12, 10, 10, 10, 7]


@pytest.mark.parametrize(("strike", "mult", "contracts"), [
    (50.0, 100, 1),    # 5,000 per contract = the 5% cap of 100,000 exactly
    (50.01, 100, 0),   # one contract exceeds the cap: no trade
    (10.0, 100, 5),    # 1,000 each
    (12.0, 100, 4),    # 5,000 / 1,200 = 4.17 -> 4 (round down)
    (10.0, 10, 50),    # multiplier from the quote (mini contracts): 100 each
])
def test_put_sizing_is_whole_contracts_under_five_percent(strike: float, mult: int, contracts: int) -> None:
    c = liquid(strike=strike, multiplier=mult)
    r = size(c, 100_000.0, market(), CFG)
    assert r.contracts == contracts
    assert r.cap == pytest.approx(5_000.0)
    assert r.notional == pytest.approx(contracts * strike * mult)


def test_call_sizing_uses_the_underlying_value_covered() -> None:
    # Underlying 105 x 100 = 10,500 per contract; cap 5% of 400,000 = 20,000 -> 1 contract.
    c = liquid(Right.CALL, strike=110.0, underlying_price=105.0)
    assert size(c, 400_000.0, market(), CFG).contracts == 1
    assert size(c, 420_000.0, market(), CFG).contracts == 2


def test_haircuts_capital_fraction_and_review_multiplier() -> None:
    c = candidate(strike=10.0, bid=1.00, ask=1.02)  # 1,000 per contract, spread 2% (not thin)
    assert size(c, 100_000.0, market(vix=20.0), CFG).contracts == 5
    # VIX 35 > 30: 40% cut -> 3,000 -> 3 contracts.
    r = size(c, 100_000.0, market(vix=35.0), CFG)
    assert (r.contracts, r.haircuts) == (3, ("high_vix",))
    # Earnings in 7 days (inclusive) and holiday week too: 5,000 x 0.6 x 0.5 x 0.75 = 1,125 -> 1.
    mkt = market(vix=35.0, holiday_week=True, reference={"XYZ": Reference("XYZ", next_earnings=date(2015, 12, 31))})
    r = size(c, 100_000.0, mkt, CFG)
    assert (r.contracts, r.haircuts) == (1, ("high_vix", "earnings", "holiday"))
    assert r.budget == pytest.approx(1_125.0)
    # Earnings 8 days out: no earnings cut.
    later = market(reference={"XYZ": Reference("XYZ", next_earnings=date(2016, 1, 1))})
    assert haircuts(c, later, CFG) == ()
    # Thin liquidity: spread 0.04 over mid 1.02 = 3.9% > 3% -> 25% cut: 3,750 -> 3.
    thin = candidate(strike=10.0, bid=1.00, ask=1.04)
    assert size(thin, 100_000.0, market(), CFG).contracts == 3
    # Capital fraction 0.5: cap 2,500 -> 2 contracts.
    assert size(c, 100_000.0, market(), CFG.replace(capital_fraction=0.5)).contracts == 2
    # The review multiplier only shrinks: 0.5 -> 2,500 -> 2; 3.0 is clipped to 1 -> 5; NaN -> 0.
    assert size(c, 100_000.0, market(), CFG, 0.5).contracts == 2
    assert size(c, 100_000.0, market(), CFG, 3.0).contracts == 5
    assert size(c, 100_000.0, market(), CFG, float("nan")).contracts == 0


def test_exposure_books_shares_puts_and_calls() -> None:
    book = portfolio(
        50_000.0, total_value=100_000.0,
        positions=(stock("AAA", 200.0, 90.0), option_position(Right.CALL, strike=100.0, contracts=-1, underlying="AAA"),
                   option_position(Right.PUT, strike=40.0, contracts=-3, underlying="BBB")),
        prices={"AAA": 95.0},
    )
    exp = Exposure.of(book, market(), CFG)
    assert exp.committed == pytest.approx(200 * 95.0 + 40 * 100 * 3)  # 19,000 + 12,000
    assert exp.free_cash == pytest.approx(50_000.0 - 12_000.0)
    assert exp.positions == {"AAA", "BBB"}
    assert exp.uncovered == {"AAA": 100.0}
    assert exp.sector_exposure == {"UNKNOWN": pytest.approx(31_000.0)}


def test_sector_comes_from_position_then_reference_then_candidate() -> None:
    held = option_position(Right.PUT, 10.0, -1, underlying="AAA")
    book = portfolio(100_000.0, positions=(replace(held, sector="Own"),))
    mkt = market(reference={"AAA": Reference("AAA", sector="Ref"), "BBB": Reference("BBB", sector="Ref")})
    exp = Exposure.of(book, mkt, CFG)
    assert exp.sector_for(candidate(underlying="AAA", sector="Cand"), mkt) == "Own"
    assert exp.sector_for(candidate(underlying="BBB", sector="Cand"), mkt) == "Ref"
    assert exp.sector_for(candidate(underlying="CCC", sector="Cand"), mkt) == "Cand"
    assert exp.sector_for(candidate(underlying="DDD"), mkt) == "UNKNOWN"
