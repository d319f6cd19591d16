"""The stress battery: its contents, and losses checked by hand on books whose P&L is simple."""

from __future__ import annotations

import numpy as np
import pytest

from risk.scenarios import Scenarios, revalue
from risk.stress import SCENARIOS, Z99, run_stress
from tests.risk.conftest import Row, make_book

REQUIRED = {"black_monday_1987", "lehman_week_2008", "flash_crash_2010", "us_downgrade_2011", "volmageddon_feb_2018",
            "covid_day_2020", "rate_shock_2022", "sector_collapse_30", "single_name_gap_down_25", "correlation_to_one"}


def test_battery_has_at_least_twenty_named_scenarios_including_the_required_ones() -> None:
    names = [s.name for s in SCENARIOS]
    assert len(names) >= 20 and len(set(names)) == len(names)
    assert REQUIRED <= set(names)
    assert all(s.description for s in SCENARIOS)


def test_shares_lose_exactly_the_equity_shock() -> None:
    book = make_book([Row("S", 200, 50.0, underlying="A"), Row("S", 100, 80.0, underlying="B")])
    out = {r.name: r for r in run_stress(book, 100_000)}
    assert out["black_monday_1987"].loss == pytest.approx(0.205 * (200 * 50 + 100 * 80))
    assert out["black_monday_1987"].loss_pct == pytest.approx(0.205 * 18_000 / 100_000)
    assert out["melt_up_10"].loss == pytest.approx(-0.10 * 18_000)  # a gain is a negative loss
    assert out["vol_spike_flat"].loss == pytest.approx(0.0)


def test_sector_and_single_name_report_the_worst_choice() -> None:
    book = make_book([Row("S", 100, 50.0, underlying="A"), Row("S", 100, 80.0, underlying="B"),
                      Row("S", 300, 10.0, underlying="C")])
    sectors = {"A": "tech", "B": "tech", "C": "energy"}
    out = {r.name: r for r in run_stress(book, 100_000, sectors)}
    assert out["sector_collapse_30"].subject == "tech"
    assert out["sector_collapse_30"].loss == pytest.approx(0.30 * (5000 + 8000))
    assert out["single_name_gap_down_25"].subject == "B"
    assert out["single_name_gap_down_25"].loss == pytest.approx(0.25 * 8000)
    # unknown sectors count as their own
    alone = {r.name: r for r in run_stress(book, 100_000)}
    assert alone["sector_collapse_30"].subject == "unknown:B"


def test_correlation_to_one_moves_every_name_by_its_own_weekly_99pct_move() -> None:
    book = make_book([Row("S", 100, 50.0, underlying="A"), Row("S", 100, 80.0, underlying="B")])
    vols = {"A": 0.20, "B": 0.40}
    out = {r.name: r for r in run_stress(book, 100_000, annual_vol=vols)}
    weekly = {k: v * np.sqrt(5 / 252) for k, v in vols.items()}
    assert out["correlation_to_one"].loss == pytest.approx(Z99 * (5000 * weekly["A"] + 8000 * weekly["B"]))


def test_option_losses_are_full_revaluation_with_the_vol_shock() -> None:
    book = make_book([Row("P", -5, 100.0, strike=95.0, vol=0.2)])
    out = {r.name: r for r in run_stress(book, 100_000)}
    direct = revalue(book, Scenarios(np.array([[-0.205]]), np.array([[3.13]]), dt=0.0))[0]
    assert out["black_monday_1987"].loss == pytest.approx(-direct)
    assert out["black_monday_1987"].loss > out["crash_10_flat_vol"].loss > 0
    assert out["vol_spike_flat"].loss > 0  # short vega loses when vol doubles


def test_rate_shock_moves_the_rate() -> None:
    book = make_book([Row("P", -5, 100.0, strike=100.0, vol=0.2, t=1.0)])
    rate_only = [s for s in SCENARIOS if s.name == "rate_shock_2022"][0]
    assert rate_only.rate == pytest.approx(0.022)
    flat = revalue(book, Scenarios(np.array([[rate_only.equity]]), np.array([[rate_only.vol]]), dt=0.0))[0]
    shocked = {r.name: r for r in run_stress(book, 100_000, scenarios=(rate_only,))}["rate_shock_2022"]
    assert shocked.loss != pytest.approx(-flat)  # a one-year put is worth less at a higher rate
