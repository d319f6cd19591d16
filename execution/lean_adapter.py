"""LEAN adapter of execution: targets -> day limit orders with idempotent intent ids; fills -> wheel book."""

from __future__ import annotations

from AlgorithmImports import *

from domain.config import StrategyConfig
from domain.state import StateStore
from domain.types import OptionQuote, Right, Strategy, Target
from execution.intents import BrokerOrder, IntentLedger, OrderIntent, Status, parse_tag, parse_target_tag
from execution.orders import plan_orders, plan_roll, reprice
from portfolio.lean_adapter import chain_quotes
from portfolio.wheel import EventKind, WheelBook, WheelEvent


class LimitOrderExecutionModel(ExecutionModel):
    """Places day limit orders for options (never market orders), starting at mid, repricing toward the
    natural side within the slippage limit (``execution.orders``); every order's tag carries a deterministic
    intent id recorded in ``store`` *before* submission, so a restart never duplicates an order.

    On the first ``execute`` (and after :meth:`reconcile` is called on a reconnect) the ledger is reconciled
    with the open order tickets and holdings. Rolls (targets tagged ``roll``) go as one two-leg combo limit
    order when ``use_combo_rolls``. Option fills and assignments update the wheel book in ``store``;
    forward the algorithm's ``on_assignment_order_event`` to :meth:`on_assignment_order_event`.
    """

    def __init__(self, config: StrategyConfig, store: StateStore) -> None:
        super().__init__()
        self.config = config
        self.store = store
        self.ledger = IntentLedger(store)
        self.tickets: dict[str, list[OrderTicket]] = {}
        self.reconciled = False
        self.assignments: set[int] = set()

    def execute(self, algorithm: QCAlgorithm, targets: list[IPortfolioTarget]) -> None:
        if not self.reconciled:
            self.reconcile(algorithm)
        quotes, symbols = chain_quotes(algorithm)
        singles: list[Target] = []
        rolls: dict[str, list[Target]] = {}
        for t in targets:
            sec = algorithm.securities[t.symbol]
            pending = sum(float(k.quantity) - float(k.quantity_filled)
                          for k in algorithm.transactions.get_open_order_tickets(t.symbol))
            trade = int(round(float(t.quantity) - float(sec.holdings.quantity) - pending))
            info = parse_target_tag(str(t.tag))
            if trade == 0 or t.symbol.security_type != SecurityType.OPTION:
                continue
            target = Target(str(t.symbol.value), str(t.symbol.underlying.value), trade,
                            strategy=Strategy(info[1]) if info and info[1] in ("csp", "cc") else None)
            if info and info[0] == "roll" and self.config.portfolio.use_combo_rolls:
                rolls.setdefault(info[2], []).append(target)
            else:
                singles.append(target)
        now = algorithm.time
        intents = list(plan_orders(singles, quotes, self.config, now, self.ledger))
        for legs in rolls.values():
            if len(legs) != 2:  # a leg was dropped (e.g. by risk): closing alone is fine, opening alone is not
                intents += plan_orders([x for x in legs if x.quantity > 0], quotes, self.config, now, self.ledger)
                continue
            close, open_ = sorted(legs, key=lambda x: -x.quantity)
            made = plan_roll(close, open_, quotes, self.config, now, self.ledger)
            if isinstance(made, str):
                algorithm.debug(f"execution: roll not placed: {made}")
            else:
                intents.append(made)
        for intent in intents:
            self._submit(algorithm, intent, symbols)
        self._reprice(algorithm, quotes)

    def _submit(self, algorithm: QCAlgorithm, intent: OrderIntent, symbols: dict[str, Symbol]) -> None:
        legs = [symbols[leg.symbol] for leg in intent.legs]
        self.ledger.record(intent, {leg.symbol: float(algorithm.securities[s].holdings.quantity)
                                    for leg, s in zip(intent.legs, legs, strict=True)})
        props = OrderProperties()
        props.time_in_force = TimeInForce.DAY
        if intent.is_combo:
            tickets = list(algorithm.combo_limit_order([Leg.create(s, leg.ratio) for leg, s in zip(intent.legs, legs,
                                                        strict=True)], intent.quantity, intent.limit_price,
                                                       tag=intent.tag, order_properties=props))
        else:
            tickets = [algorithm.limit_order(legs[0], intent.quantity, intent.limit_price, tag=intent.tag,
                                             order_properties=props)]
        self.tickets[intent.intent_id] = tickets
        self.ledger.submitted(intent.intent_id, [int(k.order_id) for k in tickets])

    def _reprice(self, algorithm: QCAlgorithm, quotes: dict[str, OptionQuote]) -> None:
        for rec in self.ledger.open_records():
            tickets = self.tickets.get(rec.intent.intent_id)
            if not tickets:
                continue
            decision = reprice(rec.intent, quotes, self.config, algorithm.time)
            if decision.action == "cancel":
                for k in tickets:
                    k.cancel(decision.reason)
                self.ledger.set_status(rec.intent.intent_id, Status.CANCELLED, decision.reason)
            elif decision.action == "update":
                if decision.intent.limit_price != rec.intent.limit_price:
                    tickets[0].update_limit_price(decision.intent.limit_price, rec.intent.tag)
                self.ledger.update(decision.intent)

    def reconcile(self, algorithm: QCAlgorithm) -> None:
        """Match the ledger with the broker's open orders and holdings (on start and after a reconnect)."""
        tickets = list(algorithm.transactions.get_open_order_tickets())
        orders = [BrokerOrder(int(k.order_id), str(k.tag), str(k.symbol.value),
                              str(k.symbol.underlying.value) if k.symbol.has_underlying else str(k.symbol.value),
                              float(k.quantity), float(k.quantity_filled)) for k in tickets]
        holdings = {str(s.value): float(sec.holdings.quantity) for s, sec in algorithm.securities.items()}
        report = self.ledger.reconcile(orders, holdings, algorithm.time)
        for k in tickets:
            parsed = parse_tag(str(k.tag))
            if parsed is not None:
                self.tickets.setdefault(parsed[0], []).append(k)
        self.ledger.prune(algorithm.time)
        algorithm.log(f"execution: reconciled intents {report}")
        self.reconciled = True

    def on_order_event(self, algorithm: QCAlgorithm, order_event: OrderEvent) -> None:
        symbol, qty = order_event.symbol, float(order_event.fill_quantity)
        if order_event.status in (OrderStatus.CANCELED, OrderStatus.INVALID):
            rec = self.ledger.by_order(int(order_event.order_id))
            if rec is not None and rec.is_open:
                status = Status.CANCELLED if order_event.status == OrderStatus.CANCELED else Status.REJECTED
                self.ledger.set_status(rec.intent.intent_id, status, str(order_event.message))
        if qty == 0 or symbol.security_type != SecurityType.OPTION:
            return  # share legs of assignments are booked from the option leg or from the holdings
        if order_event.is_assignment:
            if int(order_event.order_id) in self.assignments:
                return
            self.assignments.add(int(order_event.order_id))
        else:
            self.ledger.on_fill(int(order_event.order_id), str(symbol.value), qty)
        sec = algorithm.securities[symbol]
        fee = float(order_event.order_fee.value.amount) if order_event.order_fee is not None else 0.0
        right = Right.CALL if symbol.id.option_right == OptionRight.CALL else Right.PUT
        kind = EventKind.ASSIGN if order_event.is_assignment else EventKind.SELL if qty < 0 else EventKind.BUY
        event = WheelEvent(kind, str(symbol.underlying.value), str(symbol.value), abs(qty), float(order_event.fill_price),
                           fee, right, float(symbol.id.strike_price), symbol.id.date.date(),
                           int(sec.symbol_properties.contract_multiplier),
                           holding_after=None if kind is EventKind.ASSIGN else float(sec.holdings.quantity),
                           awaiting_shares=order_event.is_assignment, when=algorithm.time.date())
        book = WheelBook.load(self.store)
        state = book.apply(event)
        book.save(self.store)
        algorithm.log(f"wheel: {state.underlying} {kind.value} {abs(qty):g} {symbol.value} -> {state.stage.value}")

    def on_assignment_order_event(self, algorithm: QCAlgorithm, assignment_event: OrderEvent) -> None:
        """LEAN's assignment hook, forwarded by the algorithm (idempotent with ``on_order_event``)."""
        self.on_order_event(algorithm, assignment_event)

    def on_securities_changed(self, algorithm: QCAlgorithm, changes: SecurityChanges) -> None:
        return None
