"""Invariants the engine checks at every step; a failure raises :class:`InvariantError` and stops the run.

* ``reserved_cash_non_negative``: the cash reserved by short puts is never negative;
* ``free_cash_non_negative``: cash minus reserved cash never falls below zero (every put stays secured);
* ``calls_covered``: short calls never promise more shares than are held;
* ``no_order_on_rejected_quote``: an order is never sent on a quote that fails :func:`fills.quote_problem`;
* entry caps (strategy runs only; the benchmarks are fully collateralised by design), checked on the
  portfolio after every opening sale that is an entry (a roll or exit of a held position takes no new
  exposure and was capped when opened): ``max_trade_pct`` (one trade's cash-secured notional over portfolio
  value), ``capital_fraction`` (reserved cash over portfolio value), ``max_positions`` for the volatility
  regime (underlyings with open options), ``sector_max_exposure`` (one sector's secured notional over value).

Tolerances: one cent for cash; 1e-9 relative plus one cent for caps (values are floats, caps are exact).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from domain.config import StrategyConfig
from domain.types import AssetKind, OptionQuote, PortfolioState, Position
from wheelhouse.engine.errors import InvariantError
from wheelhouse.engine.fills import quote_problem
from wheelhouse.engine.ledger import Ledger

CASH_TOLERANCE = 0.01


def check_books(ledger: Ledger, when: datetime) -> None:
    """Cash reservation and call cover; run after every change to the books."""
    reserved = ledger.reserved_cash()
    if reserved < -CASH_TOLERANCE:
        raise InvariantError("reserved_cash_non_negative", when, f"reserved cash {reserved:,.2f}")
    free = ledger.cash - reserved
    if free < -CASH_TOLERANCE:
        raise InvariantError("free_cash_non_negative", when,
                             f"cash {ledger.cash:,.2f} - reserved {reserved:,.2f} = free {free:,.2f}")
    promised: dict[str, float] = defaultdict(float)
    for p in ledger.options():
        if p.is_short_call:
            promised[p.underlying] += -p.quantity * p.multiplier
    for underlying, shares in promised.items():
        held = ledger.shares(underlying)
        if shares > held + 1e-9:
            raise InvariantError("calls_covered", when,
                                 f"{underlying}: short calls promise {shares:g} shares, {held:g} held")


def check_quote(quote: OptionQuote | None, symbol: str, quantity: float, when: datetime,
                max_age_minutes: float) -> OptionQuote:
    """The order's quote, or an :class:`InvariantError` when there is none or it is rejected."""
    if quote is None:
        raise InvariantError("no_order_on_rejected_quote", when, f"order for {quantity:g} {symbol}: no quote")
    problem = quote_problem(quote, when, max_age_minutes, selling=quantity < 0)
    if problem is not None:
        raise InvariantError("no_order_on_rejected_quote", when,
                             f"order for {quantity:g} {symbol} on a rejected quote: {problem}")
    return quote


def position_cap(config: StrategyConfig, vix: float | None) -> int:
    """Most underlyings with open options in the volatility regime ``vix`` is in."""
    p, s = config.portfolio, config.screen
    if vix is not None and vix > s.vix_extreme:
        return p.max_positions_high_vix
    if vix is not None and vix < s.vix_low:
        return p.max_positions_low_vix
    return p.max_positions


def _notional(p: Position, prices: dict[str, float]) -> float:
    """Secured exposure of a holding: strike notional of a short put, market value of shares."""
    if p.is_short_put:
        return p.reserved_cash()
    if p.kind is AssetKind.STOCK:
        return abs(p.quantity) * prices.get(p.symbol, p.cost_basis)
    return 0.0


def check_entry_caps(after: PortfolioState, opened: Position, contracts: float, new_underlying: bool,
                     config: StrategyConfig, vix: float | None, when: datetime) -> None:
    """Caps after an opening sale of ``contracts`` contracts of ``opened`` (see the module docstring).

    Only what the entry can have caused is checked: the position count when ``new_underlying`` (the
    underlying had no options before), the sector of ``opened``; a cap already exceeded by market moves is
    not the entry's doing.
    """
    value = after.total_value
    if value <= 0:
        raise InvariantError("positive_equity", when, f"portfolio value {value:,.2f} at an entry")
    tol = 1e-9 * value + CASH_TOLERANCE
    pc = config.portfolio
    if opened.is_short_put and opened.strike is not None:
        trade = opened.strike * opened.multiplier * abs(contracts)
        if trade > pc.max_trade_pct * value + tol:
            raise InvariantError("max_trade_pct", when, f"{opened.symbol}: notional {trade:,.0f} > "
                                 f"{pc.max_trade_pct:g} x value {value:,.0f}")
    reserved = after.reserved_cash()
    if reserved > pc.capital_fraction * value + tol:
        raise InvariantError("capital_fraction", when,
                             f"reserved {reserved:,.0f} > {pc.capital_fraction:g} x value {value:,.0f}")
    names = {p.underlying for p in after.positions if p.is_option}
    cap = position_cap(config, vix)
    if new_underlying and len(names) > cap:
        raise InvariantError("max_positions", when, f"{len(names)} underlyings with options > cap {cap} "
                             f"(VIX {vix})")
    if opened.sector:
        amount = sum(_notional(p, after.prices) for p in after.positions if p.sector == opened.sector)
        if amount > pc.sector_max_exposure * value + tol:
            raise InvariantError("sector_max_exposure", when, f"sector {opened.sector}: {amount:,.0f} > "
                                 f"{pc.sector_max_exposure:g} x value {value:,.0f}")
