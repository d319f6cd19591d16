"""The AlphaModel through the fake LEAN module: chains in, one DOWN insight per candidate out."""

from __future__ import annotations

import datetime as dt
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from alpha.tags import parse_insight_tag
from domain.config import StrategyConfig
from domain.types import Reference

REF = Reference("XYZ", "Information Technology", "AA", dt.date(2016, 4, 20), 0.6)


class FixedSource:
    def __init__(self) -> None:
        self.asked: list[tuple[str, dt.date]] = []

    def get(self, underlying: str, as_of: dt.date) -> Reference:
        self.asked.append((underlying, as_of))
        return REF if underlying == "XYZ" else Reference(underlying)


def build(lean: ModuleType, when: dt.datetime, quote_age: dt.timedelta = dt.timedelta(minutes=1)) -> tuple[Any, Any]:
    """A fake algorithm holding XYZ and a slice with a put and a call on it, quoted just before ``when``."""
    algo = lean.QCAlgorithm()
    algo.time = when
    equity = algo.add_equity("XYZ")
    equity.price = 105.0
    option = algo.add_option("XYZ")
    contracts = []
    for right, strike, bid, ask in ((lean.OptionRight.PUT, 100.0, 1.00, 1.04), (lean.OptionRight.CALL, 110.0, 1.00, 1.04),
                                    (lean.OptionRight.PUT, 95.0, 0.0, 0.10)):
        symbol = lean.Symbol.create_option(equity.symbol, "usa", lean.OptionStyle.AMERICAN, right, strike,
                                           dt.datetime(2016, 1, 29))
        algo.securities[symbol] = lean.Security(symbol, price=(bid + ask) / 2, multiplier=100.0)
        contracts.append(lean.OptionContract(symbol, bid, ask, 105.0, when - quote_age, volume=500,
                                             open_interest=1000.0))
    chains = {option.symbol: lean.OptionChain(equity.symbol, contracts)}
    return algo, lean.Slice(when, chains)


def test_insights_for_each_candidate(fake_lean: ModuleType) -> None:
    from alpha.lean_adapter import ScreeningAlphaModel

    source = FixedSource()
    model = ScreeningAlphaModel(StrategyConfig(), reference=source)
    algo, data = build(fake_lean, dt.datetime(2015, 12, 24, 10, 5))
    insights = model.update(algo, data)
    result = model.last_result
    assert result is not None and model.last_market is not None
    assert len(result.table) == 3 and result.table["quote_ok"].tolist().count("fail") == 1  # the zero-bid put
    assert len(insights) == len(result.candidates) == 1  # the put; the call has no shares to cover it
    [insight], [cand] = insights, result.candidates
    assert insight.direction == fake_lean.InsightDirection.DOWN
    assert insight.symbol is data.option_chains[next(iter(data.option_chains))][0].symbol
    assert insight.period == dt.timedelta(days=1)
    assert insight.weight == pytest.approx(cand.score / 10)
    tag = parse_insight_tag(insight.tag)
    assert tag["candidate"] == cand.id and tag["strategy"] == "csp" and float(tag["score"]) == round(cand.score, 2)
    assert source.asked == [("XYZ", dt.date(2015, 12, 24))]
    assert model.last_market.rate == pytest.approx(0.01)  # LEAN's risk-free rate model
    assert cand.quote.greeks is not None and cand.quote.iv is not None  # the project's own pricing


def test_covered_call_when_shares_are_held(fake_lean: ModuleType) -> None:
    from alpha.lean_adapter import ScreeningAlphaModel

    algo, data = build(fake_lean, dt.datetime(2015, 12, 24, 10, 5))
    equity = algo.securities[fake_lean.Symbol("XYZ")]
    equity.holdings = fake_lean.SecurityHolding(200.0, 95.0)
    model = ScreeningAlphaModel(StrategyConfig(), reference=FixedSource())
    insights = model.update(algo, data)
    strategies = {parse_insight_tag(i.tag)["strategy"] for i in insights}
    assert strategies == {"cc"}  # the put now fails the sector cap: 200 x 105 + 100 x 100 > 20 % of 100,000
    call = next(i for i in insights if parse_insight_tag(i.tag)["strategy"] == "cc")
    assert call.symbol.value.startswith("XYZ   160129C") and parse_insight_tag(call.tag)["contracts"] == "2"


def test_screens_once_a_day_after_screen_time(fake_lean: ModuleType) -> None:
    from alpha.lean_adapter import ScreeningAlphaModel

    model = ScreeningAlphaModel(StrategyConfig(), reference=FixedSource(), screen_time=dt.time(10, 0))
    early, data = build(fake_lean, dt.datetime(2015, 12, 24, 9, 45))
    assert model.update(early, data) == [] and model.last_result is None
    algo, data = build(fake_lean, dt.datetime(2015, 12, 24, 10, 0))
    assert model.update(algo, data)
    later, data = build(fake_lean, dt.datetime(2015, 12, 24, 11, 0))
    assert model.update(later, data) == []
    assert len(model.iv_history["XYZ"]) == 1 and model.closes["XYZ"] == [105.0]
    first_atm = model.iv_history["XYZ"][0]
    next_day, data = build(fake_lean, dt.datetime(2015, 12, 28, 10, 1))
    model.update(next_day, data)
    assert model.last_market is not None and model.last_market.iv_history["XYZ"] == (first_atm,)  # yesterday only
    assert len(model.iv_history["XYZ"]) == 2


def test_no_chains_no_insights(fake_lean: ModuleType) -> None:
    from alpha.lean_adapter import ScreeningAlphaModel

    algo = fake_lean.QCAlgorithm()
    model = ScreeningAlphaModel(StrategyConfig())
    assert model.update(algo, fake_lean.Slice(algo.time)) == []


def test_stale_lean_quotes_are_rejected(fake_lean: ModuleType) -> None:
    from alpha.lean_adapter import ScreeningAlphaModel

    algo, data = build(fake_lean, dt.datetime(2015, 12, 24, 10, 5), quote_age=dt.timedelta(hours=1))
    model = ScreeningAlphaModel(StrategyConfig(), reference=FixedSource())
    assert model.update(algo, data) == []
    assert model.last_result is not None
    assert model.last_result.table["reasons"].str.contains("stale quote").all()


def test_vix_symbol_sets_the_regime(fake_lean: ModuleType) -> None:
    from alpha.lean_adapter import ScreeningAlphaModel

    algo, data = build(fake_lean, dt.datetime(2015, 12, 24, 10, 5))
    vix = fake_lean.Symbol("VIX", fake_lean.SecurityType.INDEX)
    algo.securities[vix] = fake_lean.Security(vix, price=45.0)
    model = ScreeningAlphaModel(StrategyConfig(), reference=FixedSource(), vix_symbol=vix)
    assert model.update(algo, data) == []  # extreme regime: no new puts
    assert model.last_market is not None and model.last_market.vix == 45.0


def test_realised_vol_proxy_from_recorded_days(fake_lean: ModuleType) -> None:
    from alpha.lean_adapter import REALISED_WINDOW, ScreeningAlphaModel

    model = ScreeningAlphaModel(StrategyConfig())
    assert model._realised("XYZ") is None
    model.closes["XYZ"] = [100.0 * (1.01 if i % 2 else 0.99) ** 1 for i in range(REALISED_WINDOW + 1)]
    vol = model._realised("XYZ")
    assert vol is not None and 0.2 < vol < 0.4  # daily moves of about +-2 %: ~32 % a year


def test_lean_fundamentals_source_names_the_sector(fake_lean: ModuleType) -> None:
    from alpha.lean_adapter import LeanFundamentalsSource

    algo = fake_lean.QCAlgorithm()
    equity = algo.add_equity("XYZ")
    source = LeanFundamentalsSource(algo)
    assert source.get("XYZ", dt.date(2015, 12, 24)) == Reference("XYZ")
    equity.fundamentals = fake_lean.Fundamental(311)
    assert source.get("XYZ", dt.date(2015, 12, 24)) == Reference("XYZ", sector="Information Technology")
    equity.fundamentals = fake_lean.Fundamental(0)
    assert source.get("XYZ", dt.date(2015, 12, 24)).sector is None
    assert source.get("ABC", dt.date(2015, 12, 24)) == Reference("ABC")


def test_option_filter_keeps_the_dte_band_and_deltas_near_the_bands(fake_lean: ModuleType) -> None:
    from alpha.lean_adapter import option_filter

    universe = fake_lean.OptionFilterUniverse()
    assert option_filter(StrategyConfig())(universe) is universe
    names = [c[0] for c in universe.calls]
    assert names == ["include_weeklys", "expiration", "contracts"]
    assert universe.calls[1][1] == (30, 90)
    select = universe.calls[2][1][0]

    def contract(right: Any, delta: float) -> SimpleNamespace:
        return SimpleNamespace(symbol=SimpleNamespace(id=SimpleNamespace(option_right=right)),
                               greeks=SimpleNamespace(delta=delta))

    call, put = fake_lean.OptionRight.CALL, fake_lean.OptionRight.PUT
    items = [contract(call, 0.30), contract(call, 0.60), contract(call, 0.05), contract(put, -0.30),
             contract(put, -0.50), contract(put, -0.04), contract(put, 0.0)]
    # calls keep deltas in [0.05, 0.45], puts in [-0.45, -0.05]; a missing (0) delta is kept
    assert select(items) == [items[0], items[2], items[3], items[6]]


def test_history_survives_a_restart(fake_lean: ModuleType) -> None:
    from alpha.lean_adapter import HISTORY_KEY, ScreeningAlphaModel
    from domain.state import MemoryStore

    store = MemoryStore()
    model = ScreeningAlphaModel(StrategyConfig(), reference=FixedSource(), store=store)
    algo, data = build(fake_lean, dt.datetime(2015, 12, 24, 10, 5))
    model.update(algo, data)
    assert HISTORY_KEY in store.data
    restarted = ScreeningAlphaModel(StrategyConfig(), reference=FixedSource(), store=store)
    assert restarted.iv_history == model.iv_history and restarted.closes == {"XYZ": [105.0]}
    next_day, data = build(fake_lean, dt.datetime(2015, 12, 28, 10, 1))
    restarted.update(next_day, data)
    assert restarted.last_market is not None and len(restarted.last_market.iv_history["XYZ"]) == 1
    store.save(HISTORY_KEY, "{not json")
    assert ScreeningAlphaModel(StrategyConfig(), store=store).iv_history == {}
