"""Review metrics for logs and the backtest report.

* agreement rate with the quantitative signal: every candidate passed the screen, so the quantitative
  signal says "take it"; a review agrees when it approves or reduces (same direction, possibly smaller) and
  disagrees when it rejects. Only real reviews count (sources ``llm``, ``cache``, ``offline``), not the
  failure policy's ``fallback`` decisions. The seed's goal is at least 85%.
* cost per reviewed trade: dollars spent on model calls over the candidates those calls reviewed.
* latency p50/p95 of calls that went to the network (seconds, whole call including retries and re-ask).
* cache hit rate: hits over cache lookups (replay and record modes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from domain.types import ReviewAction, ReviewDecision

REVIEW_SOURCES = ("llm", "cache", "offline")


@dataclass
class ReviewMetrics:
    """Accumulates over batches (a backtest, a live session). Not frozen: it is a running tally."""

    reviewed: int = 0
    agreed: int = 0
    paid_trades: int = 0
    dollars: float = 0.0
    calls: int = 0
    failures: int = 0
    cache_hits: int = 0
    cache_lookups: int = 0
    latencies: list[float] = field(default_factory=list)

    def add(self, decisions: Mapping[str, ReviewDecision], *, dollars: float, calls: int,
            latency_s: float | None, cache: str | None, failed: bool) -> None:
        reviewed = agreed = paid = 0
        for d in decisions.values():
            if d.source in REVIEW_SOURCES:
                reviewed += 1
                agreed += d.action is not ReviewAction.REJECT
            if d.source == "llm":
                paid += 1
        self.reviewed += reviewed
        self.agreed += agreed
        self.paid_trades += paid
        self.dollars += dollars
        self.calls += calls
        self.failures += failed
        if cache is not None:
            self.cache_lookups += 1
            self.cache_hits += cache == "hit"
        if latency_s is not None and calls > 0:
            self.latencies.append(latency_s)

    def summary(self) -> dict[str, float | int | None]:
        return summarise(self)


def _pct(values: Iterable[float], q: float) -> float | None:
    arr = list(values)
    return round(float(np.percentile(np.asarray(arr, dtype=float), q)), 4) if arr else None


def summarise(m: ReviewMetrics) -> dict[str, float | int | None]:
    """Plain numbers (None where there is nothing to measure)."""
    return {
        "reviewed": m.reviewed,
        "agreement_rate": round(m.agreed / m.reviewed, 4) if m.reviewed else None,
        "calls": m.calls,
        "failures": m.failures,
        "dollars": round(m.dollars, 6),
        "cost_per_reviewed_trade": round(m.dollars / m.paid_trades, 6) if m.paid_trades else None,
        "latency_p50_s": _pct(m.latencies, 50),
        "latency_p95_s": _pct(m.latencies, 95),
        "cache_hit_rate": round(m.cache_hits / m.cache_lookups, 4) if m.cache_lookups else None,
    }
