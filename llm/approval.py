"""Human approval gate (setting ``human_approval``, off by default and in backtests).

When on, a candidate the review approved or reduced is *held*: its decision becomes a reject for now, and a
pending record (candidate id, contract, the reviewed decision, expiry) is stored under
``wheelhouse/review/approval/pending``. A person approves or denies it by

* a LEAN command in live trading (the algorithm's ``on_command`` calls :meth:`ApprovalGate.answer`), or
* an ObjectStore entry (a folder file offline) ``wheelhouse/review/approval/answers`` holding JSON such as
  ``{"<candidate id>": "approve", "<other id>": "deny"}``.

:meth:`ApprovalGate.release` then hands back the approved, unexpired ones exactly once. Unanswered entries
expire at the close of the day they were held (``close`` time, exchange time) and are dropped. The gate
never raises a size: a released decision is the reviewed one, unchanged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time

from domain.state import StateStore
from domain.types import ReviewAction, ReviewDecision

log = logging.getLogger("wheelhouse.llm")

PENDING = "wheelhouse/review/approval/pending"
ANSWERS = "wheelhouse/review/approval/answers"


@dataclass(frozen=True, slots=True)
class Pending:
    decision: ReviewDecision
    symbol: str
    held_at: datetime
    expires: datetime
    answer: str | None = None


class ApprovalGate:
    """Holds approved candidates until a person answers; state lives in the StateStore."""

    def __init__(self, store: StateStore, close: time = time(16, 0)) -> None:
        self.store = store
        self.close = close

    # -- state ----------------------------------------------------------------------------------------

    def _load(self) -> dict[str, Pending]:
        raw = self.store.read(PENDING)
        if not raw:
            return {}
        out: dict[str, Pending] = {}
        try:
            for cid, e in json.loads(raw).items():
                d = ReviewDecision(cid, ReviewAction(e["action"]), float(e["size_multiplier"]),
                                   float(e["confidence"]), str(e["source"]), str(e["rationale"]))
                out[cid] = Pending(d, str(e["symbol"]), datetime.fromisoformat(e["held_at"]),
                                   datetime.fromisoformat(e["expires"]), e.get("answer"))
        except (ValueError, KeyError, TypeError):
            # Unreadable approvals must not turn into trades: drop them all.
            log.error("pending approvals are unreadable; every held candidate is dropped")
            return {}
        return out

    def _save(self, pending: Mapping[str, Pending]) -> None:
        doc = {
            cid: {"action": p.decision.action.value, "size_multiplier": p.decision.size_multiplier,
                  "confidence": p.decision.confidence, "source": p.decision.source,
                  "rationale": p.decision.rationale, "symbol": p.symbol, "held_at": p.held_at.isoformat(),
                  "expires": p.expires.isoformat(), "answer": p.answer}
            for cid, p in pending.items()
        }
        self.store.save(PENDING, json.dumps(doc, sort_keys=True))

    # -- use --------------------------------------------------------------------------------------------

    def hold(self, decisions: Mapping[str, ReviewDecision], symbols: Mapping[str, str],
             as_of: datetime) -> dict[str, ReviewDecision]:
        """Decisions with every approve/reduce replaced by a reject that says it awaits approval."""
        pending = self._expire(self._load(), as_of)
        expires = datetime.combine(as_of.date(), self.close, tzinfo=as_of.tzinfo)
        out: dict[str, ReviewDecision] = {}
        for cid, d in decisions.items():
            if d.action is ReviewAction.REJECT:
                out[cid] = d
                continue
            if as_of >= expires:
                out[cid] = ReviewDecision(cid, ReviewAction.REJECT, 0.0, d.confidence, d.source,
                                          "after the close: no time left for human approval")
                continue
            pending[cid] = Pending(d, symbols.get(cid, ""), as_of, expires)
            out[cid] = ReviewDecision(cid, ReviewAction.REJECT, 0.0, d.confidence, d.source,
                                      f"awaiting human approval until {expires:%H:%M}: {d.rationale}"[:500])
            log.info("review %s held for human approval until %s", cid, expires.isoformat())
        self._save(pending)
        return out

    def answer(self, candidate_id: str, approve: bool) -> bool:
        """Record a person's answer (e.g. from a LEAN command); False when nothing is pending under that id."""
        pending = self._load()
        if candidate_id not in pending:
            return False
        p = pending[candidate_id]
        pending[candidate_id] = Pending(p.decision, p.symbol, p.held_at, p.expires, "approve" if approve else "deny")
        self._save(pending)
        return True

    def release(self, as_of: datetime) -> list[Pending]:
        """Approved, unexpired held candidates, each returned once; denied and expired ones are dropped."""
        pending = self._expire(self._load(), as_of)
        answers = self._answers()
        out: list[Pending] = []
        for cid in sorted(pending):
            p = pending[cid]
            answer = p.answer or answers.get(cid)
            if answer == "approve":
                out.append(p)
                del pending[cid]
                log.info("review %s approved by a person", cid)
            elif answer == "deny":
                del pending[cid]
                log.info("review %s denied by a person", cid)
        self._save(pending)
        return out

    def pending(self) -> dict[str, Pending]:
        return self._load()

    def _answers(self) -> dict[str, str]:
        raw = self.store.read(ANSWERS)
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            log.error("approval answers entry is not JSON; ignored")
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): str(v).lower() for k, v in data.items() if str(v).lower() in ("approve", "deny")}

    @staticmethod
    def _expire(pending: dict[str, Pending], as_of: datetime) -> dict[str, Pending]:
        for cid in [c for c, p in pending.items() if as_of >= p.expires]:
            log.info("review %s expired unapproved at %s", cid, pending[cid].expires.isoformat())
            del pending[cid]
        return pending
