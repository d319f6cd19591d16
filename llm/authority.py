"""Authority enforced in code after every review, whatever its source: the reviewer may veto or shrink only.

Rules, applied to the answer even though the schema already bounds it (a cache entry or a bug may not be):

* only the request's candidate ids count; any other id is ignored and logged (it cannot add a trade);
* the response carries no contract fields, so it cannot change a contract;
* ``size_multiplier`` is clamped to [0, 1] (a non-finite value counts as 0); ``reject`` forces 0;
  ``approve`` below 1 is a reduction; ``reduce`` at 1 or more names no amount and halves the size;
* several decisions for one id: the most restrictive wins (smallest multiplier, then lowest confidence);
* a candidate without a decision is rejected;
* when no answer was had at all, the failure policy decides: ``block`` rejects every candidate,
  ``pass_through`` keeps the quantitative decision at full size with neutral confidence 5.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from domain.types import ReviewAction, ReviewDecision
from llm.contract import CandidateReview, ReviewResponse

NEUTRAL_CONFIDENCE = 5.0


def bounded(d: CandidateReview) -> tuple[ReviewAction, float, list[str]]:
    """The action and multiplier ``d`` may have, and what had to be corrected."""
    notes: list[str] = []
    m = float(d.size_multiplier)
    if not math.isfinite(m) or m < 0:
        notes.append(f"{d.candidate_id}: size_multiplier {m} set to 0")
        m = 0.0
    if m > 1:
        notes.append(f"{d.candidate_id}: size_multiplier {m} above 1 clamped to 1 (a review cannot enlarge)")
        m = 1.0
    if d.action == "reject":
        m = 0.0
    elif d.action == "reduce" and m >= 1:
        notes.append(f"{d.candidate_id}: reduce without an amount halved the size")
        m = 0.5
    if m == 0:
        return ReviewAction.REJECT, 0.0, notes
    return (ReviewAction.APPROVE if m == 1 else ReviewAction.REDUCE), m, notes


def _confidence(value: float) -> float:
    return float(min(max(value, 0.0), 10.0)) if math.isfinite(value) else 0.0


def enforce(
    response: ReviewResponse, aliases: Mapping[str, str], source: str
) -> tuple[dict[str, ReviewDecision], dict[str, CandidateReview], list[str]]:
    """Decisions by real candidate id (one per alias), the kept reviews by real id, and the violations."""
    violations: list[str] = []
    kept: dict[str, tuple[ReviewAction, float, CandidateReview]] = {}
    for d in response.decisions:
        if d.candidate_id not in aliases:
            violations.append(f"unknown candidate id {d.candidate_id!r} ignored (action {d.action})")
            continue
        action, mult, notes = bounded(d)
        violations.extend(notes)
        prev = kept.get(d.candidate_id)
        if prev is not None:
            violations.append(f"{d.candidate_id}: several decisions, the most restrictive kept")
            if (prev[1], prev[2].confidence) <= (mult, d.confidence):
                continue
        kept[d.candidate_id] = (action, mult, d)
    decisions: dict[str, ReviewDecision] = {}
    reviews: dict[str, CandidateReview] = {}
    for alias, cid in aliases.items():
        if alias not in kept:
            violations.append(f"{alias}: no decision returned, counts as reject")
            decisions[cid] = ReviewDecision(cid, ReviewAction.REJECT, 0.0, 0.0, source,
                                            "no decision returned: counts as reject")
            continue
        action, mult, d = kept[alias]
        decisions[cid] = ReviewDecision(cid, action, mult, _confidence(d.confidence), source, d.rationale)
        reviews[cid] = d.model_copy(update={"candidate_id": cid[:16]})
    return decisions, reviews, violations


def policy_decisions(aliases: Mapping[str, str], policy: str, reason: str) -> dict[str, ReviewDecision]:
    """Decisions when no review could be had: ``block`` rejects, ``pass_through`` keeps the quant decision."""
    if policy == "pass_through":
        text = f"no review ({reason}); failure policy pass_through: quantitative score alone, neutral confidence"
        return {cid: ReviewDecision(cid, ReviewAction.APPROVE, 1.0, NEUTRAL_CONFIDENCE, "fallback", text)
                for cid in aliases.values()}
    text = f"no review ({reason}); failure policy block: no new entry without a review"
    return {cid: ReviewDecision(cid, ReviewAction.REJECT, 0.0, 0.0, "fallback", text) for cid in aliases.values()}
