"""Offline reviewer rules (hand-computed), the review stage in offline/replay modes, budgets, metrics."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime

import pytest

from domain.state import MemoryStore
from domain.types import ReviewAction, Verdict
from llm.base import ReviewOutcome
from llm.budget import DailyBudget, cost_of, estimate_tokens
from llm.client import Usage
from llm.contract import ReviewRequest
from llm.metrics import ReviewMetrics
from llm.offline import OfflineReviewer
from llm.request import build_request
from llm.review import make_reviewer, review_candidates
from tests.factories import portfolio
from tests.llm.builders import TICKERS, candidate, config, five, market


def offline_decision(cand: object, vix: float = 18.0, **mkt: object):  # type: ignore[no-untyped-def]
    request, _ = build_request([cand], portfolio(), market(vix=vix, **mkt), config(), anonymise=True)  # type: ignore[list-item]
    return OfflineReviewer().decide(request.candidates[0], request)


def test_offline_rules_hand_cases() -> None:
    clean = dict(reference={})  # no earnings date known
    d = offline_decision(candidate(score=8.0), **clean)
    assert (d.action, d.size_multiplier, d.confidence) == ("approve", 1.0, 8)
    # earnings 2016-01-28 is inside the 36-day life: 0.75 and one point off
    d = offline_decision(candidate(score=8.0))
    assert (d.action, d.size_multiplier, d.confidence) == ("reduce", 0.75, 7)
    assert "earnings in 35 days" in d.earnings_impact
    # IV 0.18 below 0.8 x realised 0.25 and delta -0.45: 0.5, two points off; VIX 40 takes two more
    d = offline_decision(candidate(score=8.0, iv=0.18, delta=-0.45), vix=40.0, **clean)
    assert (d.action, d.size_multiplier, d.confidence) == ("reduce", 0.5, 4)
    d = offline_decision(candidate(score=8.0, verdicts=(Verdict("spread_max", "fail", "too wide"),)), **clean)
    assert (d.action, d.size_multiplier) == ("reject", 0.0) and "spread_max" in d.rationale
    d = offline_decision(candidate(score=2.5), **clean)
    assert d.action == "reject" and d.confidence <= 3


def test_offline_worst_case_is_the_two_sigma_loss() -> None:
    d = offline_decision(candidate(score=8.0, iv=0.30), reference={})
    # move = 2 x 0.30 x sqrt(36/365) = 0.18843; spot 750 falls to 608.68; assigned at 700 the loss is 91.32
    # a share, less the 10.00 premium = 81.32, or 11.6% of the strike
    assert "19% drop" in d.worst_case and "loss 11.6% of strike" in d.worst_case


def test_offline_mode_reviews_every_candidate_without_network() -> None:
    cfg = config()
    batch = review_candidates(five(), portfolio(), market(), cfg, make_reviewer(cfg, "offline", MemoryStore()))
    assert len(batch.decisions) == 5 and batch.calls == 0 and batch.dollars == 0
    assert batch.metrics["reviewed"] == 5 and batch.metrics["cost_per_reviewed_trade"] is None
    assert all(d.source == "offline" for d in batch.decisions.values())
    assert all(r.exit_plan.startswith("take profit at 50%") for r in batch.reviews.values())


def test_replay_miss_uses_offline_rules_labelled_fallback() -> None:
    cfg = config()
    metrics = ReviewMetrics()
    batch = review_candidates(five(), portfolio(), market(), cfg, make_reviewer(cfg, "replay", MemoryStore()),
                              metrics=metrics)
    assert batch.cache == "miss"
    assert all(d.source == "fallback" for d in batch.decisions.values())
    assert metrics.summary()["cache_hit_rate"] == 0.0


def test_replay_with_nothing_recorded_is_a_miss_without_a_key(monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """``recorded=False`` gives what a replay over an empty cache gives (batch and log, key included), and
    computes no cache key unless the log line shows it."""
    import llm.reviewers

    cfg = config()
    cands = [candidate(t, strike=100.0 - i, spot=105.0, score=8.5 - 0.4 * i) for i, t in enumerate(TICKERS * 2)]
    batches, logs = [], []
    for recorded in (True, False):
        with caplog.at_level(logging.INFO, logger="wheelhouse.llm"):
            caplog.clear()
            reviewer = make_reviewer(cfg, "replay", MemoryStore(), recorded=recorded)
            batches.append(review_candidates(cands, portfolio(), market(), cfg, reviewer))
            logs.append(caplog.text)
    assert batches[0] == batches[1] and logs[0] == logs[1] and "review cache miss" in logs[0]
    assert batches[1].cache == "miss" and {d.source for d in batches[1].decisions.values()} == {"fallback"}

    def no_key(*args: object) -> str:
        raise AssertionError("cache key computed")

    monkeypatch.setattr(llm.reviewers, "cache_key", no_key)
    quiet = review_candidates(cands, portfolio(), market(), cfg, make_reviewer(cfg, "replay", MemoryStore(),
                                                                             recorded=False))
    assert quiet == batches[0]
    with pytest.raises(ValueError):
        llm.reviewers.CachedReviewer(None, "m", "p", inner=OfflineReviewer(), fallback=None, write=True)


def test_replayed_backtest_makes_no_network_call_even_with_a_key() -> None:
    cfg = config()
    env = {"ANTHROPIC_API_KEY": "sk-x", "ANTHROPIC_BASE_URL": "http://127.0.0.1:9"}  # nothing listens there
    reviewer = make_reviewer(cfg, "replay", MemoryStore(), env=env)
    for day in range(3):
        batch = review_candidates(five(), portfolio(), market(), cfg, reviewer)
        assert batch.calls == 0 and batch.error is None, day
    assert not hasattr(reviewer, "client")


def test_live_without_key_blocks() -> None:
    cfg = config()
    batch = review_candidates(five(), portfolio(), market(), cfg, make_reviewer(cfg, "live", MemoryStore(), env={}))
    assert all(d.action is ReviewAction.REJECT and d.source == "fallback" for d in batch.decisions.values())
    assert "ANTHROPIC_API_KEY" in (batch.error or "")


def test_a_reviewer_that_raises_ends_in_the_failure_policy() -> None:
    class Broken:
        name = "broken"

        def review(self, request: ReviewRequest, day: date) -> ReviewOutcome:
            raise RuntimeError("bug")

    cfg = config(review_failure_policy="pass_through")
    batch = review_candidates(five(), portfolio(), market(), cfg, Broken())
    assert all(d.size_multiplier == 1.0 and d.confidence == 5.0 for d in batch.decisions.values())
    assert batch.error == "reviewer raised RuntimeError"


def test_no_candidates_no_call() -> None:
    batch = review_candidates([], portfolio(), market(), config(), make_reviewer(config(), "live", MemoryStore()))
    assert batch.decisions == {} and batch.calls == 0


def test_cost_and_budget_arithmetic() -> None:
    cfg = config()
    # 1000 input at $1/M, 2000 cache writes at 1.25x, 10000 cache reads at 0.1x, 500 output at $5/M
    assert cost_of(Usage(1000, 500, 2000, 10000), cfg) == pytest.approx((1000 + 2500 + 1000 + 2500) / 1e6)
    assert estimate_tokens("x" * 35) == 11
    budget = DailyBudget(MemoryStore(), config(review_max_calls_per_day=3, review_max_dollars_per_day=0.05))
    day = date(2016, 1, 4)
    assert budget.refusal(day, 0.01) is None
    budget.charge(day, 2, 0.045)
    assert budget.refusal(day, 0.01) is not None and "dollar" in (budget.refusal(day, 0.01) or "")
    assert budget.refusal(date(2016, 1, 5), 0.01) is None  # a new day starts afresh
    budget.store.save(f"{DailyBudget.PREFIX}/2016-01-06", "garbage")
    assert budget.refusal(date(2016, 1, 6), 0.0) is not None  # a damaged record does not reopen the budget


def test_metrics_summary() -> None:
    m = ReviewMetrics()
    cfg = config()
    batch = review_candidates(five(), portfolio(), market(), cfg, OfflineReviewer(), metrics=m)
    rejected = sum(d.action is ReviewAction.REJECT for d in batch.decisions.values())
    m.add({}, dollars=0.01, calls=1, latency_s=2.0, cache="hit", failed=False)
    m.add({}, dollars=0.0, calls=1, latency_s=4.0, cache=None, failed=True)
    s = m.summary()
    assert s["reviewed"] == 5 and s["agreement_rate"] == (5 - rejected) / 5
    assert s["latency_p50_s"] == 3.0 and s["latency_p95_s"] == pytest.approx(3.9)
    assert s["cache_hit_rate"] == 1.0 and s["failures"] == 1 and s["cost_per_reviewed_trade"] is None
    json.dumps(s)


def test_historical_flag_controls_anonymisation() -> None:
    cfg = config()
    hist = review_candidates(five(), portfolio(), market(), cfg, OfflineReviewer())
    live = review_candidates(five(), portfolio(), market(), cfg, OfflineReviewer(), historical=False)
    off = review_candidates(five(), portfolio(), market(), config(review_anonymise=False), OfflineReviewer())
    assert (hist.anonymised, live.anonymised, off.anonymised) == (True, False, False)
    assert datetime(2015, 12, 24).date() == market().as_of.date()


def test_only_the_best_that_fit_one_call_are_reviewed() -> None:
    from llm.review import review_limit, select_for_review

    assert review_limit(config()) == 5  # 2048 output tokens / 400 per decision, under max_positions 10
    assert review_limit(config(review_max_tokens=8000)) == 10
    goog = [candidate("GOOG", strike=700.0 - i, score=9.0 - 0.1 * i) for i in range(4)]
    others = [candidate(t, strike=100.0, spot=105.0, score=7.0) for t in ("IBM", "BAC", "AIG")]
    ranked = goog + others
    chosen, skipped = select_for_review(ranked, 5)
    assert [c.underlying for c in chosen] == ["GOOG", "GOOG", "IBM", "BAC", "AIG"]  # rank order kept
    assert [c.quote.strike for c in skipped] == [698.0, 697.0]
    batch = review_candidates(ranked, portfolio(), market(), config(), OfflineReviewer())
    assert len(batch.decisions) == 7
    for c in skipped:
        d = batch.decisions[c.id]
        assert d.action is ReviewAction.REJECT and d.rationale.startswith("not reviewed")
