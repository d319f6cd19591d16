"""The risk gate: the last pure stage before execution. It may shrink, drop or close; it never adds.

One call of :meth:`RiskGate.apply` is one step:

1. Kill switch and reset: the more severe of the ``kill_switch`` parameter and the store flag
   (:data:`risk.breakers.KILL_KEY`, which live commands also write); a reset request clears a tripped breaker.
2. The book is priced (:mod:`risk.book`) and its exposures measured (:mod:`risk.exposures`).
3. The weekly-loss breaker is updated (:mod:`risk.breakers`); once tripped it stays until a human resets it.
4. Exits: *liquidate* or a tripped breaker close everything (options first, then shares). Otherwise stops
   (:mod:`risk.stops`) close positions, a spread above the reduce level halves a position once
   (:mod:`risk.liquidity`), a Greek limit breach closes positions in the REDUCING order
   (:mod:`risk.reduce`) and the weekly review (:mod:`risk.review`) adjusts drift and measures losses.
5. State: HALTED when the kill switch is on or the breaker tripped; else REDUCING while a Greek limit is
   breached by the current book; else ACTIVE.
6. Targets, in the order given: HALTED drops every new entry; any target on a symbol risk is closing is
   dropped; each remaining target is cut to the largest size that keeps every measure inside
   ``[min(-L, x), max(L, x)]`` both before and after the exits (:func:`risk.limits.allowed_units`); in
   REDUCING a target passes only if it also shrinks a breached measure. A target with no usable quote, an
   IV not solved from its own quote, or a multiplier that disagrees with its quote is dropped.
7. Authority is checked in code: every output target has an input with the same symbol, the same sign and
   no larger size; every exit closes part or all of a held position and never flips it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from domain.config import StrategyConfig
from domain.state import StateStore
from domain.types import MarketContext, OptionQuote, PortfolioState, Target
from risk import liquidity
from risk.breakers import KILL_KEY, RESET_KEY, KillMode, breaker_trips, parse_kill, record_value, strongest, weekly_loss
from risk.exposures import MEASURES
from risk.limits import breached
from risk.memory import load_memory, save_memory
from risk.result import Breach, GateState, RiskResult
from risk.review import review_due
from risk.step import Step

__all__ = ["Breach", "GateState", "RiskGate", "RiskResult"]


class RiskGate:
    """Pure risk stage with persistent state (``store`` under ``key``); see the module docstring."""

    def __init__(self, config: StrategyConfig, store: StateStore, key: str = "wheelhouse/risk/gate") -> None:
        self.config = config
        self.store = store
        self.key = key

    @property
    def state(self) -> GateState:
        return GateState(load_memory(self.store, self.key).state)

    def command(self, payload: Mapping[str, object]) -> str:
        """A live command: ``{"kill_switch": "off|halt|liquidate"}`` and/or ``{"reset": true}``.

        It writes the same store keys a human would (:data:`KILL_KEY`, :data:`RESET_KEY`), so every route to
        the kill switch ends in one place and acts at the next step.

        Raises:
            ValueError: an unknown key or kill mode (nothing is written).
        """
        unknown = set(payload) - {"kill_switch", "reset"}
        if unknown:
            raise ValueError(f"unknown risk command key(s): {', '.join(sorted(unknown))}")
        done = []
        if "kill_switch" in payload:
            mode = parse_kill(str(payload["kill_switch"]), "kill_switch command")
            self.store.save(KILL_KEY, mode.value)
            done.append(f"kill switch {mode.value}")
        if payload.get("reset"):
            self.store.save(RESET_KEY, "reset by command")
            done.append("breaker reset requested")
        return ", ".join(done) or "nothing to do"

    def reset(self) -> None:
        """A human's reset of a tripped breaker (the kill switch flag is left as it is)."""
        self.command({"reset": True})

    def apply(self, targets: Sequence[Target], portfolio: PortfolioState, quotes: Mapping[str, OptionQuote],
              market: MarketContext, history: pd.DataFrame | None = None) -> RiskResult:
        """One step of the gate (module docstring). ``history`` (date x symbol closes) feeds the review's
        historical VaR and correlation; without it those are skipped."""
        mem = load_memory(self.store, self.key)
        step = Step(self.config, mem, portfolio, quotes, market)
        step.kill = strongest(parse_kill(self.config.risk.kill_switch, "kill_switch parameter"),
                              self._store_kill(step))
        self._consume_reset(step)
        value = portfolio.total_value
        if not (np.isfinite(value) and value > 0):
            step.breach("portfolio_value", "portfolio", "halt", value, 0.0, "portfolio value is not positive")
            mem.state = GateState.HALTED.value
            save_memory(self.store, self.key, mem)
            refused = tuple((t.candidate_id or t.symbol, "portfolio value is not positive") for t in targets)
            return RiskResult((), (), tuple(step.breaches), GateState.HALTED, refused)
        step.price(targets)
        step.track_entries()
        mem.values = record_value(mem.values, market.as_of, value)
        if not mem.breaker and breaker_trips(mem.values, self.config.risk.weekly_loss_breaker):
            loss = weekly_loss(mem.values)
            mem.breaker, mem.breaker_reason = True, f"rolling-week loss {loss:.1%} at {market.as_of.isoformat()}"
            step.breach("weekly_loss_breaker", "portfolio", "liquidate", loss, self.config.risk.weekly_loss_breaker,
                        mem.breaker_reason)
        reviewed = False
        if step.kill is KillMode.LIQUIDATE or mem.breaker:
            step.liquidate("kill switch: liquidate" if step.kill is KillMode.LIQUIDATE else
                           f"weekly-loss breaker: {mem.breaker_reason}")
        else:
            step.run_stops()
            step.run_liquidity()
            step.run_limits()
            if review_due(market.as_of, mem.last_review, market.vix, self.config.risk.intraweek_vix):
                step.run_review(history)
                reviewed = True
        if step.kill is not KillMode.OFF or mem.breaker:
            state = GateState.HALTED
            if step.kill is not KillMode.OFF:
                step.breach("kill_switch", "portfolio", step.kill.value, detail="kill switch on")
        elif breached(step.x0, step.limits).any():
            state = GateState.REDUCING
        else:
            state = GateState.ACTIVE
        mem.state = state.value
        allowed, dropped = step.gate_targets(targets, state)
        allowed, exits = enforce_authority(targets, allowed, step.exit_targets(), portfolio, step)
        save_memory(self.store, self.key, mem)
        return RiskResult(
            targets=allowed, exits=exits, breaches=tuple(step.breaches), state=state, dropped=tuple(dropped),
            exposures=step.exposures, limits=step.greek_limits,
            projected=dict(zip(MEASURES, (float(v) for v in step.x_final), strict=True)),
            measures=step.measures, daily_spread=liquidity.daily_average(mem.spreads), reviewed=reviewed,
        )

    def _store_kill(self, step: Step) -> KillMode:
        try:
            return parse_kill(self.store.read(KILL_KEY), f"state store key {KILL_KEY}")
        except ValueError as exc:  # a garbled flag must not silently mean "off"
            step.breach("kill_switch", KILL_KEY, "halt", detail=f"{exc}; treated as halt")
            return KillMode.HALT

    def _consume_reset(self, step: Step) -> None:
        text = (self.store.read(RESET_KEY) or "").strip()
        if text and text.lower() != "done":
            # a fresh rolling week: the loss that tripped the breaker must not trip it again at once
            step.mem.breaker, step.mem.breaker_reason, step.mem.values = False, "", []
            self.store.save(RESET_KEY, "done")
            step.breach("reset", RESET_KEY, "reset", detail=f"breaker reset by a human: {text}")


def enforce_authority(inputs: Sequence[Target], allowed: Sequence[Target], exits: Sequence[Target],
                      portfolio: PortfolioState, step: Step) -> tuple[tuple[Target, ...], tuple[Target, ...]]:
    """Drop (and report) any output that would add or enlarge: the rule is checked on the result itself."""
    pool: dict[tuple[str, str | None], list[int]] = {}
    for t in inputs:
        pool.setdefault((t.symbol, t.candidate_id), []).append(t.quantity)
    kept: list[Target] = []
    for t in allowed:
        sizes = pool.get((t.symbol, t.candidate_id), [])
        match = next((q for q in sizes if q * t.quantity > 0 and abs(t.quantity) <= abs(q)), None)
        if match is None:
            step.breach("authority", t.symbol, "drop", t.quantity, 0, "output target has no larger input target")
            continue
        sizes.remove(match)
        kept.append(t)
    held: dict[str, float] = {}
    for p in portfolio.positions:
        held[p.symbol] = held.get(p.symbol, 0.0) + p.quantity
    closing: list[Target] = []
    for t in exits:
        q = held.get(t.symbol, 0.0)
        if not (t.quantity * q < 0 and abs(t.quantity) <= abs(q)):
            step.breach("authority", t.symbol, "drop", t.quantity, q, "exit does not reduce a held position")
            continue
        held[t.symbol] = q + t.quantity
        closing.append(t)
    return tuple(kept), tuple(closing)

