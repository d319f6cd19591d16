"""The RiskManagementModel through the fake LEAN module: overrides only, insights cancelled, kill switch in one step."""

from __future__ import annotations

import datetime as dt
from typing import Any

from domain.config import StrategyConfig
from risk.breakers import KILL_KEY

EXPIRY = dt.datetime(2016, 2, 19)


def world(lean: Any, held_puts: int = 0, shares: int = 0) -> tuple[Any, Any, Any]:
    """An algorithm holding XYZ shares and short 95 puts, with the put's contract in the current slice."""
    algo = lean.QCAlgorithm()
    algo.time = dt.datetime(2015, 12, 23, 10, 0)
    algo.utc_time = algo.time + dt.timedelta(hours=5)
    algo.portfolio.total_portfolio_value = 100_000.0
    equity = algo.add_equity("XYZ")
    equity.price = 100.0
    equity.holdings = lean.SecurityHolding(shares, 98.0)
    canonical = algo.add_option("XYZ").symbol
    put = lean.Symbol.create_option(equity.symbol, "usa", lean.OptionStyle.EUROPEAN, lean.OptionRight.PUT, 95.0,
                                    EXPIRY)
    put.canonical = canonical
    security = lean.Security(put, price=2.0, multiplier=100.0)
    security.holdings = lean.SecurityHolding(-held_puts, 2.0)
    algo.securities[put] = security
    contract = lean.OptionContract(put, bid_price=1.98, ask_price=2.02, underlying_last_price=100.0,
                                   time=algo.time, volume=100, open_interest=1000)
    algo.current_slice = lean.Slice(algo.time, {canonical: lean.OptionChain(equity.symbol, [contract])})
    return algo, put, equity.symbol


def model(lean: Any, algo: Any, config: StrategyConfig | None = None) -> Any:
    from algorithms.convert import ObjectStoreState
    from risk.lean_adapter import WheelRiskManagementModel

    return WheelRiskManagementModel(config or StrategyConfig(), ObjectStoreState(algo))


def insight(lean: Any, algo: Any, symbol: Any) -> Any:
    i = lean.Insight.price(symbol, dt.timedelta(days=5), lean.InsightDirection.DOWN)
    i.generated_time_utc = algo.utc_time
    i.close_time_utc = algo.utc_time + dt.timedelta(days=5)
    algo.insights.append(i)
    return i


def test_a_target_over_the_limits_is_cut_and_its_insight_cancelled(fake_lean: Any) -> None:
    algo, put, _ = world(fake_lean)
    insight(fake_lean, algo, put)
    out = model(fake_lean, algo).manage_risk(algo, [fake_lean.PortfolioTarget(put, -80)])
    assert len(out) == 1 and out[0].symbol == put
    assert -80 < out[0].quantity < 0  # shrunk, same direction
    assert "cut from 80" in out[0].tag
    assert list(algo.insights) == []


def test_targets_within_limits_produce_no_override(fake_lean: Any) -> None:
    algo, put, _ = world(fake_lean)
    kept = insight(fake_lean, algo, put)
    assert model(fake_lean, algo).manage_risk(algo, [fake_lean.PortfolioTarget(put, -1)]) == []
    assert list(algo.insights) == [kept]


def test_object_store_flag_liquidates_at_the_next_step(fake_lean: Any) -> None:
    algo, put, stock = world(fake_lean, held_puts=2, shares=100)
    m = model(fake_lean, algo)
    assert m.manage_risk(algo, []) == []
    algo.object_store.save(KILL_KEY, "liquidate")
    out = {str(t.symbol): t.quantity for t in m.manage_risk(algo, [])}
    assert out == {str(put): 0, str(stock): 0}
    assert m.last_result is not None and m.last_result.state.value == "HALTED"


def test_live_command_halts_new_entries(fake_lean: Any) -> None:
    from risk.lean_adapter import RiskCommand

    algo, put, _ = world(fake_lean, held_puts=1)
    m = model(fake_lean, algo)
    command = RiskCommand()
    command.kill_switch = "halt"
    assert command.run(algo) is True
    out = m.manage_risk(algo, [fake_lean.PortfolioTarget(put, -3)])  # wants 2 more
    assert [(t.symbol, t.quantity) for t in out] == [(put, -1)]  # held at the current holding: no trade
    bad = RiskCommand()
    bad.kill_switch = "sometimes"
    assert bad.run(algo) is False and any("not one of" in line for line in algo.logs)


def test_parameter_kill_switch_and_state_in_the_object_store(fake_lean: Any) -> None:
    algo, put, _ = world(fake_lean)
    out = model(fake_lean, algo, StrategyConfig().replace(kill_switch="halt")).manage_risk(
        algo, [fake_lean.PortfolioTarget(put, -1)])
    assert [(t.symbol, t.quantity) for t in out] == [(put, 0)]
    assert '"state": "HALTED"' in algo.object_store.read("wheelhouse/risk/gate")


def test_a_hold_target_is_left_alone_and_standing_conditions_log_once(fake_lean: Any) -> None:
    algo, put, _ = world(fake_lean, held_puts=2)
    kept = insight(fake_lean, algo, put)
    m = model(fake_lean, algo, StrategyConfig().replace(kill_switch="halt"))
    assert m.manage_risk(algo, [fake_lean.PortfolioTarget(put, -2)]) == []  # target == holding: no trade
    assert list(algo.insights) == [kept]
    m.manage_risk(algo, [])
    assert sum("kill_switch" in line for line in algo.logs) == 1
