"""The reviewer interface every review source implements (offline rules, cache, the model)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

from llm.client import Usage
from llm.contract import ReviewRequest, ReviewResponse

Source = Literal["llm", "cache", "fallback", "offline"]


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """What one reviewer produced for one request.

    ``response`` is None when no answer could be had (``error`` says why); ``source`` is where the answer
    came from; ``calls`` and ``dollars`` are the model calls made and their cost; ``cache`` is ``hit`` or
    ``miss`` when a cache was consulted.
    """

    response: ReviewResponse | None
    source: Source
    usage: Usage = Usage()
    dollars: float = 0.0
    calls: int = 0
    latency_s: float | None = None
    cache: Literal["hit", "miss"] | None = None
    error: str | None = None


class Reviewer(Protocol):
    """Answers a review request. Implementations never raise for an operational failure: they return an
    outcome with ``response=None`` and an ``error``; ``day`` is the trading day budgets are counted on."""

    name: str

    def review(self, request: ReviewRequest, day: date) -> ReviewOutcome: ...
