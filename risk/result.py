"""What the gate returns: its state, the breaches it saw (with the action taken) and the result of a step."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from domain.types import Target
from risk.exposures import Exposures
from risk.limits import LimitStatus


class GateState(StrEnum):
    ACTIVE = "ACTIVE"
    REDUCING = "REDUCING"
    HALTED = "HALTED"


@dataclass(frozen=True, slots=True)
class Breach:
    """Something the gate saw and what it did: ``action`` is one of close, reduce, shrink, drop, warn,
    alert, halt, liquidate, reset."""

    rule: str
    subject: str
    action: str
    value: float = 0.0
    limit: float = 0.0
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "subject": self.subject, "action": self.action, "value": self.value,
                "limit": self.limit, "detail": self.detail}


@dataclass(frozen=True)
class RiskResult:
    """``targets``: allowed input targets (possibly shrunk); ``exits``: risk's own closing targets;
    ``dropped``: (candidate id or symbol, reason); ``projected``: the three measures after targets and exits."""

    targets: tuple[Target, ...]
    exits: tuple[Target, ...]
    breaches: tuple[Breach, ...]
    state: GateState
    dropped: tuple[tuple[str, str], ...] = ()
    exposures: Exposures | None = None
    limits: tuple[LimitStatus, ...] = ()
    projected: dict[str, float] = field(default_factory=dict)
    measures: dict[str, object] = field(default_factory=dict)
    daily_spread: dict[str, float] = field(default_factory=dict)
    reviewed: bool = False


