"""The weekly-loss circuit breaker and the kill switch.

Weekly-loss breaker: the gate records the portfolio value at every step; the *rolling-week loss* is the fall
from the highest value recorded in the last :data:`WEEK` (7 calendar days, ``as_of`` included) to the
current value, over that highest value. A loss above ``weekly_loss_breaker`` trips the breaker: every
position is closed and the gate stays HALTED until a human resets it (:data:`RESET_KEY` in the state
store, the ``reset`` live command, or ``RiskGate.reset``). Using the peak inside the window, rather than
the value exactly a week ago, also catches a fall from a mid-week high.

Kill switch, two modes: ``halt`` (no new entries; risk exits still go out) and ``liquidate`` (close
everything). It is read at every step and the more severe of two sources wins: the ``kill_switch``
parameter and the state store key :data:`KILL_KEY` (LEAN's ObjectStore; text ``off``/``halt``/``liquidate``),
which a human edits directly or through the LEAN live command (``risk.lean_adapter.RiskCommand``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

WEEK = timedelta(days=7)
KILL_KEY = "wheelhouse/risk/kill_switch"
"""State-store key of the kill switch flag (text: off, halt or liquidate)."""
RESET_KEY = "wheelhouse/risk/reset"
"""State-store key a human writes (any non-empty text but ``done``) to reset a tripped breaker."""


class KillMode(StrEnum):
    OFF = "off"
    HALT = "halt"
    LIQUIDATE = "liquidate"


_SEVERITY = {KillMode.OFF: 0, KillMode.HALT: 1, KillMode.LIQUIDATE: 2}


def parse_kill(text: str | None, source: str = "kill switch") -> KillMode:
    """``off``/``halt``/``liquidate`` (case and blanks ignored; empty or None is off).

    Raises:
        ValueError: any other text, naming ``source`` and the value.
    """
    value = (text or "").strip().lower() or "off"
    try:
        return KillMode(value)
    except ValueError:
        raise ValueError(f"{source}: {text!r} is not one of off, halt, liquidate") from None


def strongest(*modes: KillMode) -> KillMode:
    """The most severe mode (liquidate > halt > off)."""
    return max(modes, key=_SEVERITY.__getitem__, default=KillMode.OFF)


def record_value(history: list[tuple[str, float]], as_of: datetime, value: float) -> list[tuple[str, float]]:
    """``history`` (ISO time, value) plus this point, keeping only points inside the rolling week.

    A point at the same ``as_of`` replaces the earlier one, so a re-run of a step is idempotent.
    """
    start = as_of - WEEK
    kept = [(t, v) for t, v in history if start <= datetime.fromisoformat(t) < as_of]
    kept.append((as_of.isoformat(), float(value)))
    return kept


def weekly_loss(history: list[tuple[str, float]]) -> float:
    """Fall from the week's highest recorded value to the last one, over that high (0 when none)."""
    if not history:
        return 0.0
    peak = max(v for _, v in history)
    if peak <= 0:
        return 0.0
    return max(0.0, 1.0 - history[-1][1] / peak)


def breaker_trips(history: list[tuple[str, float]], limit: float) -> bool:
    """True when the rolling-week loss is above ``limit`` (strictly: "more than 10%")."""
    return weekly_loss(history) > limit
