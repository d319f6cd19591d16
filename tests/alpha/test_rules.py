"""Each screen's edges, on one hand-built row: inclusive and exclusive bounds exactly as documented."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from alpha import rules as r
from domain.config import StrategyConfig
from domain.config.screen import ScreenConfig

TODAY = pd.Timestamp("2015-12-24")
EXPIRY = pd.Timestamp("2016-01-29")


def row(strategy: str = "csp", **over: Any) -> pd.DataFrame:
    """One contract that passes every screen of its strategy under the default settings."""
    put = strategy == "csp"
    base: dict[str, Any] = {
        "strategy": strategy, "csp_allowed": True, "regime": "normal", "regime_level": 20.0,
        "dte": 36.0, "dte_lo": 30.0, "dte_hi": 90.0, "open_interest": 1000.0, "min_oi": 100.0,
        "spread_pct": 0.02, "next_earnings": pd.Timestamp("2016-04-20"), "iv_rank": 60.0,
        "delta": -0.25 if put else 0.25, "delta_lo": -0.35 if put else 0.15, "delta_hi": -0.15 if put else 0.35,
        "premium_yield": 0.10, "uncovered_shares": 0.0 if put else 100.0, "multiplier": 100.0,
        "strike": 100.0 if put else 110.0, "cost_basis": np.nan if put else 95.0, "iv_percentile": 40.0,
        "max_loss_pct": np.nan if put else 0.0, "free_cash": 100_000.0, "pcr": 0.6, "sector_pcr_avg": 0.75,
        "sector_pcr_n": 2.0, "expiry": EXPIRY, "credit_rating": "AA", "sector_exposure": 0.10,
        "sector": "Information Technology",
    }
    base.update(over)
    frame = pd.DataFrame([base])
    for col in ("next_earnings", "expiry"):
        frame[col] = pd.to_datetime(frame[col])
    frame["credit_rating"] = frame["credit_rating"].astype(object)
    return frame


def judge(fn: Callable[..., r.Outcome], frame: pd.DataFrame, cfg: ScreenConfig | None = None) -> tuple[str, str]:
    status, reason = fn(frame, cfg or ScreenConfig(), TODAY)
    return str(status[0]), str(reason[0])


def cfg(**changes: Any) -> ScreenConfig:
    return StrategyConfig().replace(**changes).screen


def test_every_rule_passes_the_base_rows() -> None:
    for strategy in ("cc", "csp"):
        frame = row(strategy)
        for rule in r.RULES:
            status, reason = judge(rule.fn, frame)
            expected = r.NA if rule.name == "baseline_iv_rank" or rule.applies not in ("both", strategy) else r.PASS
            assert status == expected, (strategy, rule.name, reason)


def test_rules_of_the_other_strategy_are_not_applicable() -> None:
    for rule in r.RULES:
        if rule.applies == "cc":
            assert judge(rule.fn, row("csp")) == (r.NA, "")
        if rule.applies == "csp":
            assert judge(rule.fn, row("cc")) == (r.NA, "")


@pytest.mark.parametrize(("dte", "status"), [(29, r.FAIL), (30, r.PASS), (60, r.PASS), (90, r.PASS), (91, r.FAIL)])
@pytest.mark.parametrize("strategy", ["cc", "csp"])
def test_dte_band_is_inclusive(dte: int, status: str, strategy: str) -> None:
    assert judge(r.dte_band, row(strategy, dte=float(dte)))[0] == status


@pytest.mark.parametrize(("oi", "status"), [(0, r.FAIL), (100, r.FAIL), (101, r.PASS), (np.nan, r.FAIL)])
def test_open_interest_must_exceed_the_minimum(oi: float, status: str) -> None:
    got, reason = judge(r.min_open_interest, row(open_interest=oi))
    assert got == status
    if np.isnan(oi):
        assert reason == "open interest unknown"


@pytest.mark.parametrize(("spread", "status"), [(0.0, r.PASS), (0.05, r.PASS), (0.050001, r.FAIL), (np.inf, r.FAIL)])
def test_spread_at_most_the_maximum(spread: float, status: str) -> None:
    assert judge(r.max_spread, row(spread_pct=spread))[0] == status


@pytest.mark.parametrize(("days", "status"), [(0, r.FAIL), (3, r.FAIL), (7, r.FAIL), (8, r.PASS), (100, r.PASS)])
@pytest.mark.parametrize("strategy", ["cc", "csp"])
def test_earnings_blackout_covers_today_through_seven_days(days: int, status: str, strategy: str) -> None:
    frame = row(strategy, next_earnings=TODAY + pd.Timedelta(days=days))
    if strategy == "csp" and days == 100:  # a put expiring after earnings fails the window rule, not this one
        frame["expiry"] = TODAY + pd.Timedelta(days=50)
    assert judge(r.earnings_blackout, frame)[0] == status


@pytest.mark.parametrize(("offset", "status"), [(0, r.FAIL), (14, r.FAIL), (15, r.PASS)])
def test_put_earnings_window_ends_fourteen_days_after_expiry(offset: int, status: str) -> None:
    frame = row("csp", next_earnings=EXPIRY + pd.Timedelta(days=offset))
    assert judge(r.csp_earnings, frame)[0] == status
    assert judge(r.csp_earnings, row("csp", next_earnings=TODAY))[0] == r.FAIL


@pytest.mark.parametrize(("policy", "status"), [("exclude", r.FAIL), ("include", r.NA)])
@pytest.mark.parametrize("earnings", [pd.NaT, TODAY - pd.Timedelta(days=1)])
def test_unknown_or_stale_earnings_follow_the_policy(policy: str, status: str, earnings: object) -> None:
    c = cfg(unknown_reference_policy=policy)
    for fn, strategy in ((r.csp_earnings, "csp"), (r.earnings_blackout, "csp"), (r.earnings_blackout, "cc")):
        got, reason = judge(fn, row(strategy, next_earnings=earnings), c)
        assert got == status
        assert f"unknown_reference_policy={policy}" in reason
        assert ("unknown" in reason) if pd.isna(earnings) else ("stale" in reason)


@pytest.mark.parametrize(("rating", "status"), [("AAA", r.PASS), ("A-", r.PASS), ("BBB+", r.PASS), ("BBB", r.FAIL),
                                                 ("D", r.FAIL)])
def test_credit_rating_at_or_above_minimum(rating: str, status: str) -> None:
    assert judge(r.csp_credit_rating, row(credit_rating=rating))[0] == status


@pytest.mark.parametrize(("policy", "status"), [("exclude", r.FAIL), ("include", r.NA)])
def test_unknown_rating_follows_the_policy(policy: str, status: str) -> None:
    got, reason = judge(r.csp_credit_rating, row(credit_rating=None), cfg(unknown_reference_policy=policy))
    assert got == status and "credit rating unknown" in reason


def test_rating_minimum_is_a_setting() -> None:
    assert judge(r.csp_credit_rating, row(credit_rating="BBB"), cfg(min_credit_rating="BBB-"))[0] == r.PASS
    assert judge(r.csp_credit_rating, row(credit_rating="BBB"), cfg(min_credit_rating="A"))[0] == r.FAIL


@pytest.mark.parametrize(("rank", "status"), [(50.0, r.FAIL), (50.01, r.PASS), (np.nan, r.FAIL)])
def test_baseline_iv_rank_must_exceed_minimum(rank: float, status: str) -> None:
    assert judge(r.baseline_iv_rank, row(iv_rank=rank), cfg(baseline_rules=True))[0] == status
    assert judge(r.baseline_iv_rank, row(iv_rank=rank))[0] == r.NA


@pytest.mark.parametrize(("strategy", "allowed", "regime", "status"), [
    ("csp", False, "extreme", r.FAIL), ("cc", False, "extreme", r.PASS), ("csp", True, "high", r.PASS),
    ("csp", True, "unknown", r.NA), ("csp", True, "low", r.PASS),
])
def test_regime_blocks_only_new_puts_in_extreme(strategy: str, allowed: bool, regime: str, status: str) -> None:
    assert judge(r.vol_regime, row(strategy, csp_allowed=allowed, regime=regime))[0] == status


@pytest.mark.parametrize(("shares", "mult", "status"), [(99, 100, r.FAIL), (100, 100, r.PASS), (250, 100, r.PASS),
                                                        (0, 100, r.FAIL), (10, 10, r.PASS), (9, 10, r.FAIL)])
def test_covered_call_needs_a_lot_of_uncovered_shares(shares: float, mult: float, status: str) -> None:
    assert judge(r.cc_shares, row("cc", uncovered_shares=shares, multiplier=mult))[0] == status


@pytest.mark.parametrize(("strike", "status"), [(94.99, r.FAIL), (95.0, r.PASS), (120.0, r.PASS)])
def test_call_strike_at_or_above_cost_basis(strike: float, status: str) -> None:
    assert judge(r.cc_cost_basis, row("cc", strike=strike, cost_basis=95.0))[0] == status
    assert judge(r.cc_cost_basis, row("cc", strike=strike), cfg(cc_allow_below_cost_basis=True))[0] == r.NA


def test_cost_basis_unknown_without_shares() -> None:
    assert judge(r.cc_cost_basis, row("cc", cost_basis=np.nan)) == (r.NA, "no shares held: cost basis unknown")


@pytest.mark.parametrize(("fn", "strategy", "minimum"), [(r.cc_yield, "cc", 0.02), (r.csp_yield, "csp", 0.03)])
@pytest.mark.parametrize(("delta", "status"), [(-1e-4, r.FAIL), (0.0, r.FAIL), (1e-6, r.PASS)])
def test_yield_must_exceed_minimum(fn: Callable[..., r.Outcome], strategy: str, minimum: float, delta: float,
                                   status: str) -> None:
    assert judge(fn, row(strategy, premium_yield=minimum + delta))[0] == status


@pytest.mark.parametrize(("delta", "status"), [(0.1499, r.FAIL), (0.15, r.PASS), (0.35, r.PASS), (0.3501, r.FAIL)])
def test_call_delta_band_is_inclusive(delta: float, status: str) -> None:
    assert judge(r.cc_delta, row("cc", delta=delta))[0] == status


@pytest.mark.parametrize(("delta", "status"), [(-0.3501, r.FAIL), (-0.35, r.PASS), (-0.15, r.PASS),
                                               (-0.1499, r.FAIL), (0.25, r.FAIL)])
def test_put_delta_band_is_inclusive(delta: float, status: str) -> None:
    assert judge(r.csp_delta, row("csp", delta=delta))[0] == status


def test_empty_delta_band_says_so() -> None:
    status, reason = judge(r.cc_delta, row("cc", delta_lo=0.2, delta_hi=0.1))
    assert status == r.FAIL and "empty delta band" in reason


@pytest.mark.parametrize(("pct", "status"), [(19.9, r.FAIL), (20.0, r.PASS), (60.0, r.PASS), (60.1, r.FAIL),
                                             (np.nan, r.NA)])
def test_iv_percentile_band_is_inclusive(pct: float, status: str) -> None:
    assert judge(r.cc_iv_percentile, row("cc", iv_percentile=pct))[0] == status


@pytest.mark.parametrize(("loss", "status"), [(0.0, r.PASS), (0.0499, r.PASS), (0.05, r.FAIL), (0.2, r.FAIL),
                                              (np.nan, r.NA)])
def test_max_loss_must_be_below_limit(loss: float, status: str) -> None:
    assert judge(r.cc_max_loss, row("cc", max_loss_pct=loss))[0] == status


@pytest.mark.parametrize(("cash", "status"), [(9_999.99, r.FAIL), (10_000.0, r.PASS), (0.0, r.FAIL), (-5.0, r.FAIL)])
def test_free_cash_secures_strike_times_multiplier(cash: float, status: str) -> None:
    got, reason = judge(r.csp_cash, row("csp", strike=100.0, multiplier=100.0, free_cash=cash))
    assert got == status
    if status == r.FAIL:
        assert "10,000" in reason


@pytest.mark.parametrize(("pcr", "avg", "n", "status"), [
    (0.6, 0.75, 2, r.PASS), (0.75, 0.75, 2, r.FAIL), (0.9, 0.75, 3, r.FAIL), (0.6, 0.6, 1, r.NA),
    (np.nan, 0.75, 2, r.NA), (0.6, np.nan, 0, r.NA),
])
def test_put_call_ratio_below_sector_average(pcr: float, avg: float, n: int, status: str) -> None:
    assert judge(r.csp_put_call_ratio, row(pcr=pcr, sector_pcr_avg=avg, sector_pcr_n=float(n)))[0] == status


@pytest.mark.parametrize(("exposure", "status"), [(0.0, r.PASS), (0.2, r.PASS), (0.200001, r.FAIL),
                                                  (np.nan, r.FAIL)])
def test_sector_exposure_at_most_the_cap(exposure: float, status: str) -> None:
    assert judge(r.csp_sector_exposure, row(sector_exposure=exposure))[0] == status


def test_rule_names_are_unique_and_documented() -> None:
    assert len(set(r.RULE_NAMES)) == len(r.RULE_NAMES)
    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "screening.md").read_text()
    for name in r.RULE_NAMES:
        assert f"`{name}`" in doc, name


def test_without_reasons_gives_the_same_statuses_and_writes_the_notes_of_unknowns_when_read() -> None:
    frame = pd.concat([
        row("csp"), row("cc"),
        row("csp", pcr=np.nan, credit_rating=None, next_earnings=pd.NaT, regime="unknown", iv_rank=np.nan),
        row("cc", cost_basis=np.nan, max_loss_pct=np.nan, iv_percentile=np.nan, uncovered_shares=0.0),
        row("csp", delta=-0.5, spread_pct=0.5, free_cash=10.0, next_earnings=pd.Timestamp("2016-01-05")),
        row("cc", premium_yield=0.0, strike=90.0, next_earnings=pd.Timestamp("2015-01-05")),
    ], ignore_index=True)
    frame["credit_rating"] = frame["credit_rating"].astype(object)
    for policy in ("include", "exclude"):
        config = cfg(unknown_reference_policy=policy, baseline_rules=True)
        for rule in r.RULES:
            status, reason = rule.fn(frame, config, TODAY)
            with r.without_reasons():
                quick_status, deferred = rule.fn(frame, config, TODAY)
            assert quick_status.tolist() == status.tolist(), rule.name
            for i in range(len(frame)):
                expected = "" if status[i] == r.FAIL and not (policy == "exclude" and "excluded" in reason[i]) \
                    else reason[i]
                assert deferred[i] == expected, (policy, rule.name, i)
            assert any(s == r.NA and text for s, text in zip(status, reason, strict=True)) or rule.name not in (
                "cc_cost_basis", "csp_put_call_ratio", "cc_iv_percentile"), rule.name
