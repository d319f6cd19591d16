"""The gate's persistent memory: one JSON document in the state store.

Fields: ``state`` (ACTIVE/REDUCING/HALTED), the breaker (``breaker``, ``breaker_reason``), the rolling week of portfolio values, per-position entry records (VIX and spread at entry,
for the volatility stops), positions already reduced for liquidity, today's spread samples, and the last
review's time and measures (for drift). Unknown or missing fields take defaults, so older documents load.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields

from domain.state import StateStore


@dataclass
class GateMemory:
    state: str = "ACTIVE"
    breaker: bool = False
    breaker_reason: str = ""
    values: list[tuple[str, float]] = field(default_factory=list)
    entries: dict[str, dict[str, object]] = field(default_factory=dict)
    liquidity_reduced: list[str] = field(default_factory=list)
    spreads: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    last_review: str | None = None
    review_values: list[float] | None = None


def load_memory(store: StateStore, key: str) -> GateMemory:
    """The stored memory, or a fresh one when absent.

    Raises:
        ValueError: the stored text is not a JSON object (a corrupt store is not silently reset).
    """
    text = store.read(key)
    if not text:
        return GateMemory()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"risk gate state at {key!r} is not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise ValueError(f"risk gate state at {key!r} is not a JSON object")
    names = {f.name for f in fields(GateMemory)}
    mem = GateMemory(**{k: v for k, v in doc.items() if k in names})
    mem.values = [(str(t), float(v)) for t, v in mem.values]
    return mem


def save_memory(store: StateStore, key: str, mem: GateMemory) -> None:
    """The memory as one JSON object of its fields (they hold only JSON values: no deep copy is needed)."""
    store.save(key, json.dumps({f.name: getattr(mem, f.name) for f in fields(GateMemory)}, sort_keys=True))
