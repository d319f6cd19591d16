"""Exits of open short options: profit take, management at ``manage_dte``, rolls for a net credit.

For every short option held (quantity < 0), in this order:

1. **Profit take**: when the mid price to buy it back is <= (1 - ``profit_take_pct``) x the premium received
   (``Position.cost_basis``, per share), close it: at the default 0.50, half the credit is captured.
2. **Manage at DTE**: when calendar days to expiry <= ``manage_dte``, roll it:
   * to the *next expiry*: the nearest expiry whose DTE lies in [``dte_min``, ``dte_max``];
   * same right; a put's strike <= the current strike, a call's >= the current strike (and >= the shares'
     cost basis unless ``cc_allow_below_cost_basis``);
   * net credit per share = new contract's mid - current contract's mid; with ``roll_for_credit_only`` it must
     be at least the new contract's tick; the chosen strike is the one farthest out of the money that still
     meets that (without the setting: farthest with a credit, else the nearest strike to the current one);
   * a put roll may not reserve more cash than is free (it never does, as the strike does not rise).
   No acceptable roll -> close.
3. Quotes used must be valid (finite, bid > 0 for the contract sold, ask >= bid); a held contract without a
   valid quote is left alone this time (no price, no limit order) and reported.

Rolls are maintenance: they keep the underlying's position slot and add no new position. The output targets
are trades (positive = buy to close); a roll's two legs share a ``roll_id`` so execution can send them as one
combo order.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from domain.config import StrategyConfig
from domain.types import OptionQuote, PortfolioState, Position, Right, Strategy, Target


@dataclass(frozen=True, slots=True)
class ExitAction:
    """A close (``open`` None) or a roll of one held short option; ``net_credit`` per share for rolls."""

    kind: str  # "close" or "roll"
    symbol: str
    underlying: str
    reason: str
    close: Target
    open: Target | None = None
    net_credit: float | None = None
    roll_id: str | None = None

    @property
    def targets(self) -> tuple[Target, ...]:
        return (self.close,) if self.open is None else (self.close, self.open)


@dataclass(frozen=True, slots=True)
class ExitPlan:
    actions: tuple[ExitAction, ...]
    notes: tuple[tuple[str, str], ...]  # (symbol, why nothing was done)

    @property
    def targets(self) -> tuple[Target, ...]:
        return tuple(t for a in self.actions for t in a.targets)


def roll_id(old: str, new: str, as_of: date | datetime) -> str:
    """Deterministic id of a roll from ``old`` to ``new`` on ``as_of``'s date."""
    day = as_of.date() if isinstance(as_of, datetime) else as_of
    return hashlib.sha256(f"roll|{old}|{new}|{day.isoformat()}".encode()).hexdigest()[:16]


def valid(q: OptionQuote | None, selling: bool) -> bool:
    """A quote one may price a limit order on."""
    if q is None or not all(math.isfinite(x) for x in (q.bid, q.ask, q.strike)):
        return False
    return q.ask >= q.bid >= 0 and q.ask > 0 and (q.bid > 0 or not selling) and q.tick_size > 0 and q.multiplier > 0


def _strategy(p: Position) -> Strategy:
    return Strategy.CASH_SECURED_PUT if p.right is Right.PUT else Strategy.COVERED_CALL


def _target(q: OptionQuote, quantity: int, strategy: Strategy, reason: str) -> Target:
    return Target(symbol=q.symbol, underlying=q.underlying, quantity=quantity, strategy=strategy, right=q.right,
                  strike=q.strike, expiry=q.expiry, multiplier=q.multiplier, reason=reason)


def choose_roll(held: OptionQuote, chain: list[OptionQuote], as_of: datetime, config: StrategyConfig,
                cost_basis: float | None = None) -> tuple[OptionQuote, float] | None:
    """The contract to roll ``held`` into and the net credit per share (see the module docstring), or None."""
    s = config.screen
    pool = [q for q in chain if q.right is held.right and q.expiry > held.expiry
            and s.dte_min <= q.dte(as_of) <= s.dte_max and valid(q, selling=True)]
    if not pool:
        return None
    nearest = min(q.expiry for q in pool)
    pool = [q for q in pool if q.expiry == nearest]
    if held.right is Right.PUT:
        pool = [q for q in pool if q.strike <= held.strike]
        otm_first = sorted(pool, key=lambda q: q.strike)
    else:
        floor = cost_basis if cost_basis is not None and not s.cc_allow_below_cost_basis else -math.inf
        pool = [q for q in pool if q.strike >= held.strike and q.strike >= floor - 1e-9]
        otm_first = sorted(pool, key=lambda q: -q.strike)
    for q in otm_first:
        credit = q.mid - held.mid
        if credit >= q.tick_size - 1e-12 or (not config.portfolio.roll_for_credit_only and credit > 0):
            return q, credit
    if config.portfolio.roll_for_credit_only or not pool:
        return None
    q = min(pool, key=lambda q: (abs(q.strike - held.strike), q.strike))
    return q, q.mid - held.mid


def manage_exits(portfolio: PortfolioState, quotes: Mapping[str, OptionQuote], as_of: datetime,
                 config: StrategyConfig, cost_basis: Mapping[str, float] | None = None) -> ExitPlan:
    """Close and roll targets for the held short options (see the module docstring for the rules).

    Args:
        portfolio: holdings; an option's ``cost_basis`` is the premium received per share.
        quotes: every quote known at ``as_of`` by symbol: the held contracts and the chains to roll into.
        cost_basis: per-share basis of the shares by underlying (the wheel's adjusted basis) for call rolls;
            default: the stock positions' cost basis.
    """
    p = config.portfolio
    by_underlying: dict[str, list[OptionQuote]] = {}
    for q in quotes.values():
        by_underlying.setdefault(q.underlying, []).append(q)
    actions: list[ExitAction] = []
    notes: list[tuple[str, str]] = []
    free_cash = portfolio.free_cash()
    for pos in sorted(portfolio.positions, key=lambda x: x.symbol):
        if not (pos.is_option and pos.quantity < 0) or pos.expiry is None:
            continue
        q = quotes.get(pos.symbol)
        if not valid(q, selling=False):
            notes.append((pos.symbol, "no valid quote: left alone"))
            continue
        assert q is not None
        n = int(round(-pos.quantity))
        dte = (pos.expiry - as_of.date()).days
        strategy = _strategy(pos)
        if pos.cost_basis > 0 and q.mid <= (1.0 - p.profit_take_pct) * pos.cost_basis:
            why = f"profit take: mid {q.mid:.2f} <= {1 - p.profit_take_pct:.0%} of credit {pos.cost_basis:.2f}"
            actions.append(ExitAction("close", pos.symbol, pos.underlying, why, _target(q, n, strategy, why)))
            continue
        if dte < 0 or dte > p.manage_dte:
            continue
        basis = (cost_basis or {}).get(pos.underlying)
        if basis is None:
            lots = [x for x in portfolio.positions if not x.is_option and x.underlying == pos.underlying]
            basis = lots[0].cost_basis if lots else None
        roll = choose_roll(q, by_underlying.get(pos.underlying, []), as_of, config, basis)
        if roll is not None and pos.right is Right.PUT:
            extra = (roll[0].strike - q.strike) * roll[0].multiplier * n
            if extra > free_cash:
                roll = None
        if roll is None:
            why = f"{dte} DTE <= {p.manage_dte}: no acceptable roll, close"
            actions.append(ExitAction("close", pos.symbol, pos.underlying, why, _target(q, n, strategy, why)))
            continue
        new, credit = roll
        rid = roll_id(pos.symbol, new.symbol, as_of)
        why = f"{dte} DTE <= {p.manage_dte}: roll to {new.symbol} for net {credit:+.2f}/share"
        actions.append(ExitAction("roll", pos.symbol, pos.underlying, why, _target(q, n, strategy, f"roll {rid}"),
                                  _target(new, -n, strategy, f"roll {rid}"), credit, rid))
    return ExitPlan(tuple(actions), tuple(notes))
