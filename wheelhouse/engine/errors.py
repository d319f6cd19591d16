"""Errors of the offline engine."""

from __future__ import annotations

from datetime import datetime


class EngineError(RuntimeError):
    """The simulation cannot continue (missing data for a held position, a stage that broke its contract)."""


class InvariantError(EngineError):
    """An accounting or safety invariant failed; the run stops here.

    ``invariant`` is the invariant's short name (for example ``free_cash_non_negative``), ``when`` the
    simulated time, ``details`` the numbers that broke it.
    """

    def __init__(self, invariant: str, when: datetime, details: str) -> None:
        self.invariant = invariant
        self.when = when
        self.details = details
        super().__init__(f"invariant '{invariant}' violated at {when:%Y-%m-%d %H:%M}: {details}")
