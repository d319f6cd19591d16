"""Authority in code: whatever the answer says, decisions only veto or shrink known candidates."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from domain.types import ReviewAction
from llm.authority import bounded, enforce, policy_decisions
from llm.contract import CandidateReview, ReviewResponse

ALIASES = {"C1": "id-one", "C2": "id-two", "C3": "id-three"}


def review(cid: str, action: str, size: float, confidence: float = 7) -> CandidateReview:
    # model_construct skips validation: authority must hold even for an answer the schema would refuse.
    return CandidateReview.model_construct(
        candidate_id=cid, action=action, size_multiplier=size, confidence=confidence, rationale="r",
        risk_factors=(), catalysts=(), sentiment="neutral", earnings_impact="", sector_macro="", best_case="",
        worst_case="", similar_trades="", exit_plan="")


def test_hand_cases() -> None:
    cases = [  # action, size -> expected action, multiplier
        ("approve", 1.0, ReviewAction.APPROVE, 1.0),
        ("approve", 3.0, ReviewAction.APPROVE, 1.0),
        ("approve", 0.6, ReviewAction.REDUCE, 0.6),
        ("reduce", 0.25, ReviewAction.REDUCE, 0.25),
        ("reduce", 1.0, ReviewAction.REDUCE, 0.5),
        ("reduce", 0.0, ReviewAction.REJECT, 0.0),
        ("reject", 1.0, ReviewAction.REJECT, 0.0),
        ("approve", -2.0, ReviewAction.REJECT, 0.0),
        ("approve", math.nan, ReviewAction.REJECT, 0.0),
        ("approve", math.inf, ReviewAction.REJECT, 0.0),
    ]
    for action, size, want_action, want_mult in cases:
        got_action, got_mult, _ = bounded(review("C1", action, size))
        assert (got_action, got_mult) == (want_action, want_mult), (action, size)


def test_missing_unknown_and_duplicates() -> None:
    resp = ReviewResponse.model_construct(decisions=(
        review("C1", "approve", 1.0, 9), review("C1", "reduce", 0.3, 4), review("C1", "approve", 1.0, 10),
        review("C7", "approve", 1.0), review("id-two", "approve", 1.0),
    ))
    decisions, reviews, violations = enforce(resp, ALIASES, "llm")
    assert set(decisions) == set(ALIASES.values())
    assert decisions["id-one"].size_multiplier == 0.3 and decisions["id-one"].confidence == 4
    assert decisions["id-two"].action is ReviewAction.REJECT  # a real id instead of the alias is unknown
    assert decisions["id-three"].action is ReviewAction.REJECT
    assert set(reviews) == {"id-one"}
    assert sum("unknown candidate id" in v for v in violations) == 2


def test_policy() -> None:
    block = policy_decisions(ALIASES, "block", "timeout")
    assert all(d.action is ReviewAction.REJECT and d.source == "fallback" for d in block.values())
    passed = policy_decisions(ALIASES, "pass_through", "timeout")
    assert all(d.size_multiplier == 1.0 and d.confidence == 5.0 for d in passed.values())


answers = st.lists(
    st.tuples(
        st.sampled_from(["C1", "C2", "C3", "C4", "X", ""]),
        st.sampled_from(["approve", "reject", "reduce"]),
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(min_value=-100, max_value=100),
    ),
    max_size=8,
)


@given(answers)
def test_never_enlarges_never_adds(items: list[tuple[str, str, float, float]]) -> None:
    resp = ReviewResponse.model_construct(decisions=tuple(review(c, a, s, conf) for c, a, s, conf in items))
    decisions, _, _ = enforce(resp, ALIASES, "llm")
    assert set(decisions) == set(ALIASES.values())
    for d in decisions.values():
        assert 0.0 <= d.size_multiplier <= 1.0 and 0.0 <= d.confidence <= 10.0
        assert (d.action is ReviewAction.REJECT) == (d.size_multiplier == 0.0)
        assert (d.action is ReviewAction.APPROVE) == (d.size_multiplier == 1.0)
    # A candidate the answer rejected anywhere stays rejected.
    for cid, action, _, _ in items:
        if cid in ALIASES and action == "reject":
            assert decisions[ALIASES[cid]].action is ReviewAction.REJECT
