"""LEAN adapter of the risk gate: targets -> overrides that only reduce or close.

Converts LEAN's state with :mod:`algorithms.convert`, calls :meth:`risk.gate.RiskGate.apply`, and returns
only what changes: a dropped target becomes ``PortfolioTarget(symbol, current holding)`` (no trade), a cut
one the holding plus the allowed trade, an exit the holding plus the closing trade (``0`` when it closes
all). The insights behind every overridden symbol are cancelled so construction does not re-emit them.
"""

from __future__ import annotations

from collections.abc import Callable

from AlgorithmImports import *

from algorithms.convert import find_symbol, portfolio_state, quote_from_contract, target_from_lean
from domain.config import StrategyConfig
from domain.state import StateStore
from domain.types import MarketContext, OptionQuote, Target
from risk.breakers import KILL_KEY, RESET_KEY, parse_kill
from risk.gate import RiskGate, RiskResult

MarketFn = Callable[[QCAlgorithm], MarketContext]


class WheelRiskManagementModel(RiskManagementModel):
    """Returns overrides only (``PortfolioTarget(symbol, 0)`` or reduced targets) and cancels the matching
    insights. It never adds or enlarges a target. Gate state (ACTIVE/REDUCING/HALTED, breaker, entry regime
    per position) persists through ``store``; ``market`` builds the market context (VIX, vols, reference)
    when the algorithm has one, else only the time, rate and dividend yield from the settings are known.
    """

    def __init__(self, config: StrategyConfig, store: StateStore, market: MarketFn | None = None) -> None:
        super().__init__()
        self.config = config
        self.gate = RiskGate(config, store)
        self.market = market
        self.last_result: RiskResult | None = None
        self._logged: set[tuple[str, str, str]] = set()

    def manage_risk(self, algorithm: QCAlgorithm, targets: list[IPortfolioTarget]) -> list[PortfolioTarget]:
        portfolio = portfolio_state(algorithm)
        # a target equal to the holding asks for no trade: nothing to judge, nothing to override
        wanted = [w for w in (target_from_lean(algorithm, t) for t in targets) if w.quantity != 0]
        symbols = {str(t.symbol.value): t.symbol for t in targets}
        for p in portfolio.positions:
            symbol = find_symbol(algorithm, p.symbol)
            if symbol is not None:
                symbols.setdefault(p.symbol, symbol)
        result = self.gate.apply(wanted, portfolio, self._quotes(algorithm, list(symbols.values())),
                                 self._market(algorithm))
        self.last_result = result
        held = {p.symbol: p.quantity for p in portfolio.positions}
        overrides: dict[str, PortfolioTarget] = {}
        allowed = {t.symbol: t for t in result.targets}
        for t in wanted:
            kept = allowed.get(t.symbol)
            if kept is None or kept.quantity != t.quantity:
                trade = kept.quantity if kept is not None else 0
                overrides[t.symbol] = PortfolioTarget(symbols[t.symbol], held.get(t.symbol, 0.0) + trade,
                                                      _why(result, t, kept))
        for e in result.exits:
            if e.symbol in symbols:
                overrides[e.symbol] = PortfolioTarget(symbols[e.symbol], held.get(e.symbol, 0.0) + e.quantity, e.reason)
        if overrides:
            changed = {symbols[s] for s in overrides}
            algorithm.insights.cancel([i for i in algorithm.insights.get_active_insights(algorithm.utc_time)
                                       if i.symbol in changed])
        seen = {(b.rule, b.subject, b.action) for b in result.breaches if b.action != "warn"}
        for b in result.breaches:  # each standing condition is logged when it appears, not at every step
            if (b.rule, b.subject, b.action) in seen - self._logged:
                algorithm.debug(f"risk {result.state.value}: {b.rule} {b.subject} -> {b.action} {b.detail}")
        self._logged = seen
        return list(overrides.values())

    def on_securities_changed(self, algorithm: QCAlgorithm, changes: SecurityChanges) -> None:
        return None

    def _market(self, algorithm: QCAlgorithm) -> MarketContext:
        if self.market is not None:
            return self.market(algorithm)
        general = self.config.general
        return MarketContext(as_of=algorithm.time, rate=general.risk_free_rate,
                             dividend_yield={u: general.dividend_yield for u in general.underlyings})

    @staticmethod
    def _quotes(algorithm: QCAlgorithm, symbols: list[Symbol]) -> dict[str, OptionQuote]:
        """Current quotes of the option symbols, from the slice's option chains (one pass per chain)."""
        data = algorithm.current_slice
        if data is None:
            return {}
        by_chain: dict[Symbol, set[Symbol]] = {}
        for s in symbols:
            if s.security_type == SecurityType.OPTION:
                by_chain.setdefault(s.canonical, set()).add(s)
        out: dict[str, OptionQuote] = {}
        for canonical, wanted in by_chain.items():
            if canonical not in data.option_chains:
                continue
            for contract in data.option_chains[canonical]:
                if contract.symbol in wanted:
                    out[str(contract.symbol.value)] = quote_from_contract(contract, algorithm, algorithm.time)
        return out


def _why(result: RiskResult, wanted: Target, kept: Target | None) -> str:
    if kept is not None:
        return kept.reason
    reasons = dict(result.dropped)
    return f"risk: {reasons.get(wanted.candidate_id or wanted.symbol, 'dropped')}"


class RiskCommand(Command):
    """Live command for the kill switch and the breaker reset (register with ``add_command(RiskCommand)``).

    Send ``{"$type": "RiskCommand", "kill_switch": "halt"}`` (or ``liquidate``, ``off``) or
    ``{"$type": "RiskCommand", "reset": true}``. It writes the ObjectStore keys the gate reads at its next
    step, the same ones a human may edit directly.
    """

    kill_switch: str | None = None
    reset: bool = False

    def run(self, algorithm: IAlgorithm) -> bool | None:
        try:
            mode = parse_kill(self.kill_switch, "kill_switch command") if self.kill_switch is not None else None
        except ValueError as exc:
            algorithm.error(str(exc))
            return False
        store = algorithm.object_store
        if mode is not None:
            store.save(KILL_KEY, mode.value)
        if self.reset:
            store.save(RESET_KEY, "reset by live command")
        return True


__all__ = ["RiskCommand", "WheelRiskManagementModel"]
