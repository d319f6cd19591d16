"""Construction and order planning on LEAN's real GOOG chain of 2015-12-24 10:00 (../shared/lean-data)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from domain.config import StrategyConfig
from domain.types import MarketContext, PortfolioState, ReviewAction, ReviewDecision
from execution.intents import IntentLedger
from execution.orders import plan_orders
from portfolio.construct import construct


@pytest.mark.slow
def test_goog_candidates_sized_and_priced(lean_data: Path) -> None:
    from alpha.screen import screen
    from wheelhouse.data.chain import chain_snapshot

    as_of = datetime(2015, 12, 24, 10, 0)
    snap = chain_snapshot(lean_data, "GOOG", as_of)
    cfg = StrategyConfig().replace(unknown_reference_policy="include", dte_min=0, dte_max=60, trade_threshold=5.0)
    market = MarketContext(as_of=as_of, rate=0.01, vix=17.0)
    one_million = PortfolioState(cash=1_000_000.0, total_value=1_000_000.0, as_of=as_of)
    cands = screen(snap, one_million, market, cfg).candidates
    assert cands, "the real chain yields at least one candidate"
    decisions = {c.id: ReviewDecision(c.id, ReviewAction.APPROVE, 1.0, 5.0, "none") for c in cands}
    put = min((c for c in cands if c.quote.right.value == "P"), key=lambda c: c.quote.strike)
    per = put.quote.strike * put.quote.multiplier     # GOOG puts near 700: about 70,000 a contract
    assert put.quote.multiplier == 100 and per > 50_000
    thin = put.quote.spread_pct() > cfg.screen.warn_spread_pct
    factor = 1 - cfg.portfolio.haircut_thin_liquidity if thin else 1.0
    # $1,000,000: the 5% cap is 50,000 < one contract -> nothing trades, and says why.
    result = construct([put], decisions, one_million, market, cfg)
    assert result.targets == () and "(cap $50,000)" in result.dropped[0][1]
    # $2,000,000: cap 100,000 (x 0.75 when the spread is thin) -> whole contracts, priced at mid on the tick.
    two = PortfolioState(cash=2_000_000.0, total_value=2_000_000.0, as_of=as_of)
    (target,) = construct([put], decisions, two, market, cfg).targets
    assert target.quantity == -int(100_000 * factor // per)
    assert ("thin_liquidity" in target.reason) is thin
    (order,) = plan_orders([target], {put.quote.symbol: put.quote}, cfg, as_of, IntentLedger())
    tick = put.quote.tick_size
    assert order.limit_price == pytest.approx(round(-(-put.quote.mid // tick)) * tick)  # mid rounded up to a tick
    assert put.quote.bid <= order.limit_price <= put.quote.ask
