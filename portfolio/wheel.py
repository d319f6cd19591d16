"""The wheel's lifecycle per underlying, persisted as JSON through a StateStore.

Stages (derived from what the book holds, never stored separately, so they cannot drift):

    CASH --sell put--> SHORT_PUT --assigned--> SHARES --sell call--> COVERED_CALL --called away--> CASH
    (a put that expires or is bought back returns to CASH; a call that expires or is bought back to SHARES)

Accounting per underlying (USD):

* ``cash_flow``: every cash movement the wheel caused (premiums in, buy-backs and fees out, stock bought at
  the strike on put assignment, stock sold at the strike when called away).
* A *cycle* runs from the first trade out of CASH until the book is flat again. ``premium`` is the net
  option premium of the current cycle (sales - buy-backs - fees) not yet consumed by share sales.
* **Adjusted cost basis** per share = (``stock_cost`` - ``premium``) / shares, where ``stock_cost`` is what
  the shares held cost (assignment strike x shares). This is the wheel's break-even: the premiums of the
  assigned put and of the calls written against the shares lower it. ``broker_basis`` = stock_cost / shares
  is what a broker shows.
* When shares leave (called away or sold), they take their proportional part of ``stock_cost`` and
  ``premium``; ``realised`` += proceeds - that part of (stock_cost - premium). When the book is flat again,
  the premium left (from puts that expired or were closed) is realised too. So whenever the book is flat,
  ``realised`` equals ``cash_flow``.

Example (multiplier 100): sell 1 put K=100 at 2.00 (cash +200, adjusted basis n/a), assigned (cash -10,000,
100 shares, basis 98.00), sell 1 call K=105 at 1.50 (cash +150, basis 96.50), called away (cash +10,500,
realised 850 = cash_flow, CASH).

Events are idempotent by state: an event that carries ``holding_after`` (the broker's contracts after the
fill) is ignored when the book already shows that holding, and an assignment of contracts the book no longer
holds does nothing. That is what lets fills and assignments arrive both from events and from
:func:`portfolio.wheel_sync.reconcile` (holdings) in either order without double counting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import date
from enum import StrEnum

from domain.state import StateStore
from domain.types import Right

WHEEL_KEY = "wheelhouse/wheel"
SCHEMA = 1
_HISTORY = 50


class Stage(StrEnum):
    CASH = "cash"
    SHORT_PUT = "short_put"
    SHARES = "shares"
    COVERED_CALL = "covered_call"


class EventKind(StrEnum):
    SELL = "sell"        # sell option contracts (to open, or to close a long)
    BUY = "buy"          # buy option contracts (to close a short)
    EXPIRE = "expire"    # contracts expired worthless
    ASSIGN = "assign"    # short contracts assigned: shares bought (put) or sold (call) at the strike
    STOCK = "stock"      # shares bought (+) or sold (-) outside an assignment


@dataclass(frozen=True, slots=True)
class WheelEvent:
    """One thing that happened to an underlying. ``contracts`` > 0 for option events; ``shares`` signed for
    STOCK events; ``price`` per share (option premium or stock price); ``fee`` USD (>= 0); ``multiplier`` the
    contract's (required to open an option; otherwise the held option's is used).

    ``holding_after`` is the broker's signed contracts of ``symbol`` after the event, when known.
    ``awaiting_shares`` marks an assignment reported before the holdings show it (LEAN can fire the
    assignment event before the shares appear): reconciliation then tolerates the lag (``when`` dates it).
    """

    kind: EventKind
    underlying: str
    symbol: str = ""
    contracts: float = 0.0
    price: float = 0.0
    fee: float = 0.0
    right: Right | None = None
    strike: float | None = None
    expiry: date | None = None
    multiplier: int | None = None
    shares: float = 0.0
    holding_after: float | None = None
    awaiting_shares: bool = False
    when: date | None = None
    note: str = ""


@dataclass(slots=True)
class OpenOption:
    """A held option: ``contracts`` signed (negative = short), ``premium`` average price per share."""

    symbol: str
    right: Right
    strike: float
    expiry: date
    contracts: float
    multiplier: int
    premium: float


@dataclass(slots=True)
class WheelState:
    """One underlying's wheel (see the module docstring for every field's meaning)."""

    underlying: str
    shares: float = 0.0
    stock_cost: float = 0.0
    premium: float = 0.0
    cash_flow: float = 0.0
    realised: float = 0.0
    cycles: int = 0
    pending_shares: float = 0.0
    pending: dict[str, float] = field(default_factory=dict)
    pending_since: date | None = None
    options: dict[str, OpenOption] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)

    @property
    def stage(self) -> Stage:
        if self.shares > 0:
            return Stage.COVERED_CALL if any(o.right is Right.CALL and o.contracts < 0
                                             for o in self.options.values()) else Stage.SHARES
        if any(o.right is Right.PUT and o.contracts < 0 for o in self.options.values()):
            return Stage.SHORT_PUT
        return Stage.CASH

    @property
    def cost_basis(self) -> float | None:
        """Adjusted cost basis per share (net of the cycle's premiums); None without shares."""
        return (self.stock_cost - self.premium) / self.shares if self.shares > 0 else None

    @property
    def broker_basis(self) -> float | None:
        return self.stock_cost / self.shares if self.shares > 0 else None

    @property
    def flat(self) -> bool:
        return self.shares == 0 and not self.options

    def short_contracts(self, symbol: str) -> float:
        o = self.options.get(symbol)
        return o.contracts if o is not None else 0.0


class WheelBook:
    """Every underlying's :class:`WheelState`; :meth:`apply` moves one through its lifecycle."""

    def __init__(self, states: dict[str, WheelState] | None = None) -> None:
        self.states: dict[str, WheelState] = states or {}

    def state(self, underlying: str) -> WheelState:
        return self.states.setdefault(underlying, WheelState(underlying))

    def cost_basis(self) -> dict[str, float]:
        """Adjusted basis per share by underlying, for the covered-call rule of construction."""
        return {u: s.cost_basis for u, s in self.states.items() if s.cost_basis is not None}

    # ----- events -----

    def apply(self, e: WheelEvent) -> WheelState:
        """Apply one event and return the underlying's state after it (idempotent by state, see module)."""
        s = self.state(e.underlying)
        if e.holding_after is not None and e.kind in (EventKind.SELL, EventKind.BUY) \
                and abs(s.short_contracts(e.symbol) - e.holding_after) < 1e-9:
            return s
        was_flat = s.flat
        if e.kind is EventKind.SELL:
            self._option_trade(s, e, -e.contracts)
        elif e.kind is EventKind.BUY:
            self._option_trade(s, e, e.contracts)
        elif e.kind is EventKind.EXPIRE:
            self._remove(s, e.symbol, e.contracts)
        elif e.kind is EventKind.ASSIGN:
            self._assign(s, e)
        elif e.kind is EventKind.STOCK:
            self._stock(s, e.shares, e.price, e.fee)
        if s.flat and not was_flat:
            s.realised += s.premium
            s.premium, s.stock_cost = 0.0, 0.0
            s.cycles += 1
        self._log(s, e)
        return s

    def _option_trade(self, s: WheelState, e: WheelEvent, signed: float) -> None:
        o = s.options.get(e.symbol)
        mult = e.multiplier if e.multiplier is not None else (o.multiplier if o is not None else None)
        if o is None and (e.right is None or e.strike is None or e.expiry is None or mult is None):
            raise ValueError(f"{e.symbol}: opening an option needs right, strike, expiry and multiplier")
        assert mult is not None
        cash = -signed * e.price * mult - e.fee
        s.cash_flow += cash
        s.premium += cash
        if o is None:
            assert e.right is not None and e.strike is not None and e.expiry is not None
            s.options[e.symbol] = OpenOption(e.symbol, e.right, e.strike, e.expiry, signed, mult, e.price)
            return
        new = o.contracts + signed
        if o.contracts * signed > 0:  # adding to the same side: average the premium
            o.premium = (o.premium * abs(o.contracts) + e.price * abs(signed)) / abs(new)
        elif new * o.contracts < 0:  # flipped side: the remainder opened at this price
            o.premium = e.price
        o.contracts = new
        if abs(new) < 1e-9:
            del s.options[e.symbol]

    @staticmethod
    def _remove(s: WheelState, symbol: str, contracts: float) -> float:
        """Take up to ``contracts`` (all when 0) off a held option; returns how many were taken."""
        o = s.options.get(symbol)
        if o is None:
            return 0.0
        n = abs(o.contracts) if contracts <= 0 else min(contracts, abs(o.contracts))
        o.contracts += n if o.contracts < 0 else -n
        if abs(o.contracts) < 1e-9:
            del s.options[symbol]
        return n

    def _assign(self, s: WheelState, e: WheelEvent) -> None:
        o = s.options.get(e.symbol)
        if o is None or o.contracts >= 0:
            return  # already applied (from holdings or an earlier event): nothing left to assign
        right, strike, mult = o.right, o.strike, o.multiplier
        n = self._remove(s, e.symbol, e.contracts)
        shares = n * mult if right is Right.PUT else -n * mult
        self._stock(s, shares, strike, e.fee)
        if e.awaiting_shares:
            s.pending[e.symbol] = s.pending.get(e.symbol, 0.0) + n
            s.pending_shares += shares
            s.pending_since = s.pending_since or e.when

    @staticmethod
    def _stock(s: WheelState, shares: float, price: float, fee: float) -> None:
        s.cash_flow += -shares * price - fee
        if shares > 0:
            s.stock_cost += shares * price + fee
            s.shares += shares
            return
        sold = min(-shares, s.shares)
        if s.shares > 0 and sold > 0:
            part = sold / s.shares
            cost, credit = s.stock_cost * part, s.premium * part
            s.realised += sold * price - fee - (cost - credit)
            s.stock_cost -= cost
            s.premium -= credit
            s.shares -= sold
        if -shares > sold:  # selling more than the book holds: book it as realised cash (no basis)
            s.realised += (-shares - sold) * price
        if abs(s.shares) < 1e-9:
            s.shares, s.stock_cost = 0.0, 0.0

    @staticmethod
    def _log(s: WheelState, e: WheelEvent) -> None:
        qty = e.shares if e.kind is EventKind.STOCK else e.contracts
        s.history.append(f"{e.kind.value} {e.symbol or s.underlying} {qty:g} @ {e.price:g} -> {s.stage.value}"
                         + (f" ({e.note})" if e.note else ""))
        del s.history[:-_HISTORY]

    # ----- persistence -----

    def to_json(self) -> str:
        doc = {"schema": SCHEMA, "underlyings": {u: _state_doc(s) for u, s in sorted(self.states.items())}}
        return json.dumps(doc, default=_encode, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> WheelBook:
        doc = json.loads(text)
        if doc.get("schema") != SCHEMA:
            raise ValueError(f"wheel state schema {doc.get('schema')!r} is not {SCHEMA}")
        states: dict[str, WheelState] = {}
        for u, raw in doc["underlyings"].items():
            options = {k: OpenOption(v["symbol"], Right(v["right"]), float(v["strike"]),
                                     date.fromisoformat(v["expiry"]), float(v["contracts"]), int(v["multiplier"]),
                                     float(v["premium"])) for k, v in raw.pop("options").items()}
            since = raw.pop("pending_since")
            states[u] = WheelState(**raw, options=options,
                                   pending_since=date.fromisoformat(since) if since else None)
        return cls(states)

    @classmethod
    def load(cls, store: StateStore, key: str = WHEEL_KEY) -> WheelBook:
        """The persisted book, or an empty one when nothing is stored yet."""
        text = store.read(key)
        return cls() if text is None else cls.from_json(text)

    def save(self, store: StateStore, key: str = WHEEL_KEY) -> None:
        store.save(key, self.to_json())


def _state_doc(s: WheelState) -> dict[str, object]:
    """``dataclasses.asdict(s)`` without its deep copies (the book is saved after every session)."""
    doc: dict[str, object] = {name: getattr(s, name) for name in _STATE_FIELDS}
    doc["options"] = {k: {name: getattr(o, name) for name in _OPTION_FIELDS} for k, o in s.options.items()}
    return doc


_STATE_FIELDS = tuple(f.name for f in fields(WheelState))
_OPTION_FIELDS = tuple(f.name for f in fields(OpenOption))


def _encode(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__}")
