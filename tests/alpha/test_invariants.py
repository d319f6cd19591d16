"""Hypothesis: no candidate ever violates a rule it was marked as passing, checked by scalar oracles that
re-derive each rule from the domain objects (not from the screen's table)."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from alpha.screen import screen
from domain.config import StrategyConfig
from domain.config.screen import RATINGS
from domain.types import (
    AssetKind,
    Candidate,
    ChainSnapshot,
    MarketContext,
    OptionQuote,
    PortfolioState,
    Reference,
    Right,
    Strategy,
)
from pricing.bsm import bsm
from tests import factories as fx

AS_OF = fx.AS_OF
TODAY = AS_OF.date()
REGIME = {"high": (0.8, 60, 2.0, True), "extreme": (0.6, 45, 2.0, False)}  # far-delta scale, DTE cap, OI x, puts


@st.composite
def quotes(draw: st.DrawFn, spot: float) -> OptionQuote:
    """Mostly sane quotes (priced by BSM at a drawn vol, drawn spread), some malformed or stale."""
    right = draw(st.sampled_from([Right.CALL, Right.PUT]))
    sign = 1 if right is Right.CALL else -1
    days = draw(st.sampled_from([-1, 0, 10, 29, 30, 31, 44, 45, 46, 60, 61, 90, 91, 120] + [36, 40] * 6))
    vol = draw(st.floats(0.15, 0.8))
    # out of the money by this many standard deviations: mostly inside the delta bands, sometimes anywhere
    sigmas = draw(st.floats(0.45, 0.95) | st.floats(0.45, 0.95) | st.floats(-0.2, 1.5))
    strike = round(spot * math.exp(sign * sigmas * vol * math.sqrt(max(days, 1) / 365)) * 2) / 2
    fair = float(bsm(spot, strike, max(days, 0) / 365, 0.01, 0.0, vol, right is Right.CALL).price)
    half = draw(st.sampled_from([0.005, 0.01, 0.01, 0.02, 0.025, 0.03]))
    bid, ask = round(fair * (1 - half), 2), round(fair * (1 + half), 2)
    fault = draw(st.sampled_from([None] * 24 + ["zero", "negative", "nan", "crossed", "stale", "future"]))
    age = {"stale": 31, "future": -2}.get(fault or "", draw(st.sampled_from([0, 5, 30])))
    bid = {"zero": 0.0, "negative": -0.1, "nan": float("nan"), "crossed": ask + 0.05}.get(fault or "", bid)
    return fx.quote(right=right, strike=strike, expiry=TODAY + timedelta(days=days), bid=bid, ask=ask,
                    underlying_price=spot, quote_time=AS_OF - timedelta(minutes=age),
                    open_interest=draw(st.sampled_from([100.0, 101.0, 199.0, 201.0, *[5000.0] * 4, float("nan")])),
                    multiplier=draw(st.sampled_from([100, 100, 10])))


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    spot = draw(st.floats(20.0, 400.0))
    qs = draw(st.lists(quotes(spot), min_size=1, max_size=10, unique_by=lambda q: q.symbol))
    shares = draw(st.sampled_from([0.0, 50.0, 100.0, 250.0, 1000.0, 1000.0]))
    positions = [fx.stock(shares=shares, cost_basis=spot * draw(st.floats(0.8, 1.2)))] if shares else []
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        positions.append(fx.option_position(Right.CALL, strike=round(spot * 1.1), contracts=-1))
    for _ in range(draw(st.integers(0, 2))):
        positions.append(fx.option_position(Right.PUT, strike=round(spot * 0.9), contracts=-1,
                                            underlying=draw(st.sampled_from(["XYZ", "ABC"]))))
    cash = draw(st.sampled_from([0.0, 5_000.0, 400_000.0, 2_000_000.0]))
    pf = fx.portfolio(cash=cash, positions=tuple(positions), total_value=cash + draw(st.sampled_from([0.0, 1e5, 1e6])),
                      prices={"XYZ": spot})
    sector = draw(st.sampled_from(["Energy", "Utilities", None, "Energy"]))
    earnings = draw(st.sampled_from([None, TODAY - timedelta(days=3), TODAY, TODAY + timedelta(days=7),
                                     TODAY + timedelta(days=8), TODAY + timedelta(days=50),
                                     *[TODAY + timedelta(days=200)] * 12]))
    ref = {}
    if draw(st.integers(0, 3)):
        ref["XYZ"] = Reference("XYZ", sector, draw(st.sampled_from([None, "NR", *RATINGS[:12]])), earnings,
                               draw(st.sampled_from([None, 0.5, 0.8, 1.1])))
    if draw(st.booleans()):
        ref["ABC"] = Reference("ABC", "Energy", "A", None, draw(st.sampled_from([None, 0.7, 0.9])))
    cfg = StrategyConfig().replace(
        unknown_reference_policy=draw(st.sampled_from(["exclude", "include"])),
        baseline_rules=draw(st.sampled_from([False, False, False, True])), cc_allow_below_cost_basis=draw(st.booleans()),
        cc_iv_pct_min=0, cc_iv_pct_max=100, csp_min_yield=draw(st.sampled_from([0.0, 0.03])),
    )
    vix = draw(st.sampled_from([None, 12.0, 20.0, 30.0, 35.0, 45.0]))
    rv = draw(st.sampled_from([{}, {"XYZ": 0.25}, {"XYZ": 0.5}]))
    market = MarketContext(as_of=AS_OF, rate=0.01, vix=vix, realised_vol=rv, reference=ref)
    return {"snap": ChainSnapshot("XYZ", spot, AS_OF, tuple(qs)), "pf": pf, "market": market, "cfg": cfg}


def regime_of(market: MarketContext, cfg: StrategyConfig) -> str:
    s = cfg.screen
    level = market.vix if market.vix is not None else 100 * market.realised_vol.get("XYZ", math.nan)
    if math.isnan(level):
        return "unknown"
    return "extreme" if level > s.vix_extreme else "high" if level > s.vix_high else "other"


def bands(c: Candidate, market: MarketContext, cfg: StrategyConfig) -> tuple[float, float, float, float, float]:
    """(delta lo, delta hi, dte lo, dte hi, min OI) re-derived from the settings and the documented table."""
    s = cfg.screen
    scale, cap, oi_x, _ = REGIME.get(regime_of(market, cfg), (1.0, 10_000, 1.0, True))
    if c.strategy is Strategy.COVERED_CALL:
        lo, hi = s.cc_delta_min, s.cc_delta_max
        if s.baseline_rules:
            lo, hi = max(lo, 0.20), min(hi, 0.30)
        hi *= scale
    else:
        lo, hi = s.csp_delta_min, s.csp_delta_max
        if s.baseline_rules:
            lo, hi = max(lo, -0.30), min(hi, -0.20)
        lo *= scale
    dlo, dhi = float(s.dte_min), float(s.dte_max)
    if s.baseline_rules:
        dlo, dhi = max(dlo, 30), min(dhi, 45)
    return lo, hi, dlo, min(dhi, cap), s.min_open_interest * oi_x


def sector_dollars(pf: PortfolioState, ref: dict[str, Reference], sector: str, spot: float) -> float:
    total = 0.0
    for p in pf.positions:
        r = ref.get(p.underlying)
        name = p.sector or (r.sector if r else None) or f"unknown:{p.underlying}"
        if name != sector:
            continue
        if p.kind is AssetKind.STOCK:
            total += p.quantity * pf.prices.get(p.symbol, spot)
        elif p.is_short_put and p.strike is not None:
            total += p.strike * p.multiplier * -p.quantity
    return total


def oracle(rule: str, c: Candidate, pf: PortfolioState, market: MarketContext, cfg: StrategyConfig) -> bool:
    """Does ``c`` satisfy ``rule``? Plain scalar code on the domain objects."""
    s, q, eps = cfg.screen, c.quote, 1e-9
    lo, hi, dlo, dhi, min_oi = bands(c, market, cfg)
    dte = (q.expiry - TODAY).days
    days = max(dte, 1)
    ref = market.reference.get("XYZ")
    earn = ref.next_earnings if ref else None
    rating = ref.credit_rating if ref else None
    lots = [p for p in pf.positions if p.kind is AssetKind.STOCK and p.quantity > 0]
    basis = sum(p.quantity * p.cost_basis for p in lots) / sum(p.quantity for p in lots) if lots else math.nan
    assert q.greeks is not None and q.iv is not None and q.iv > 0
    checks = {
        "quote_ok": (q.bid > 0 and q.ask >= q.bid and q.expiry >= TODAY and q.quote_time <= AS_OF
                     and AS_OF - q.quote_time <= timedelta(minutes=s.max_quote_age_minutes)),
        "vol_regime": not (c.strategy is Strategy.CASH_SECURED_PUT and regime_of(market, cfg) == "extreme"),
        "dte_band": dlo <= dte <= dhi,
        "min_open_interest": q.open_interest > min_oi,
        "max_spread": (q.ask - q.bid) / q.mid <= s.max_spread_pct + eps,
        "earnings_blackout": earn is not None and earn >= TODAY
        and not earn <= TODAY + timedelta(days=s.earnings_blackout_days),
        "baseline_iv_rank": c.iv_rank is not None and c.iv_rank > s.baseline_iv_rank_min,
        "cc_shares": pf.uncovered_shares("XYZ") >= q.multiplier,
        "cc_cost_basis": q.strike >= basis - eps,
        "cc_yield": q.bid / q.underlying_price * 365 / days > s.cc_min_yield,
        "cc_delta": lo - eps <= q.greeks.delta <= hi + eps,
        "cc_iv_percentile": c.iv_percentile is not None and s.cc_iv_pct_min <= c.iv_percentile <= s.cc_iv_pct_max,
        "cc_max_loss": max(0.0, basis - q.strike - q.bid) / q.underlying_price < s.cc_max_loss_pct,
        "csp_cash": pf.free_cash() >= q.strike * q.multiplier - eps,
        "csp_yield": q.bid / q.strike * 365 / days > s.csp_min_yield,
        "csp_delta": lo - eps <= q.greeks.delta <= hi + eps,
        "csp_put_call_ratio": ref is not None and ref.put_call_ratio is not None and ref.sector is not None,
        "csp_earnings": earn is not None and earn >= TODAY
        and not earn <= q.expiry + timedelta(days=s.earnings_buffer_days),
        "csp_credit_rating": rating in RATINGS and RATINGS.index(rating) <= RATINGS.index(s.min_credit_rating),
        "csp_sector_exposure": pf.total_value > 0 and (
            sector_dollars(pf, market.reference, c.sector or "unknown:XYZ", q.underlying_price)
            + q.strike * q.multiplier) / pf.total_value <= s.screen_sector_max + eps,
    }
    if rule == "csp_put_call_ratio" and checks[rule]:
        assert ref is not None and ref.put_call_ratio is not None
        peers = [r.put_call_ratio for r in market.reference.values()
                 if r.sector == ref.sector and r.put_call_ratio is not None]
        return len(peers) >= 2 and ref.put_call_ratio < sum(peers) / len(peers)
    return bool(checks[rule])


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_no_candidate_violates_a_rule_it_passed(sc: dict[str, Any]) -> None:
    snap, pf, market, cfg = sc["snap"], sc["pf"], sc["market"], sc["cfg"]
    result = screen(snap, pf, market, cfg)
    table = result.table
    rejected = set(table.loc[table["quote_ok"] == "fail", "symbol"])
    assert len(table) == len(snap.quotes)
    event(f"candidates: {min(len(result.candidates), 3)}{'+' if len(result.candidates) >= 3 else ''}")
    event(f"csp candidate: {any(c.strategy is Strategy.CASH_SECURED_PUT for c in result.candidates)}")
    event(f"cc candidate: {any(c.strategy is Strategy.COVERED_CALL for c in result.candidates)}")
    for c in result.candidates:
        assert c.quote.symbol not in rejected
        assert 0.0 <= c.score <= 10.0 and c.contracts >= 1
        statuses = {v.rule: v.status for v in c.verdicts}
        assert "fail" not in statuses.values()
        for rule, status in statuses.items():
            if status == "pass":
                assert oracle(rule, c, pf, market, cfg), (rule, c.quote.symbol)
            elif rule in ("earnings_blackout", "csp_earnings", "csp_credit_rating"):
                assert cfg.screen.unknown_reference_policy == "include", rule
    scores = [c.score for c in result.candidates]
    assert scores == sorted(scores, reverse=True)


def test_oracle_is_not_vacuous() -> None:
    """The oracles reject what they should: a put sold without cash fails ``csp_cash``."""
    q = fx.quote()
    c = Candidate(q.with_analytics(0.3, fx.greeks(delta=-0.25)), Strategy.CASH_SECURED_PUT, 5.0, AS_OF)
    poor = fx.portfolio(cash=100.0)
    market = MarketContext(as_of=AS_OF)
    assert not oracle("csp_cash", c, poor, market, StrategyConfig())
    assert oracle("csp_cash", c, fx.portfolio(), market, StrategyConfig())
    assert not oracle("quote_ok", Candidate(fx.quote(quote_time=datetime(2015, 12, 24, 9, 0)).with_analytics(
        0.3, fx.greeks()), Strategy.CASH_SECURED_PUT, 5.0, AS_OF), poor, market, StrategyConfig())
    assert date(2016, 1, 29) == q.expiry
