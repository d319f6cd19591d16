"""The review stage: candidates in, one bounded decision per candidate out.

``review_candidates`` builds the request (all candidates of one rebalance in one request, anonymised for
historical runs when ``review_anonymise`` is on), asks the reviewer, enforces authority in code, applies the
failure policy when no answer was had, logs every decision and returns a :class:`ReviewBatch`. It never
raises for an operational failure and never returns a decision larger than the screen's.

``make_reviewer`` builds the reviewer of a mode: ``offline`` (rules), ``replay`` (cache; a miss uses the
rules, labelled ``fallback``; no network), ``record`` (cache; a miss asks the model and is stored), ``live``
(the model, no cache). Only ``live`` and ``record`` read ``ANTHROPIC_API_KEY``/``ANTHROPIC_BASE_URL``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from domain.config import StrategyConfig
from domain.state import StateStore
from domain.types import Candidate, MarketContext, PortfolioState, ReviewAction, ReviewDecision, Strategy
from llm.authority import enforce, policy_decisions
from llm.base import Reviewer, ReviewOutcome
from llm.budget import DailyBudget
from llm.cache import ReviewCache
from llm.client import Credentials, MessagesClient, Usage
from llm.contract import CandidateReview, GreeksBrief, NewsItem, PastTrade
from llm.metrics import ReviewMetrics
from llm.offline import OfflineReviewer
from llm.render import load_prompts
from llm.request import build_request
from llm.reviewers import CachedReviewer, LlmReviewer

__all__ = ["ReviewBatch", "Reviewer", "make_reviewer", "review_candidates"]

log = logging.getLogger("wheelhouse.llm")

Mode = Literal["live", "record", "replay", "offline"]
OUTPUT_TOKENS_PER_CANDIDATE = 400
"""Output budget of one decision: an answer at the prompt's length limits takes about 275 tokens at 3.5 characters
per token and 385 at a conservative 2.5 (``python -m llm.cost``)."""


@dataclass(frozen=True)
class ReviewBatch:
    """The review of one rebalance.

    ``decisions``: one per candidate id (missing -> reject). ``reviews``: the full texts by candidate id
    (risk factors, scenarios, exit plan) where an answer was had. ``violations``: what authority corrected.
    ``metrics``: this batch's :mod:`llm.metrics` summary (pass a ``ReviewMetrics`` to accumulate over a run).
    """

    decisions: dict[str, ReviewDecision]
    reviews: dict[str, CandidateReview] = field(default_factory=dict)
    source: str = "offline"
    usage: Usage = Usage()
    dollars: float = 0.0
    calls: int = 0
    latency_s: float | None = None
    cache: str | None = None
    error: str | None = None
    violations: tuple[str, ...] = ()
    anonymised: bool = False
    metrics: dict[str, float | int | None] = field(default_factory=dict)

    def usage_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "calls": self.calls,
            "input_tokens": self.usage.input_tokens,
            "output_tokens": self.usage.output_tokens,
            "cache_creation_input_tokens": self.usage.cache_creation_input_tokens,
            "cache_read_input_tokens": self.usage.cache_read_input_tokens,
            "dollars": round(self.dollars, 6),
            "latency_s": None if self.latency_s is None else round(self.latency_s, 3),
            "cache": self.cache,
            "error": self.error,
            "violations": list(self.violations),
            "anonymised": self.anonymised,
        }


def review_candidates(
    candidates: Sequence[Candidate],
    portfolio: PortfolioState,
    market: MarketContext,
    config: StrategyConfig,
    reviewer: Reviewer,
    *,
    historical: bool = True,
    news: Sequence[NewsItem] = (),
    journal: Sequence[PastTrade] = (),
    greeks: GreeksBrief | None = None,
    metrics: ReviewMetrics | None = None,
) -> ReviewBatch:
    """Review every candidate of one rebalance in one request.

    ``historical`` (True unless the host trades live) turns on anonymisation when ``review_anonymise`` is
    set. ``metrics``, when given, accumulates this batch.
    """
    if not candidates:
        return ReviewBatch(decisions={})
    limit = review_limit(config)
    chosen, skipped = select_for_review(candidates, limit)
    anonymise = historical and config.review.review_anonymise
    request, aliases = build_request(chosen, portfolio, market, config, anonymise=anonymise, news=news,
                                     journal=journal, greeks=greeks)
    try:
        outcome = reviewer.review(request, market.as_of.date())
    except Exception as exc:  # a reviewer bug must end in a bounded decision, not a crash
        log.exception("reviewer %s raised", getattr(reviewer, "name", "?"))
        outcome = ReviewOutcome(None, "fallback", error=f"reviewer raised {type(exc).__name__}")
    violations: list[str] = []
    reviews: dict[str, CandidateReview] = {}
    if outcome.response is None:
        reason = outcome.error or "no answer"
        decisions = policy_decisions(aliases, config.review.review_failure_policy, reason)
        log.warning("review failed (%s); failure policy %s", reason, config.review.review_failure_policy)
    else:
        decisions, reviews, violations = enforce(outcome.response, aliases, outcome.source)
        for v in violations:
            log.warning("review authority: %s", v)
    not_reviewed = f"not reviewed: only the best {limit} candidates fit one review call"
    for c in skipped:
        decisions[c.id] = ReviewDecision(c.id, ReviewAction.REJECT, 0.0, 0.0, "fallback", not_reviewed)
    if log.isEnabledFor(logging.INFO):
        by_id = {c.id: c for c in candidates}
        for cid, d in decisions.items():
            c = by_id[cid]
            log.info("review %s %s %s -> %s x%.2f confidence %.0f [%s] %s", cid, c.quote.symbol,
                     c.strategy.value, d.action.value, d.size_multiplier, d.confidence, d.source, d.rationale[:160])
    own = ReviewMetrics()
    for tally in (own, metrics):
        if tally is not None:
            tally.add(decisions, dollars=outcome.dollars, calls=outcome.calls, latency_s=outcome.latency_s,
                      cache=outcome.cache, failed=outcome.response is None)
    return ReviewBatch(
        decisions=decisions,
        reviews=reviews,
        source=outcome.source if outcome.response is not None else "fallback",
        usage=outcome.usage,
        dollars=outcome.dollars,
        calls=outcome.calls,
        latency_s=outcome.latency_s,
        cache=outcome.cache,
        error=outcome.error,
        violations=tuple(violations),
        anonymised=anonymise,
        metrics=own.summary(),
    )


def review_limit(config: StrategyConfig) -> int:
    """Most candidates one review call covers: ``max_positions``, and no more than ``review_max_tokens`` can
    answer at :data:`OUTPUT_TOKENS_PER_CANDIDATE` each (so the answer is never cut off at the token limit)."""
    return max(1, min(config.portfolio.max_positions, config.review.review_max_tokens // OUTPUT_TOKENS_PER_CANDIDATE))


def select_for_review(candidates: Sequence[Candidate], limit: int) -> tuple[list[Candidate], list[Candidate]]:
    """The candidates to review (at most ``limit``) and the rest, keeping the rank order.

    The best candidate of each (underlying, strategy) comes first, so one name's many strikes cannot crowd
    the others out; remaining places go to the next best in rank order.
    """
    if len(candidates) <= limit:
        return list(candidates), []
    seen: set[tuple[str, Strategy]] = set()
    first: list[Candidate] = []
    rest: list[Candidate] = []
    for c in candidates:
        key = (c.quote.underlying, c.strategy)
        (rest if key in seen else first).append(c)
        seen.add(key)
    picked = {c.id for c in (first + rest)[:limit]}
    chosen: list[Candidate] = []
    skipped: list[Candidate] = []
    for c in candidates:
        (chosen if c.id in picked else skipped).append(c)
    return chosen, skipped


def make_reviewer(
    config: StrategyConfig,
    mode: Mode,
    store: StateStore,
    *,
    recorded: bool = True,
    env: Mapping[str, str] | None = None,
    transport: Literal["auto", "sdk", "requests"] = "auto",
) -> Reviewer:
    """The reviewer of ``mode``. Builds no network client unless the mode is ``live`` or ``record``.

    ``recorded=False`` says ``store`` holds no recorded reviews (a run's own fresh store, without a review
    cache folder): ``replay`` then answers every request as a miss without looking it up.
    """
    offline = OfflineReviewer(config.portfolio.profit_take_pct, config.portfolio.manage_dte)
    if mode == "offline":
        return offline
    prompts = load_prompts()
    model = config.review.review_model
    cache = ReviewCache(store)
    if mode == "replay":
        return CachedReviewer(cache if recorded else None, model, prompts.hash, inner=None, fallback=offline,
                              write=False)
    if mode not in ("live", "record"):
        raise ValueError(f"review mode must be live, record, replay or offline, not {mode!r}")
    creds = Credentials.from_env(env)
    client = None
    if creds is not None:
        r = config.review
        client = MessagesClient(creds, model=model, timeout=r.review_timeout_seconds,
                                max_retries=r.review_max_retries, max_tokens=r.review_max_tokens,
                                transport=transport)
    else:
        log.warning("ANTHROPIC_API_KEY is not set: %s reviews fail and the failure policy decides", mode)
    llm = LlmReviewer(client, DailyBudget(store, config), config, prompts, "ANTHROPIC_API_KEY is not set")
    if mode == "live":
        return llm
    return CachedReviewer(cache, model, prompts.hash, inner=llm, fallback=None, write=True)
