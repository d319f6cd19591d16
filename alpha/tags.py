"""The insight tag of a candidate: how the candidate id and score travel through LEAN's insight store.

Format (space-separated ``key=value``): ``wheelhouse candidate=<16 hex> strategy=<cc|csp> score=<0-10, 2 dp>
contracts=<n>``. Downstream adapters find the full candidate by its id; the rest is for people reading logs.
"""

from __future__ import annotations

from domain.types import Candidate

PREFIX = "wheelhouse"


def insight_tag(candidate: Candidate) -> str:
    """The tag of the insight emitted for ``candidate``."""
    return (f"{PREFIX} candidate={candidate.id} strategy={candidate.strategy.value} score={candidate.score:.2f} "
            f"contracts={candidate.contracts}")


def parse_insight_tag(tag: str) -> dict[str, str]:
    """The ``key=value`` fields of a tag made by :func:`insight_tag`; empty for any other tag."""
    parts = tag.split()
    if not parts or parts[0] != PREFIX:
        return {}
    return dict(p.split("=", 1) for p in parts[1:] if "=" in p)
