"""Reviewers that talk to the model or the cache (the rule-based one is in :mod:`llm.offline`)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from typing import Any

from domain.config import StrategyConfig
from llm.base import Reviewer, ReviewOutcome
from llm.budget import CHARS_PER_TOKEN, DailyBudget, cost_of
from llm.cache import ReviewCache, cache_key
from llm.client import CallError, MessagesClient, Usage
from llm.contract import ReviewRequest
from llm.render import PromptSet

log = logging.getLogger("wheelhouse.llm")

REASK = (
    "Your previous answer was rejected by validation:\n{error}\n\n"
    "Answer again with one JSON object that follows the response schema exactly: one decision per candidate "
    "id of the request, size_multiplier between 0 and 1, confidence an integer 0-10, texts within their limits."
)
PREVIOUS_ANSWER_LIMIT = 6_000


class LlmReviewer:
    """Asks the model: budget check, one call, validation; one re-ask with the error; never raises.

    Without a client (no API key, or the mode forbids the network) every review fails with ``unavailable``.
    Calls are counted per request sent (the first and the re-ask). Dollars come from the reported usage;
    a call whose usage is unknown (timeout, unreadable body) is charged its worst case, since the API may
    have billed it; HTTP errors are not billed.
    """

    name = "llm"

    def __init__(self, client: MessagesClient | None, budget: DailyBudget, config: StrategyConfig,
                 prompts: PromptSet, unavailable: str = "no client") -> None:
        self.client = client
        self.budget = budget
        self.config = config
        self.prompts = prompts
        self.unavailable = unavailable

    def _worst_case(self, system: str, messages: list[dict[str, Any]]) -> float:
        chars = len(system) + sum(len(str(m["content"])) for m in messages) + 3_000  # schema and framing
        tokens = int(chars / CHARS_PER_TOKEN) + 1
        r = self.config.review
        return (tokens * r.review_input_price_per_mtok + r.review_max_tokens * r.review_output_price_per_mtok) / 1e6

    def review(self, request: ReviewRequest, day: date) -> ReviewOutcome:
        if self.client is None:
            return ReviewOutcome(None, "llm", error=f"unavailable: {self.unavailable}")
        system = self.prompts.system
        user = self.prompts.user(request)
        messages: list[dict[str, Any]] = [{"role": "user", "content": user}]
        usage, dollars, calls, latency = Usage(), 0.0, 0, 0.0
        for attempt in (1, 2):
            worst = self._worst_case(system, messages)
            refusal = self.budget.refusal(day, worst)
            if refusal is not None:
                return ReviewOutcome(None, "llm", usage, dollars, calls, latency or None, error=f"budget: {refusal}")
            calls += 1
            try:
                reply = self.client.send(system, messages)
            except CallError as exc:
                billed = worst if exc.kind in ("timeout", "malformed") else 0.0
                dollars += billed
                self.budget.charge(day, 1, billed)
                return ReviewOutcome(None, "llm", usage, dollars, calls, None, error=str(exc))
            cost = cost_of(reply.usage, self.config)
            usage, dollars, latency = usage + reply.usage, dollars + cost, latency + reply.latency_s
            self.budget.charge(day, 1, cost)
            if reply.parsed is not None:
                return ReviewOutcome(reply.parsed, "llm", usage, dollars, calls, latency)
            log.warning("review answer failed validation (attempt %d): %s", attempt, (reply.error or "")[:300])
            if attempt == 1:
                error = reply.error or "no JSON answer"
                if reply.stop_reason == "max_tokens":
                    error += "\nThe answer was cut off at the token limit: write much shorter texts."
                messages = [messages[0]]
                if reply.text.strip():
                    messages.append({"role": "assistant", "content": reply.text[:PREVIOUS_ANSWER_LIMIT]})
                    messages.append({"role": "user", "content": REASK.format(error=error)})
                else:
                    messages[0] = {"role": "user", "content": user + "\n\n" + REASK.format(error=error)}
        return ReviewOutcome(None, "llm", usage, dollars, calls, latency,
                             error=f"invalid answer after one re-ask: {(reply.error or '')[:300]}")


class CachedReviewer:
    """Cache in front of another reviewer.

    ``replay``: ``inner`` is None; a hit answers with source ``cache``, a miss asks ``fallback`` (the offline
    rules) and labels its answer ``fallback``; no network, ever. ``record``: a hit answers from the cache,
    a miss asks ``inner`` (the model) and stores a valid answer.

    ``cache`` None (replay only) says nothing is recorded: every request is a miss, answered as above without
    computing its cache key (which only the log line then needs).
    """

    def __init__(self, cache: ReviewCache | None, model: str, prompts_hash: str, *, inner: Reviewer | None,
                 fallback: Reviewer | None, write: bool) -> None:
        if cache is None and inner is not None:
            raise ValueError("recording reviews needs a cache")
        self.cache = cache
        self.model = model
        self.prompts_hash = prompts_hash
        self.inner = inner
        self.fallback = fallback
        self.write = write
        self.name = "record" if inner is not None else "replay"

    def review(self, request: ReviewRequest, day: date) -> ReviewOutcome:
        key = None
        if self.cache is not None:
            key = cache_key(request, self.model, self.prompts_hash)
            entry = self.cache.get(key)
            if entry is not None:
                return ReviewOutcome(entry.response, "cache", cache="hit")
        if self.inner is None:
            if self.fallback is None:
                return ReviewOutcome(None, "fallback", cache="miss", error="replay cache miss")
            if log.isEnabledFor(logging.INFO):
                key = key or cache_key(request, self.model, self.prompts_hash)
                log.info("review cache miss %s: using the %s reviewer", key[:12], self.fallback.name)
            out = self.fallback.review(request, day)
            return replace(out, source="fallback", cache="miss")
        assert self.cache is not None and key is not None  # a recording reviewer always has a cache
        out = self.inner.review(request, day)
        if out.response is not None and self.write:
            self.cache.put(key, out.response, out.usage, self.model)
        return replace(out, cache="miss")
