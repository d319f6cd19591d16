"""The screen end to end: portfolio, reference and market context turned into verdicts, scores and candidates."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

from alpha.screen import ScreenResult, screen
from alpha.tags import insight_tag, parse_insight_tag
from domain.config import StrategyConfig
from domain.types import ChainSnapshot, MarketContext, OptionQuote, PortfolioState, Reference, Right, Strategy
from tests import factories as fx

AS_OF = fx.AS_OF
PUT = fx.quote()  # XYZ 100 put, 36 DTE, spot 105, bid 1.00 / ask 1.04: delta about -0.23
CALL = fx.quote(right=Right.CALL, strike=110.0)  # delta about 0.26
REFERENCE = {
    "XYZ": Reference("XYZ", "Information Technology", "AA", date(2016, 4, 20), 0.6),
    "ABC": Reference("ABC", "Information Technology", "A", None, 0.9),
}


def run(quotes: tuple[OptionQuote, ...] = (PUT, CALL), portfolio: PortfolioState | None = None,
        config: StrategyConfig | None = None, **market: Any) -> ScreenResult:
    market.setdefault("reference", REFERENCE)
    ctx = MarketContext(as_of=AS_OF, rate=0.01, **market)
    snap = ChainSnapshot("XYZ", 105.0, AS_OF, quotes)
    return screen(snap, portfolio or fx.portfolio(), ctx, config or StrategyConfig())


def row(result: ScreenResult, symbol: str) -> dict[str, Any]:
    t = result.table
    return dict(t[t["symbol"] == symbol].iloc[0])


def test_put_passes_and_is_sized_by_cash_and_sector_room() -> None:
    result = run()
    put = row(result, PUT.symbol)
    assert put["passed"], put["reasons"]
    assert put["sector_exposure"] == pytest.approx(0.10)  # 100 x 100 / 100,000
    assert put["premium_yield"] == pytest.approx(1.00 / 100 * 365 / 36)
    # 10 contracts of cash, but the 20 % sector cap leaves room for 2
    assert put["contracts"] == 2
    [cand] = [c for c in result.candidates if c.strategy is Strategy.CASH_SECURED_PUT]
    assert cand.contracts == 2 and cand.quote.iv is not None and cand.quote.greeks is not None
    assert cand.quote.greeks.delta == pytest.approx(put["delta"])
    assert cand.sector == "Information Technology"


def test_call_without_shares_fails_and_says_why() -> None:
    call = row(run(), CALL.symbol)
    assert not call["passed"]
    assert call["cc_shares"] == "fail" and "0 uncovered shares < 100 per contract" in call["reasons"]
    assert call["cc_cost_basis"] == "n/a" and call["cc_max_loss"] == "n/a"


def test_uncovered_shares_are_net_of_calls_already_written() -> None:
    positions = (fx.stock(shares=100, cost_basis=90.0), fx.stock(shares=150, cost_basis=100.0),
                 fx.option_position(Right.CALL, strike=115.0, contracts=-1))
    call = row(run(portfolio=fx.portfolio(positions=positions)), CALL.symbol)
    assert call["uncovered_shares"] == 150 and call["contracts"] == 1
    assert call["cost_basis"] == pytest.approx(96.0)  # (100 x 90 + 150 x 100) / 250
    assert call["passed"], call["reasons"]
    positions = positions + (fx.option_position(Right.CALL, strike=120.0, contracts=-1),)
    call = row(run(portfolio=fx.portfolio(positions=positions)), CALL.symbol)
    assert call["cc_shares"] == "fail" and call["uncovered_shares"] == 50


@pytest.mark.parametrize(("basis", "loss", "status"), [
    (100.0, 0.0, "pass"),                    # strike above basis: assignment locks in a gain
    (111.0, 0.0, "pass"),                    # 111 - 110 - 1.00 premium = 0
    (115.0, 4.0 / 105, "pass"),              # 115 - 110 - 1 = 4 per share, 3.8 % of the 105 share price
    (116.25, 5.25 / 105, "fail"),            # exactly 5 %: not below the limit
    (117.0, 6.0 / 105, "fail"),
])
def test_covered_call_maximum_loss_potential(basis: float, loss: float, status: str) -> None:
    cfg = StrategyConfig().replace(cc_allow_below_cost_basis=True)
    call = row(run(portfolio=fx.portfolio(positions=(fx.stock(shares=100, cost_basis=basis),)), config=cfg),
               CALL.symbol)
    assert call["max_loss_pct"] == pytest.approx(loss)
    assert call["cc_max_loss"] == status
    assert call["cc_cost_basis"] == "n/a"


def test_cost_basis_rule_blocks_strikes_below_basis_by_default() -> None:
    call = row(run(portfolio=fx.portfolio(positions=(fx.stock(shares=100, cost_basis=112.0),))), CALL.symbol)
    assert call["cc_cost_basis"] == "fail" and "strike 110 below cost basis 112.00" in call["reasons"]


def test_free_cash_is_net_of_open_puts() -> None:
    one = fx.portfolio(cash=20_000.0, total_value=1_000_000.0, positions=(fx.option_position(strike=100.0),))
    put = row(run(portfolio=one), PUT.symbol)
    assert put["free_cash"] == 10_000.0 and put["csp_cash"] == "pass" and put["contracts"] == 1
    two = fx.portfolio(cash=20_000.0, total_value=1_000_000.0,
                       positions=(fx.option_position(strike=100.0), fx.option_position(strike=100.0, contracts=-1,
                                                                                        expiry=date(2016, 2, 19))))
    put = row(run(portfolio=two), PUT.symbol)
    assert put["csp_cash"] == "fail" and "free cash 0 < 10,000" in put["reasons"]


def test_sector_exposure_counts_stock_and_short_puts_of_the_sector() -> None:
    positions = (fx.stock(shares=100, cost_basis=90.0),
                 fx.option_position(strike=50.0, contracts=-2, underlying="ABC"))
    pf = fx.portfolio(cash=100_000.0, positions=positions, prices={"XYZ": 105.0})
    put = row(run(portfolio=pf), PUT.symbol)
    # 100 x 105 stock + 2 x 100 x 50 put notional + 100 x 100 for the new put = 30,500 of 100,000
    assert put["sector_exposure"] == pytest.approx(0.305)
    assert put["csp_sector_exposure"] == "fail"


def test_unknown_sector_is_its_own_bucket() -> None:
    ref = {"XYZ": Reference("XYZ", None, "AA", date(2016, 4, 20), 0.6)}
    put = row(run(reference=ref), PUT.symbol)
    assert put["sector"] == "unknown:XYZ" and put["csp_sector_exposure"] == "pass"
    assert put["csp_put_call_ratio"] == "n/a"


@pytest.mark.parametrize(("mine", "peer", "status"), [(0.6, 0.9, "pass"), (0.9, 0.6, "fail"), (0.75, 0.75, "fail")])
def test_put_call_ratio_against_the_sector_average_of_the_reference(mine: float, peer: float, status: str) -> None:
    ref = {"XYZ": Reference("XYZ", "Information Technology", "AA", date(2016, 4, 20), mine),
           "ABC": Reference("ABC", "Information Technology", "A", None, peer),
           "OIL": Reference("OIL", "Energy", "A", None, 0.1)}
    put = row(run(reference=ref), PUT.symbol)
    assert put["sector_pcr_avg"] == pytest.approx((mine + peer) / 2)
    assert put["csp_put_call_ratio"] == status


@pytest.mark.parametrize("policy", ["exclude", "include"])
@pytest.mark.parametrize("missing", ["next_earnings", "credit_rating", "both", "no reference"])
def test_missing_reference_data_under_each_policy(policy: str, missing: str) -> None:
    base = REFERENCE["XYZ"]
    changes = {"next_earnings": {"next_earnings": None}, "credit_rating": {"credit_rating": None},
               "both": {"next_earnings": None, "credit_rating": None}}.get(missing)
    ref = dict(REFERENCE)
    if changes is None:
        del ref["XYZ"]
    else:
        from dataclasses import replace

        ref["XYZ"] = replace(base, **changes)
    cfg = StrategyConfig().replace(unknown_reference_policy=policy)
    put = row(run(reference=ref, config=cfg), PUT.symbol)
    unknown_rules = {"next_earnings": ["csp_earnings", "earnings_blackout"], "credit_rating": ["csp_credit_rating"]}
    names = [r for k, v in unknown_rules.items() if missing in (k, "both", "no reference") for r in v]
    for name in names:
        assert put[name] == ("fail" if policy == "exclude" else "n/a"), name
        assert f"unknown_reference_policy={policy}" in put["reasons"]
    if missing == "no reference":
        assert put["csp_put_call_ratio"] == "n/a"
    ok = put["csp_sector_exposure"] == "pass" and put["csp_cash"] == "pass"
    assert ok and put["passed"] == (policy == "include")


def test_regime_from_vix_blocks_puts_and_narrows_calls() -> None:
    positions = (fx.stock(shares=100, cost_basis=90.0),)
    result = run(portfolio=fx.portfolio(positions=positions), vix=45.0)
    put, call = row(result, PUT.symbol), row(result, CALL.symbol)
    assert put["regime"] == "extreme" and put["vol_regime"] == "fail"
    assert call["vol_regime"] == "pass" and call["cc_delta"] == "fail"  # 0.26 > 0.35 x 0.6
    assert not result.candidates


def test_realised_vol_proxy_when_no_vix() -> None:
    put = row(run(realised_vol={"XYZ": 0.35}), PUT.symbol)
    assert put["regime_level"] == pytest.approx(35.0) and put["regime"] == "high"
    assert put["vol_regime"] == "pass"


def test_vrp_is_contract_iv_minus_forecast() -> None:
    put = row(run(forecast_vol={"XYZ": 0.15}, realised_vol={"XYZ": 0.5}), PUT.symbol)
    assert put["vrp"] == pytest.approx(put["iv"] - 0.15)


def test_multiplier_comes_from_the_quote() -> None:
    mini = fx.quote(multiplier=10)
    pf = fx.portfolio(cash=1_500.0, total_value=1_000_000.0)
    put = row(run(quotes=(mini,), portfolio=pf), mini.symbol)
    assert put["csp_cash"] == "pass" and put["contracts"] == 1  # 100 x 10 = 1,000 of cash per contract


def test_candidates_are_ranked_and_carry_their_verdicts() -> None:
    quotes = tuple(fx.quote(strike=k, bid=b, ask=round(b * 1.02, 2)) for k, b in ((97.0, 0.70), (100.0, 1.00), (98.0, 0.80)))
    pf = fx.portfolio(cash=1_000_000.0)
    result = run(quotes=quotes, portfolio=pf)
    scores = [c.score for c in result.candidates]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)
    top = result.candidates[0]
    assert {v.rule for v in top.verdicts} >= {"quote_ok", "csp_cash", "csp_delta", "dte_band"}
    assert not any(v.rule.startswith("cc_") for v in top.verdicts)
    assert all(v.status in ("pass", "n/a") for v in top.verdicts)
    assert any("cc_iv_percentile" in n or "vol_regime n/a" in n for n in top.notes)
    again = run(quotes=quotes, portfolio=pf)
    assert [c.id for c in again.candidates] == [c.id for c in result.candidates]
    tag = parse_insight_tag(insight_tag(top))
    assert tag["candidate"] == top.id and float(tag["score"]) == pytest.approx(top.score, abs=0.005)


def test_table_has_one_row_per_contract_and_every_rule_column() -> None:
    from alpha.rules import RULE_NAMES

    result = run()
    t = result.table
    assert len(t) == 2 and list(t["symbol"]) == [PUT.symbol, CALL.symbol]
    for name in RULE_NAMES:
        assert set(t[name]) <= {"pass", "fail", "n/a"}
    assert t["passed"].dtype == bool
    assert np.isfinite(t["score"]).all()
    assert result.atm_iv["XYZ"] > 0


def test_iv_percentile_and_rank_from_history() -> None:
    pytest.importorskip("pricing.vol")
    history = tuple(np.linspace(0.10, 0.40, 100))
    positions = (fx.stock(shares=100, cost_basis=90.0),)
    result = run(portfolio=fx.portfolio(positions=positions), iv_history={"XYZ": history})
    call = row(result, CALL.symbol)
    atm = result.atm_iv["XYZ"]
    assert call["iv_rank"] == pytest.approx((atm - 0.10) / 0.30 * 100, abs=1e-6)
    assert call["iv_percentile"] == pytest.approx(np.mean(np.array(history) < atm) * 100, abs=1.0)
    short = run(portfolio=fx.portfolio(positions=positions), iv_history={"XYZ": history[:19]})
    assert np.isnan(row(short, CALL.symbol)["iv_percentile"])


def test_memo_keeps_a_chains_analytics_and_gives_the_same_result() -> None:
    from dataclasses import replace

    from alpha.screen import screen_many

    snap = ChainSnapshot("XYZ", 105.0, AS_OF, (PUT, CALL))
    ctx = MarketContext(as_of=AS_OF, rate=0.01, reference=REFERENCE)
    config = StrategyConfig()
    plain = screen_many((snap,), fx.portfolio(), ctx, config)
    memo: dict[tuple[object, ...], Any] = {}
    first = screen_many((snap,), fx.portfolio(), ctx, config, memo)
    assert len(memo) == 1
    [entry] = memo.values()
    assert not entry.columns["iv"].flags.writeable and not entry.chain["bid"].flags.writeable
    assert not entry.context.premium_yield.flags.writeable and entry.context.atm == first.atm_iv
    # a hit: a snapshot holding other quotes under the same (underlying, as_of) is answered from the memo
    again = screen_many((ChainSnapshot("XYZ", 105.0, AS_OF, (PUT,)),), fx.portfolio(), ctx, config, memo)
    assert len(memo) == 1 and len(again.table) == 2
    for result in (first, again):
        assert result.candidates == plain.candidates
        assert result.table.equals(plain.table)
    # a candidate's quote (with its analytics) is made once and shared by later screens of the same quotes
    assert [c.quote for c in again.candidates] == [c.quote for c in first.candidates]
    assert all(a.quote is b.quote for a, b in zip(again.candidates, first.candidates, strict=True))
    # what the entry keeps depends on the quotes alone: other settings and holdings still screen as without it
    narrow = config.replace(csp_delta_min=-0.2, csp_delta_max=-0.1, cc_min_yield=0.5)
    poorer = fx.portfolio(cash=1_000.0)
    for cfg, book in ((narrow, fx.portfolio()), (config, poorer), (narrow, poorer)):
        expected = screen_many((snap,), book, ctx, cfg)
        got = screen_many((snap,), book, ctx, cfg, memo)
        assert got.candidates == expected.candidates and got.table.equals(expected.table)
    assert len(memo) == 1
    # the rate and the quote-age limit are part of the key
    screen_many((snap,), fx.portfolio(), replace(ctx, rate=0.02), config, memo)
    stricter = StrategyConfig.model_validate({**config.model_dump(), "screen": {
        **config.screen.model_dump(), "max_quote_age_minutes": 1.0}})
    assert stricter.screen.max_quote_age_minutes != config.screen.max_quote_age_minutes
    screen_many((snap,), fx.portfolio(), ctx, stricter, memo)
    assert len(memo) == 3


def test_table_is_built_on_first_access_only() -> None:
    result = run()
    assert "table" not in vars(result)
    first = result.table
    assert result.table is first and len(first) == 2
