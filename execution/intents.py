"""Idempotent order intents: deterministic ids, tags, and a ledger persisted through a StateStore.

* The **intent id** hashes (strategy, underlying, contract, action, as_of's *date*). The date, not the
  minute: every order is a day order, so a restart later the same day rebuilds the same id for the same
  decision and the ledger refuses it; the next day is a new decision.
* Every order's **tag** starts ``wh:<intent id>``; :func:`parse_tag` reads it back from a broker order.
* The **ledger** records an intent *before* it is submitted (status ``pending``), then ``working``,
  ``filled``, ``cancelled``, ``expired`` (gone unfilled, e.g. the day ended or the order was lost in a
  restart) or ``rejected``. Every change is saved at once.
* **Reconciliation** (on start and after a reconnect, before acting) matches open ledger records with the
  broker's open orders by tag: a record with an open order keeps working; one without is ``filled`` when
  the holdings moved by its quantity since it was recorded, else ``expired`` (never resent: its id stays
  in the ledger). Open broker orders with a ``wh:`` tag the ledger does not know are adopted, so they are
  never duplicated either; orders without the tag are reported and left alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from domain.state import StateStore
from domain.types import AssetKind, Position, Right

INTENTS_KEY = "wheelhouse/intents"
TAG_PREFIX = "wh:"
_TAG = re.compile(r"wh:([0-9a-f]{16})(?:\s+(\S+))?(?:\s+(\S+))?")
SCHEMA = 1


def intent_id(strategy: str, underlying: str, contract: str, action: str, as_of: date | datetime) -> str:
    """Deterministic 16-hex id of one order decision (``as_of`` enters as its date)."""
    day = as_of.date() if isinstance(as_of, datetime) else as_of
    raw = f"{strategy}|{underlying}|{contract}|{action}|{day.isoformat()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def make_tag(iid: str, action: str, strategy: str) -> str:
    """The order tag: ``wh:<id> <action> <strategy>`` (short enough for any broker's order reference)."""
    return f"{TAG_PREFIX}{iid} {action} {strategy}"


def parse_tag(tag: str | None) -> tuple[str, str, str] | None:
    """(intent id, action, strategy) from an order tag, or None when it is not one of ours."""
    m = _TAG.search(tag or "")
    return (m.group(1), m.group(2) or "", m.group(3) or "") if m else None


TARGET_PREFIX = "wh|"


def target_tag(kind: str, strategy: str, ref: str) -> str:
    """Tag of a LEAN ``PortfolioTarget`` made by construction: ``wh|<kind>|<strategy>|<ref>``.

    ``kind`` is ``entry`` (ref = candidate id), ``close`` (ref = a short reason) or ``roll`` (ref = roll id:
    both legs of a roll carry the same ref, so execution can send them as one combo).
    """
    return f"{TARGET_PREFIX}{kind}|{strategy}|{ref}"


def parse_target_tag(tag: str | None) -> tuple[str, str, str] | None:
    """(kind, strategy, ref) of a tag made by :func:`target_tag`; None for any other tag."""
    if not tag or not tag.startswith(TARGET_PREFIX):
        return None
    parts = tag[len(TARGET_PREFIX):].split("|", 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else None


@dataclass(frozen=True, slots=True)
class Leg:
    """One contract of an order and its signed ratio; the contract terms let working orders be counted as
    positions before they fill (see :meth:`IntentLedger.working_positions`)."""

    symbol: str
    ratio: int
    underlying: str = ""
    right: Right | None = None
    strike: float | None = None
    expiry: date | None = None
    multiplier: int | None = None


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """One day limit order to place (or placed): ``quantity`` signed units, ``limit_price`` per unit.

    A unit is one option (one leg, ratio 1) or a combo (price = sum of ratio x leg price). ``bid``/``ask``/
    ``mid`` are the unit's prices when last priced, ``worst`` the price it may never cross (slippage limit,
    natural side, credit rule), ``reprices`` the steps taken so far. See :mod:`execution.orders`.
    """

    intent_id: str
    tag: str
    underlying: str
    strategy: str
    action: str
    legs: tuple[Leg, ...]
    quantity: int
    limit_price: float
    bid: float
    ask: float
    mid: float
    worst: float
    tick: float
    multiplier: int
    as_of: datetime
    updated_at: datetime
    reprices: int = 0
    credit_only: bool = False
    time_in_force: str = "day"

    @property
    def is_combo(self) -> bool:
        return len(self.legs) > 1

    @property
    def symbol(self) -> str:
        """The (first) leg's contract."""
        return self.legs[0].symbol

    def leg_quantity(self, leg: Leg) -> int:
        return leg.ratio * self.quantity


class Status(StrEnum):
    PENDING = "pending"
    WORKING = "working"
    FILLED = "filled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REJECTED = "rejected"


OPEN = (Status.PENDING, Status.WORKING)


@dataclass(slots=True)
class IntentRecord:
    intent: OrderIntent
    status: Status = Status.PENDING
    order_ids: list[int] = field(default_factory=list)
    filled: dict[str, float] = field(default_factory=dict)
    holding_before: dict[str, float] = field(default_factory=dict)
    note: str = ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def complete(self) -> bool:
        return all(abs(self.filled.get(leg.symbol, 0.0)) >= abs(self.intent.leg_quantity(leg)) - 1e-9
                   for leg in self.intent.legs)


@dataclass(frozen=True, slots=True)
class BrokerOrder:
    """An open order as the broker reports it (converted by the host)."""

    order_id: int
    tag: str
    symbol: str
    underlying: str
    quantity: float
    filled: float = 0.0
    limit_price: float | None = None


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    resumed: tuple[str, ...] = ()
    filled: tuple[str, ...] = ()
    expired: tuple[str, ...] = ()
    adopted: tuple[str, ...] = ()
    foreign: tuple[int, ...] = ()


class IntentLedger:
    """Every order intent by id, persisted under ``key`` in ``store`` (None: memory only)."""

    def __init__(self, store: StateStore | None = None, key: str = INTENTS_KEY) -> None:
        self.store, self.key = store, key
        self.records: dict[str, IntentRecord] = {}
        self._encoded: dict[str, tuple[OrderIntent, str]] = {}
        text = store.read(key) if store is not None else None
        if text:
            self.records = _decode(text)

    def save(self) -> None:
        if self.store is not None:
            self.store.save(self.key, _encode(self.records, self._encoded))

    def seen(self, iid: str) -> bool:
        return iid in self.records

    def get(self, iid: str) -> IntentRecord | None:
        return self.records.get(iid)

    def open_records(self) -> list[IntentRecord]:
        return [r for r in self.records.values() if r.is_open]

    def by_order(self, order_id: int) -> IntentRecord | None:
        return next((r for r in self.records.values() if order_id in r.order_ids), None)

    def record(self, intent: OrderIntent, holding_before: Mapping[str, float]) -> IntentRecord:
        """Store an intent before it is submitted (raises if its id is already known)."""
        if intent.intent_id in self.records:
            raise ValueError(f"intent {intent.intent_id} is already recorded")
        rec = IntentRecord(intent, holding_before={leg.symbol: float(holding_before.get(leg.symbol, 0.0))
                                                   for leg in intent.legs})
        self.records[intent.intent_id] = rec
        self.save()
        return rec

    def submitted(self, iid: str, order_ids: Sequence[int]) -> None:
        rec = self.records[iid]
        rec.order_ids = sorted(set(rec.order_ids) | set(order_ids))
        rec.status = Status.WORKING
        self.save()

    def set_status(self, iid: str, status: Status, note: str = "") -> None:
        rec = self.records[iid]
        rec.status, rec.note = status, note or rec.note
        self.save()

    def update(self, intent: OrderIntent) -> None:
        """Store a repriced intent."""
        self.records[intent.intent_id].intent = intent
        self.save()

    def on_fill(self, order_id: int, symbol: str, fill_quantity: float) -> IntentRecord | None:
        """Book a fill of one of our orders; marks the intent filled once every leg is complete."""
        rec = self.by_order(order_id)
        if rec is None:
            return None
        rec.filled[symbol] = rec.filled.get(symbol, 0.0) + fill_quantity
        if rec.complete():
            rec.status = Status.FILLED
        self.save()
        return rec

    def reconcile(self, open_orders: Sequence[BrokerOrder], holdings: Mapping[str, float],
                  as_of: datetime) -> ReconcileReport:
        """Match open records with the broker's open orders and holdings (see the module docstring)."""
        ours: dict[str, list[BrokerOrder]] = {}
        foreign: list[int] = []
        for o in open_orders:
            parsed = parse_tag(o.tag)
            if parsed is None:
                foreign.append(o.order_id)
            else:
                ours.setdefault(parsed[0], []).append(o)
        resumed, filled, expired, adopted = [], [], [], []
        for rec in self.open_records():
            iid = rec.intent.intent_id
            orders = ours.pop(iid, [])
            if orders:
                rec.status = Status.WORKING
                rec.order_ids = sorted({o.order_id for o in orders} | set(rec.order_ids))
                rec.filled = {o.symbol: o.filled for o in orders}
                resumed.append(iid)
                continue
            rec.filled = {leg.symbol: holdings.get(leg.symbol, 0.0) - rec.holding_before.get(leg.symbol, 0.0)
                          for leg in rec.intent.legs}
            if rec.complete():
                rec.status, rec.note = Status.FILLED, "filled (seen in holdings)"
                filled.append(iid)
            else:
                rec.status, rec.note = Status.EXPIRED, "no open order at the broker"
                expired.append(iid)
        for iid, orders in sorted(ours.items()):
            if iid in self.records:  # a closed record with a live order: trust the broker
                rec = self.records[iid]
                rec.status = Status.WORKING
                rec.order_ids = sorted({o.order_id for o in orders})
                resumed.append(iid)
                continue
            self.records[iid] = _adopt(iid, orders, holdings, as_of)
            adopted.append(iid)
        self.save()
        return ReconcileReport(tuple(resumed), tuple(filled), tuple(expired), tuple(adopted), tuple(foreign))

    def working_positions(self) -> tuple[Position, ...]:
        """The unfilled part of every open intent as option positions (negative = still to sell).

        Construction must see orders that are working but not filled yet, or it would size new trades as if
        their cash and position slots were free: add these to the portfolio's positions before constructing.
        A working buy-to-close appears as a long position, so the short it closes keeps its reservation
        until the fill.
        """
        out: list[Position] = []
        for rec in self.open_records():
            for leg in rec.intent.legs:
                remaining = rec.intent.leg_quantity(leg) - rec.filled.get(leg.symbol, 0.0)
                if abs(remaining) < 1e-9 or leg.right is None or leg.multiplier is None:
                    continue
                out.append(Position(symbol=leg.symbol, underlying=leg.underlying or rec.intent.underlying,
                                    quantity=remaining, cost_basis=0.0, kind=AssetKind.OPTION, right=leg.right,
                                    strike=leg.strike, expiry=leg.expiry, multiplier=leg.multiplier))
        return tuple(out)

    def prune(self, as_of: datetime, keep_days: int = 7) -> int:
        """Forget closed records older than ``keep_days`` (their ids can no longer recur); returns how many."""
        cutoff = as_of.date() - timedelta(days=keep_days)
        old = [k for k, r in self.records.items() if not r.is_open and r.intent.as_of.date() < cutoff]
        for k in old:
            del self.records[k]
        if old:
            self.save()
        return len(old)


def _adopt(iid: str, orders: list[BrokerOrder], holdings: Mapping[str, float], as_of: datetime) -> IntentRecord:
    first = orders[0]
    parsed = parse_tag(first.tag) or (iid, "", "")
    qty = int(abs(first.quantity)) if len(orders) > 1 else int(first.quantity)
    legs = tuple(Leg(o.symbol, int(o.quantity / qty) if len(orders) > 1 and qty else 1) for o in orders)
    price = first.limit_price if first.limit_price is not None else 0.0
    # An adopted roll keeps the safe rule (never a debit): the settings it was placed under are unknown here.
    intent = OrderIntent(iid, first.tag, first.underlying, parsed[2], parsed[1], legs, qty, price, price, price,
                         price, price, 0.01, 1, as_of, as_of, 0, credit_only=parsed[1] == "roll")
    return IntentRecord(intent, Status.WORKING, sorted(o.order_id for o in orders),
                        {o.symbol: o.filled for o in orders},
                        {o.symbol: holdings.get(o.symbol, 0.0) - o.filled for o in orders}, "adopted from broker")


def _leg(raw: Mapping[str, Any]) -> Leg:
    right, expiry = raw.get("right"), raw.get("expiry")
    return Leg(symbol=raw["symbol"], ratio=int(raw["ratio"]), underlying=raw.get("underlying", ""),
               right=Right(right) if right else None, strike=raw.get("strike"),
               expiry=date.fromisoformat(expiry) if expiry else None,
               multiplier=int(raw["multiplier"]) if raw.get("multiplier") else None)


def _iso(v: object) -> object:
    if isinstance(v, datetime | date):
        return v.isoformat()
    raise TypeError(f"cannot store {type(v).__name__}")


_JSON = json.JSONEncoder(sort_keys=True, default=_iso)
_INTENT_FIELDS = tuple(f.name for f in fields(OrderIntent))
_LEG_FIELDS = tuple(f.name for f in fields(Leg))


def _intent_json(intent: OrderIntent) -> str:
    """``intent`` as the ledger stores it: every field by name (sorted), legs as a list of field dicts."""
    doc = {name: getattr(intent, name) for name in _INTENT_FIELDS}
    doc["legs"] = [{name: getattr(leg, name) for name in _LEG_FIELDS} for leg in intent.legs]
    return _JSON.encode(doc)


def _encode(records: Mapping[str, IntentRecord], cache: dict[str, tuple[OrderIntent, str]] | None = None) -> str:
    """The stored text: ``{"intents": {id: record}, "schema": 1}`` as ``json.dumps(..., sort_keys=True)`` of
    the records' fields would write it, assembled from pieces.

    Intents are immutable, so ``cache`` (intent id -> (intent, its text)) keeps each one's text until the
    record holds a different intent; the small mutable part of every record is encoded on each call.
    """
    enc = _JSON.encode
    parts = []
    for k, r in sorted(records.items()):
        hit = cache.get(k) if cache is not None else None
        if hit is not None and hit[0] is r.intent:
            intent = hit[1]
        else:
            intent = _intent_json(r.intent)
            if cache is not None:
                cache[k] = (r.intent, intent)
        parts.append(f'{enc(k)}: {{"filled": {enc(r.filled)}, "holding_before": {enc(r.holding_before)}, '
                     f'"intent": {intent}, "note": {enc(r.note)}, "order_ids": {enc(r.order_ids)}, '
                     f'"status": {enc(r.status)}}}')
    if cache is not None and len(cache) > len(records):
        for k in [k for k in cache if k not in records]:
            del cache[k]
    return f'{{"intents": {{{", ".join(parts)}}}, "schema": {enc(SCHEMA)}}}'


def _decode(text: str) -> dict[str, IntentRecord]:
    doc = json.loads(text)
    if doc.get("schema") != SCHEMA:
        raise ValueError(f"intent ledger schema {doc.get('schema')!r} is not {SCHEMA}")
    out: dict[str, IntentRecord] = {}
    for k, r in doc["intents"].items():
        i = dict(r["intent"])
        i["legs"] = tuple(_leg(leg) for leg in i["legs"])
        i["as_of"], i["updated_at"] = datetime.fromisoformat(i["as_of"]), datetime.fromisoformat(i["updated_at"])
        out[k] = IntentRecord(OrderIntent(**i), Status(r["status"]), list(r["order_ids"]), dict(r["filled"]),
                              dict(r["holding_before"]), r.get("note", ""))
    return out
