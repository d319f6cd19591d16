"""Human approval gate: held until a person answers, released once, expired at the close."""

from __future__ import annotations

import json
from datetime import datetime

from domain.state import MemoryStore
from domain.types import ReviewAction, ReviewDecision
from llm.approval import ANSWERS, ApprovalGate

MORNING = datetime(2016, 1, 4, 10, 0)


def decisions() -> dict[str, ReviewDecision]:
    return {
        "a": ReviewDecision("a", ReviewAction.APPROVE, 1.0, 8, "llm", "good"),
        "b": ReviewDecision("b", ReviewAction.REDUCE, 0.5, 6, "llm", "ok"),
        "c": ReviewDecision("c", ReviewAction.REJECT, 0.0, 2, "llm", "no"),
    }


def test_hold_then_release_by_command_and_by_store_entry() -> None:
    store = MemoryStore()
    gate = ApprovalGate(store)
    held = gate.hold(decisions(), {"a": "SYM A", "b": "SYM B"}, MORNING)
    assert all(d.action is ReviewAction.REJECT and d.size_multiplier == 0 for d in held.values())
    assert "awaiting human approval until 16:00" in held["a"].rationale
    assert set(gate.pending()) == {"a", "b"}
    assert gate.release(MORNING.replace(hour=11)) == []
    assert gate.answer("a", True) and not gate.answer("zzz", True)
    store.save(ANSWERS, json.dumps({"b": "deny"}))
    released = gate.release(MORNING.replace(hour=12))
    assert [p.decision for p in released] == [decisions()["a"]]  # unchanged: the gate never enlarges
    assert released[0].symbol == "SYM A"
    assert gate.pending() == {} and gate.release(MORNING.replace(hour=13)) == []


def test_unanswered_expire_at_the_close() -> None:
    store = MemoryStore()
    gate = ApprovalGate(store)
    gate.hold(decisions(), {}, MORNING)
    store.save(ANSWERS, json.dumps({"a": "approve", "b": "approve"}))
    assert gate.release(MORNING.replace(hour=16, minute=0)) == []
    assert gate.pending() == {}


def test_after_the_close_nothing_is_held_or_passed() -> None:
    gate = ApprovalGate(MemoryStore())
    out = gate.hold(decisions(), {}, MORNING.replace(hour=16, minute=5))
    assert all(d.action is ReviewAction.REJECT for d in out.values())
    assert gate.pending() == {}


def test_damaged_state_drops_everything() -> None:
    store = MemoryStore()
    gate = ApprovalGate(store)
    gate.hold(decisions(), {}, MORNING)
    store.save("wheelhouse/review/approval/pending", "{not json")
    store.save(ANSWERS, json.dumps({"a": "approve"}))
    assert gate.release(MORNING.replace(hour=11)) == []
