"""The working set of one gate step: the priced book, the exits planned so far and the target filter.

:class:`risk.gate.RiskGate` drives it in the order its docstring gives; this module holds the arithmetic.
Quantities are signed units per leg (contracts or shares); ``exit`` is what risk trades to close.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from domain.config import StrategyConfig
from domain.types import AssetKind, MarketContext, OptionQuote, PortfolioState, Target
from risk import liquidity, stops
from risk.book import Leg, build_book, option_quotes, solve_ivs
from risk.breakers import KillMode
from risk.exposures import MEASURES, exposures_of, unit_exposures
from risk.limits import TOL, allowed_units, bounds, breached, check_greeks, limit_vector
from risk.memory import GateMemory
from risk.reduce import plan_reductions
from risk.result import Breach, GateState
from risk.review import drift_limits, loss_measures
from risk.scenarios import wide_closes


class Step:
    def __init__(self, config: StrategyConfig, mem: GateMemory, portfolio: PortfolioState,
                 quotes: Mapping[str, OptionQuote], market: MarketContext) -> None:
        self.config, self.mem, self.portfolio, self.quotes, self.market = config, mem, portfolio, quotes, market
        self.breaches: list[Breach] = []
        self.kill = KillMode.OFF
        self.measures: dict[str, object] = {}
        self.limits = limit_vector(config.risk)

    def breach(self, rule: str, subject: str, action: str, value: float = 0.0, limit: float = 0.0,
               detail: str = "") -> None:
        self.breaches.append(Breach(rule, subject, action, float(value), float(limit), detail))

    # -- the book -------------------------------------------------------------------------------------------
    def price(self, targets: Sequence[Target] = ()) -> None:
        """Price the held book. The IVs of the held contracts' quotes and of the usable quotes of the option
        ``targets`` are solved in one call (:attr:`solved`, which :meth:`gate_targets` reads)."""
        self.positions = self.portfolio.positions
        legs = [Leg.of_position(p) for p in self.positions]
        held = {leg.symbol for leg in legs}
        wanted = [q for s in dict.fromkeys(t.symbol for t in targets if t.right is not None and t.symbol not in held)
                  if (q := self.quotes.get(s)) is not None and stops.usable(q)]
        self.solved = solve_ivs(option_quotes(legs, self.quotes) + wanted, self.market)
        known = {s: float(e["iv"]) for s, e in self.mem.entries.items() if isinstance(e.get("iv"), int | float)}
        self.book = build_book(legs, self.portfolio, self.quotes, self.market, known, self.solved)
        value = self.portfolio.total_value
        self.units = unit_exposures(self.book, value)
        self.exposures = exposures_of(self.book, value)
        self.greek_limits = check_greeks(self.exposures, self.config.risk)
        self.x0 = self.exposures.vector()
        self.exit = np.zeros(len(self.book))
        self.exit_reason = [""] * len(self.book)
        self.x_final = self.x_post
        for note in self.book.unpriced:
            self.breach("unpriced", note.split(":")[0], "warn", detail=note)

    @property
    def remaining(self) -> np.ndarray:
        return self.book.quantity + self.exit

    @property
    def x_post(self) -> np.ndarray:
        return self.x0 + self.units.T @ self.exit if len(self.book) else self.x0.copy()

    def close(self, i: int, count: float, reason: str) -> None:
        """Close ``count`` units of leg ``i`` (capped at what is still held; never flips the position)."""
        rem = float(self.remaining[i])
        k = math.floor(min(abs(count), abs(rem)) + 1e-9)
        if k <= 0:
            return
        self.exit[i] -= math.copysign(k, rem)
        self.exit_reason[i] = "; ".join(r for r in (self.exit_reason[i], reason) if r)

    # -- state kept across steps ----------------------------------------------------------------------------
    def track_entries(self) -> None:
        mem, as_of = self.mem, self.market.as_of
        held = {p.symbol for p in self.positions}
        mem.entries = {s: e for s, e in mem.entries.items() if s in held}
        mem.liquidity_reduced = [s for s in mem.liquidity_reduced if s in held]
        day = as_of.date().isoformat()
        for p in self.positions:
            if not p.is_option:
                continue
            q = self.quotes.get(p.symbol)
            spread = q.spread_pct() if stops.usable(q) and q is not None and q.mid > 0 else None
            if p.symbol not in mem.entries:
                vix = p.entry_regime if p.entry_regime is not None else self.market.vix
                mem.entries[p.symbol] = {"vix": vix, "spread_pct": spread, "time": as_of.isoformat()}
            if spread is not None:
                mem.spreads = liquidity.add_sample(mem.spreads, day, p.symbol, spread)
        for i, sym in enumerate(self.book.symbols):
            if self.book.from_quote[i] and sym in mem.entries:
                mem.entries[sym]["iv"] = float(self.book.vol[i])

    # -- exits ----------------------------------------------------------------------------------------------
    def liquidate(self, reason: str) -> None:
        for i in sorted(range(len(self.book)), key=lambda i: not self.book.is_option[i]):
            self.close(i, abs(self.remaining[i]), reason)
            if self.exit[i]:
                self.breach("liquidate", self.book.symbols[i], "close", detail=reason)

    def run_stops(self) -> None:
        for i, p in enumerate(self.positions):
            raw = self.mem.entries.get(p.symbol)
            entry = stops.EntryRecord(**raw) if raw else None  # type: ignore[arg-type]
            iv = float(self.book.vol[i]) if self.book.from_quote[i] else None
            for s in stops.evaluate(p, self.quotes.get(p.symbol), self.market, entry, self.config, iv):
                self.breach(s.rule, s.symbol, s.action, s.value, s.threshold, s.reason)
                if s.action == "close":
                    self.close(i, abs(self.remaining[i]), f"risk {s.rule}: {s.reason}")

    def run_liquidity(self) -> None:
        cfg = self.config.risk
        for i, p in enumerate(self.positions):
            if not p.is_option or self.remaining[i] == 0:
                continue
            chk = liquidity.check_spread(p.symbol, self.quotes.get(p.symbol), cfg)
            if chk.status == "warn":
                self.breach("liquidity", p.symbol, "warn", chk.spread_pct, cfg.liquidity_warn_spread,
                            f"spread {chk.spread_pct:.1%} of mid")
            elif chk.status == "reduce" and p.symbol not in self.mem.liquidity_reduced:
                n = liquidity.reduce_held(int(abs(self.remaining[i])))
                self.close(i, n, f"risk liquidity: spread {chk.spread_pct:.1%} of mid")
                self.mem.liquidity_reduced.append(p.symbol)
                self.breach("liquidity", p.symbol, "reduce", chk.spread_pct, cfg.liquidity_reduce_spread,
                            f"spread {chk.spread_pct:.1%} of mid: closing {n} of the position once")

    def run_limits(self, limits: np.ndarray | None = None, why: str = "REDUCING") -> None:
        if limits is None:
            for s in self.greek_limits:
                if s.status != "ok":
                    action = "reduce" if s.status == "breach" else "alert"
                    self.breach(f"limit_{s.name}", "portfolio", action, s.value, s.limit if action == "reduce"
                                else s.alert or s.limit, s.unit)
        lim = self.limits if limits is None else limits
        x = self.x_post
        if not breached(x, lim).any():
            return
        trades, _, left = plan_reductions(self.book, self.units, x, lim, self.remaining)
        for i in np.flatnonzero(trades):
            self.close(i, abs(trades[i]), f"risk {why}: back inside the {', '.join(self._over(x, lim))} limit")
        for j in left:
            self.breach(f"limit_{MEASURES[j]}", "portfolio", "warn", self.x_post[j], lim[j],
                        "no position can be closed to bring this measure back inside its limit")

    @staticmethod
    def _over(x: np.ndarray, lim: np.ndarray) -> list[str]:
        return [MEASURES[j] for j in np.flatnonzero(breached(x, lim))]

    def run_review(self, history: pd.DataFrame | None) -> None:
        cfg = self.config.risk
        prev = np.array(self.mem.review_values) if self.mem.review_values else None
        x = self.x_post
        soft, adjust, drifted = drift_limits(x, prev, self.limits, cfg.limit_drift_pct)
        for j in drifted:
            assert prev is not None
            self.breach("drift", MEASURES[j], "adjust" if j in adjust else "alert", x[j], self.limits[j],
                        f"moved {x[j] - prev[j]:+.4f} since the last review")
        if adjust:
            self.run_limits(soft, "weekly review")
        closes = wide_closes(history) if history is not None and "symbol" in history.columns else history
        live = self.book.with_quantity(self.remaining)
        sectors = {p.underlying: p.sector for p in self.positions if p.sector}
        m = loss_measures(live, self.portfolio.total_value, self.config, self.market, closes, sectors)
        self.measures = m.report
        for rule, value, limit, detail in m.alerts:
            self.breach(rule, "portfolio", "alert", value, limit, detail)
        self.mem.last_review = self.market.as_of.isoformat()
        self.mem.review_values = [float(v) for v in self.x_post]

    # -- targets --------------------------------------------------------------------------------------------
    def gate_targets(self, targets: Sequence[Target], state: GateState) -> tuple[tuple[Target, ...], list[tuple[str, str]]]:
        """The allowed targets and the dropped ones with reasons (module docstring of risk.gate, step 6)."""
        held = {p.symbol: i for i, p in enumerate(self.positions)}
        rows = self._target_rows(targets, held)
        xa, xb = self.x0.copy(), self.x_post
        allowed: list[Target] = []
        dropped: list[tuple[str, str]] = []
        for t in targets:
            tid = t.candidate_id or t.symbol
            i = held.get(t.symbol)
            closing = i is not None and t.quantity * self.book.quantity[i] < 0 and abs(t.quantity) <= abs(self.book.quantity[i])
            reason = self._refuse(t, i, state, closing, rows)
            if reason:
                dropped.append((tid, reason))
                continue
            requested, notes = self._liquidity_size(t)
            row = rows[t.symbol][0]
            per = np.sign(t.quantity) * row
            reducing = state is GateState.REDUCING and not closing
            k = min(allowed_units(xa, per, self.limits, requested, reducing),
                    allowed_units(xb, per, self.limits, requested))
            if k <= 0:
                why = "no exposure-reducing effect in REDUCING" if reducing else "would breach " + self._binding(xa, xb, per)
                dropped.append((tid, notes + why if requested else notes.rstrip("; ")))
                self.breach("pre_trade", t.symbol, "drop", abs(t.quantity), 0, dropped[-1][1])
                continue
            if k < abs(t.quantity):
                cut = notes + (f"limits allow {k}" if k < requested else "")
                detail = f"cut from {abs(t.quantity)} to {k} contracts: {cut.rstrip('; ')}"
                self.breach("pre_trade", t.symbol, "shrink", abs(t.quantity), k, detail)
                t = replace(t, quantity=int(np.sign(t.quantity)) * k,
                            reason="; ".join(r for r in (t.reason, f"risk: {detail}") if r))
            allowed.append(t)
            xa, xb = xa + k * per, xb + k * per
        self.x_final = xb
        return tuple(allowed), dropped

    def _refuse(self, t: Target, i: int | None, state: GateState, closing: bool,
                rows: dict[str, tuple[np.ndarray, str]]) -> str:
        if t.quantity == 0:
            return "zero quantity"
        if i is not None and self.exit[i] != 0:
            return "superseded: risk is closing this position"
        if state is GateState.HALTED and not closing:
            return "HALTED: no new entries"
        if rows[t.symbol][1] and not closing:
            return rows[t.symbol][1]
        return ""

    def _liquidity_size(self, t: Target) -> tuple[int, str]:
        n = abs(t.quantity)
        if t.right is None:
            return n, ""
        chk = liquidity.check_spread(t.symbol, self.quotes.get(t.symbol), self.config.risk)
        if chk.status == "reduce":
            self.breach("liquidity", t.symbol, "shrink", chk.spread_pct, self.config.risk.liquidity_reduce_spread,
                        f"spread {chk.spread_pct:.1%} of mid: size halved")
            return liquidity.halve_entry(n), f"spread {chk.spread_pct:.1%} of mid halves the size; "
        if chk.status == "warn":
            self.breach("liquidity", t.symbol, "warn", chk.spread_pct, self.config.risk.liquidity_warn_spread,
                        f"spread {chk.spread_pct:.1%} of mid")
        return n, ""

    def _binding(self, xa: np.ndarray, xb: np.ndarray, per: np.ndarray) -> str:
        names = []
        for x in (xa, xb):
            lo, hi = bounds(x, self.limits)
            names += [MEASURES[j] for j in range(3) if not lo[j] - TOL <= x[j] + per[j] <= hi[j] + TOL]
        return "the " + " and ".join(dict.fromkeys(names)) + " limit" if names else "a limit"

    def _target_rows(self, targets: Sequence[Target], held: dict[str, int]) -> dict[str, tuple[np.ndarray, str]]:
        """Per-unit exposure row of each target's symbol and, when it must not trade, why."""
        rows: dict[str, tuple[np.ndarray, str]] = {}
        legs: list[Leg] = []
        for t in targets:
            if t.symbol in rows or t.symbol in {leg.symbol for leg in legs}:
                continue
            q = self.quotes.get(t.symbol)
            if t.right is not None and not stops.usable(q):
                rows[t.symbol] = (np.zeros(3), "no usable quote")
            elif t.right is not None and q is not None and q.multiplier != t.multiplier:
                rows[t.symbol] = (np.zeros(3), f"multiplier {t.multiplier} disagrees with the quote's {q.multiplier}")
            elif t.symbol in held:
                i = held[t.symbol]
                ok = not self.book.is_option[i] or self.book.from_quote[i]
                rows[t.symbol] = (self.units[i], "" if ok else "implied vol not solvable from its quote")
            else:
                kind = AssetKind.STOCK if t.right is None else AssetKind.OPTION
                legs.append(Leg(t.symbol, t.underlying, 1.0, kind, float(t.multiplier) if t.right else 1.0, t.right,
                                t.strike, t.expiry))
        if legs:
            book = build_book(legs, self.portfolio, self.quotes, self.market, solved=self.solved)
            units = unit_exposures(book, self.portfolio.total_value)
            bad = {note.split(":")[0] for note in book.unpriced}
            for i, leg in enumerate(legs):
                ok = leg.symbol not in bad and (not book.is_option[i] or bool(book.from_quote[i]))
                rows[leg.symbol] = (units[i], "" if ok else "no price or implied vol from its own quote")
        return rows

    def exit_targets(self) -> tuple[Target, ...]:
        out = []
        for i in sorted(np.flatnonzero(self.exit), key=lambda i: (not self.book.is_option[i], i)):
            p = self.positions[i]
            out.append(Target(symbol=p.symbol, underlying=p.underlying, quantity=int(self.exit[i]), right=p.right,
                              strike=p.strike, expiry=p.expiry, multiplier=p.multiplier, reason=self.exit_reason[i]))
        return tuple(out)
