"""Pure helpers of the review adapter: find the candidate behind an insight tag, and the reviewed weight and tag.

The screening alpha writes ``wheelhouse candidate=<id> strategy=... score=... contracts=...`` into each
insight's tag (:mod:`alpha.tags`) and keeps the candidates it produced; the adapter matches the two by id.
An insight whose candidate cannot be found is dropped: what cannot be reviewed is not traded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from alpha.tags import parse_insight_tag
from domain.types import Candidate, ReviewDecision

T = TypeVar("T")


def candidate_id_of(tag: str) -> str | None:
    """The candidate id in an insight tag, or None for a tag not made by the screening alpha."""
    return parse_insight_tag(tag or "").get("candidate")


def match(items: Sequence[tuple[T, str]], known: Mapping[str, Candidate]) -> list[tuple[T, Candidate | None]]:
    """Each (insight, tag) paired with its candidate (None when the tag or the candidate is unknown)."""
    out: list[tuple[T, Candidate | None]] = []
    for item, tag in items:
        cid = candidate_id_of(tag)
        out.append((item, known.get(cid) if cid else None))
    return out


def reviewed_weight(weight: float | None, decision: ReviewDecision) -> float:
    """The insight weight after review: the original (1 when unset) times the multiplier, never more."""
    base = 1.0 if weight is None else float(weight)
    mult = min(max(decision.size_multiplier, 0.0), 1.0)
    return base * mult


def reviewed_tag(tag: str, decision: ReviewDecision) -> str:
    """The original tag plus the review's action, size, confidence and source (LEAN tags are free text)."""
    return (f"{tag} review={decision.action.value} size={decision.size_multiplier:.2f} "
            f"confidence={decision.confidence:.0f} source={decision.source}")
