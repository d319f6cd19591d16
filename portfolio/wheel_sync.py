"""Reconcile the wheel book with the broker's holdings: what changed without an event is inferred.

Run on start, after a reconnect and before every decision. For each underlying, booked option contracts are
compared with held ones, then booked shares with held shares:

* fewer short contracts held than booked, and the shares moved by contracts x multiplier the assignment
  way (up for a put, down for a call) -> **assignment** at the strike (detected without any event);
* otherwise, on or after expiry -> **expired** worthless;
* otherwise -> **closed outside the strategy**, booked at the portfolio's mark;
* more contracts held than booked, or contracts the book does not know -> an unseen **fill**, booked at the
  holding's average price;
* shares that still differ -> a **stock trade** at the mark.

An assignment applied from an event with ``awaiting_shares`` (LEAN may fire it before the shares appear) is
*pending*: while the holdings still show the pre-assignment picture (or a part of it) the underlying is left
alone; once they match, the pending mark clears. A pending mark older than ``PENDING_DAYS`` is dropped and the
underlying reconciled as usual.
"""

from __future__ import annotations

from datetime import date, datetime

from domain.types import PortfolioState, Position, Right
from portfolio.wheel import EventKind, WheelBook, WheelEvent, WheelState

PENDING_DAYS = 3
_EPS = 1e-6


def _same(a: float, b: float) -> bool:
    return abs(a - b) < _EPS


def _awaiting(s: WheelState, held: dict[str, float], shares: float, today: date) -> bool:
    """True while the holdings still lag a pending assignment; clears the mark once they caught up."""
    if not s.pending:
        return False
    options_caught = all(_same(held.get(sym, 0.0), s.short_contracts(sym)) for sym in s.pending)
    options_ok = all(_same(held.get(sym, 0.0), s.short_contracts(sym))
                     or _same(held.get(sym, 0.0), s.short_contracts(sym) - n) for sym, n in s.pending.items())
    shares_caught = _same(shares, s.shares)
    shares_ok = shares_caught or _same(shares, s.shares - s.pending_shares)
    stale = s.pending_since is not None and (today - s.pending_since).days > PENDING_DAYS
    if (options_caught and shares_caught) or stale or not (options_ok and shares_ok):
        s.pending.clear()
        s.pending_shares, s.pending_since = 0.0, None
        return False
    return True


def _mark(portfolio: PortfolioState, symbol: str, fallback: float) -> float:
    price = portfolio.prices.get(symbol)
    return float(price) if price is not None and price >= 0 else fallback


def reconcile(book: WheelBook, portfolio: PortfolioState, as_of: date | datetime) -> tuple[WheelEvent, ...]:
    """Bring ``book`` in line with ``portfolio``'s holdings; returns the inferred events (already applied)."""
    today = as_of.date() if isinstance(as_of, datetime) else as_of
    underlyings = sorted({p.underlying for p in portfolio.positions}
                         | {u for u, s in book.states.items() if not s.flat or s.pending})
    applied: list[WheelEvent] = []
    for u in underlyings:
        s = book.state(u)
        positions = {p.symbol: p for p in portfolio.options(u)}
        held = {sym: p.quantity for sym, p in positions.items()}
        shares = portfolio.shares(u)
        if _awaiting(s, held, shares, today):
            continue
        for e in _option_events(s, positions, held, shares, portfolio, today):
            book.apply(e)
            applied.append(e)
        for sym, p in positions.items():
            if sym not in s.options and p.quantity != 0:
                e = _fill(p, p.quantity, "unseen fill")
                book.apply(e)
                applied.append(e)
        gap = shares - s.shares
        if not _same(gap, 0.0):
            basis = next((p.cost_basis for p in portfolio.positions if p.underlying == u and not p.is_option), 0.0)
            e = WheelEvent(EventKind.STOCK, u, u, shares=gap, price=_mark(portfolio, u, basis),
                           note="shares changed outside the strategy")
            book.apply(e)
            applied.append(e)
    return tuple(applied)


def _option_events(s: WheelState, positions: dict[str, Position], held: dict[str, float], shares: float,
                   portfolio: PortfolioState, today: date) -> list[WheelEvent]:
    out: list[WheelEvent] = []
    share_gap = shares - s.shares
    for sym, o in sorted(s.options.items()):
        diff = held.get(sym, 0.0) - o.contracts
        if _same(diff, 0.0):
            continue
        if o.contracts < 0 and diff > 0:
            n = min(diff, -o.contracts)
            moved = n * o.multiplier if o.right is Right.PUT else -n * o.multiplier
            if (moved > 0 and share_gap >= moved - _EPS) or (moved < 0 and share_gap <= moved + _EPS):
                out.append(WheelEvent(EventKind.ASSIGN, s.underlying, sym, contracts=n,
                                      note="assignment inferred from holdings"))
                share_gap -= moved
            elif today >= o.expiry:
                out.append(WheelEvent(EventKind.EXPIRE, s.underlying, sym, contracts=n, note="expired"))
            else:
                out.append(WheelEvent(EventKind.BUY, s.underlying, sym, contracts=n,
                                      price=_mark(portfolio, sym, o.premium), multiplier=o.multiplier,
                                      note="closed outside the strategy"))
        elif sym in positions:
            out.append(_fill(positions[sym], diff, "unseen fill"))
        else:
            out.append(WheelEvent(EventKind.SELL if diff < 0 else EventKind.BUY, s.underlying, sym,
                                  contracts=abs(diff), price=_mark(portfolio, sym, o.premium),
                                  multiplier=o.multiplier, note="unseen fill"))
    return out


def _fill(p: Position, signed: float, note: str) -> WheelEvent:
    """An unseen option fill of ``signed`` contracts of ``p`` at its average price."""
    if p.right is None or p.strike is None or p.expiry is None:
        raise ValueError(f"{p.symbol}: option holding without right, strike or expiry")
    return WheelEvent(EventKind.SELL if signed < 0 else EventKind.BUY, p.underlying, p.symbol,
                      contracts=abs(signed), price=abs(p.cost_basis), right=p.right, strike=p.strike,
                      expiry=p.expiry, multiplier=p.multiplier, note=note)
