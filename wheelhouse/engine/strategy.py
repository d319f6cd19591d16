"""The options-income strategy as an engine policy: the LEAN algorithm's pipeline, step by step.

At each step:

1. fills, settlements and assignments since the last step update the wheel book (``portfolio.wheel``, saved
   in the run's store) and close the intents they answer; the book is then reconciled with the holdings
   (``portfolio.wheel_sync.reconcile``), as the LEAN host does before every decision;
2. once per session (the first step at or after ``SCREEN_TIME``; with daily data, the close): every
   underlying's chain is screened together, today's 30-day ATM IV joins the IV history, the candidates are
   reviewed and construction sizes the survivors;
3. at every step: exits of held short options (profit take, management at ``manage_dte``, rolls);
4. the risk gate takes entries and exits together (it may drop, shrink or close; never add);
5. execution prices day limit orders (rolls as one combo when ``use_combo_rolls``), records each intent,
   and the engine fills them on the same step (``wheelhouse.engine.fills``).

Each entry's trade-log reason carries the screen score and facts, construction's sizing note and the
review's verdict and rationale.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time

from domain.types import Candidate, ReviewDecision, Right, Target
from execution.intents import OrderIntent
from portfolio.wheel import EventKind, WheelBook, WheelEvent
from portfolio.wheel_sync import reconcile
from wheelhouse.engine.ledger import TradeRow
from wheelhouse.engine.pipeline import Pipeline
from wheelhouse.engine.step import Order, Step

SCREEN_TIME = time(10, 0)
"""The LEAN alpha screens once a day at its first slice at or after 10:00; so does the engine."""


def wheel_event(row: TradeRow) -> WheelEvent | None:
    """The wheel book's view of one trade-log row (None for what the wheel does not track)."""
    u, sym, when, note = row.underlying, row.symbol, row.time.date(), row.reason[:80]
    if row.action in ("buy_stock", "sell_stock"):
        return WheelEvent(EventKind.STOCK, u, sym, shares=row.quantity, price=row.price, fee=row.fees, when=when,
                          note=note)
    n = abs(row.quantity)
    right = Right(row.right) if row.right else None

    def option(kind: EventKind, price: float, fee: float) -> WheelEvent:
        return WheelEvent(kind, u, sym, contracts=n, price=price, fee=fee, right=right, strike=row.strike,
                          expiry=row.expiry, multiplier=row.multiplier, when=when, note=note)

    if row.action in ("sell_to_open", "sell_to_close"):
        return option(EventKind.SELL, row.price, row.fees)
    if row.action in ("buy_to_close", "buy_to_open"):
        return option(EventKind.BUY, row.price, row.fees)
    if row.action == "expired":
        return WheelEvent(EventKind.EXPIRE, u, sym, contracts=n, when=when, note=note)
    if row.action in ("assigned", "called_away"):
        if row.cash_settled:  # no shares move: the short was bought back at its intrinsic value
            return option(EventKind.BUY, row.price, 0.0)
        return WheelEvent(EventKind.ASSIGN, u, sym, contracts=n, price=row.price, when=when, note=note)
    return None


def entry_reason(c: Candidate, d: ReviewDecision | None, target: Target) -> str:
    """Trade-log reason of an entry: screen facts, construction's note, the review's verdict."""
    q = c.quote
    delta = f"{q.greeks.delta:+.2f}" if q.greeks is not None else "n/a"
    ivp = f"{c.iv_percentile:.0f}" if c.iv_percentile is not None else "n/a"
    counts = {s: sum(v.status == s for v in c.verdicts) for s in ("pass", "n/a")}
    screen = (f"screen: {c.strategy.value} score {c.score:.1f}, yield {c.premium_yield:.1%}, delta {delta}, "
              f"IV pct {ivp}, {counts['pass']} rules passed, {counts['n/a']} n/a")
    review = "review: none"
    if d is not None:
        review = (f"review: {d.action.value} x{d.size_multiplier:g} confidence {d.confidence:.0f} [{d.source}] "
                  f"{d.rationale}")
    return f"{screen} | construction: {target.reason} | {review}"


class StrategyPolicy:
    """The strategy's policy over a :class:`Pipeline` (see the module docstring)."""

    name = "strategy"
    enforce_entry_caps = True
    uses_chains = True

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.config = pipeline.config
        self.store = pipeline.store
        self.book = WheelBook.load(self.store)
        self._screened_on: date | None = None
        self._open: dict[str, tuple[OrderIntent, set[str]]] = {}
        self.screens = 0
        self.candidates = 0
        self.review_sources: dict[str, int] = {}

    # ----- events ----------------------------------------------------------------------------------------
    def on_trades(self, step: Step | None, trades: Sequence[TradeRow]) -> None:
        for row in trades:
            event = wheel_event(row)
            if event is not None:
                self.book.apply(event)
        traded = {(row.symbol, row.time) for row in trades}
        for iid, (intent, symbols) in self._open.items():
            self.pipeline.done(iid, any((s, intent.as_of) in traded for s in symbols))
        self._open.clear()
        if step is not None:
            reconcile(self.book, step.portfolio, step.as_of)
        self.book.save(self.store)

    # ----- decisions -------------------------------------------------------------------------------------
    def decide(self, step: Step) -> list[Order]:
        p, as_of = self.pipeline, step.as_of
        portfolio, market = step.portfolio, step.market
        basis = self.book.cost_basis()
        entries: tuple[Target, ...] = ()
        why: dict[str, str] = {}
        sectors: dict[str, str | None] = {}
        if self._screened_on != step.session and (as_of.time() >= SCREEN_TIME or step.at_close):
            self._screened_on = step.session
            p.intents.prune(as_of)  # closed intents older than a week can never recur: keep the ledger small
            chains = [ch for u in self.config.general.underlyings
                      if (ch := step.raw_chain(u)) is not None and ch.quotes]
            if chains:
                result = p.screen(chains, portfolio, market)
                step.record_iv(result.atm_iv)
                self.screens += 1
                self.candidates += len(result.candidates)
                if result.candidates:
                    batch = p.review(result.candidates, portfolio, market)
                    self.review_sources[batch.source] = self.review_sources.get(batch.source, 0) + 1
                    built = p.construct(result.candidates, batch.decisions, portfolio, market, basis)
                    entries = built.targets
                    by_id = {c.id: c for c in result.candidates}
                    for t in entries:
                        c = by_id.get(t.candidate_id or "")
                        if c is not None:
                            why[t.symbol] = entry_reason(c, batch.decisions.get(c.id), t)
                            sectors[t.symbol] = c.sector
        for u in {q.underlying for q in step.quotes.values()} | {x.underlying for x in portfolio.options()}:
            step.raw_chain(u)  # exits may roll into any listed contract of a held underlying
        exits = p.exits(portfolio, step.quotes, as_of, basis)
        targets = list(entries) + list(exits.targets)
        if not targets and not portfolio.positions:
            return []
        risk = p.risk(targets, portfolio, step.quotes, market, step.history(self.config.risk.var_lookback_days + 1))
        allowed = list(risk.targets)
        rolls = self._rolls(exits, allowed)
        paired = {t.symbol for pair in rolls for t in pair}
        singles = [t for t in allowed if t.symbol not in paired] + list(risk.exits)
        for a in exits.actions:
            why.setdefault(a.symbol, f"exit: {a.reason}")
            if a.open is not None:
                why.setdefault(a.open.symbol, f"exit: {a.reason}")
        for t in risk.exits:
            why[t.symbol] = t.reason if t.reason.startswith("risk") else f"risk: {t.reason}"
        intents = p.plan(singles, step.quotes, as_of, rolls)
        held = {x.symbol: x.quantity for x in portfolio.positions}
        orders: list[Order] = []
        for intent in intents:
            p.placed(intent, held)
            symbols = {leg.symbol for leg in intent.legs}
            self._open[intent.intent_id] = (intent, symbols)
            first = intent.legs[0].symbol
            reason = why.get(first) or next((why[s] for s in symbols if s in why), intent.action)
            cid = next((t.candidate_id for t in entries if t.symbol == first), None)
            if intent.is_combo:
                orders.append(Order(first, intent.underlying, intent.quantity, intent.limit_price, reason=reason,
                                    legs=tuple((leg.symbol, leg.ratio) for leg in intent.legs),
                                    entry_regime=market.vix, maintenance=True))
            else:
                ratio = intent.legs[0].ratio
                orders.append(Order(first, intent.underlying, intent.quantity * ratio, intent.limit_price,
                                    reason=reason, candidate_id=cid, sector=sectors.get(first),
                                    entry_regime=market.vix, maintenance=cid is None))
        return orders

    @staticmethod
    def _rolls(exits: object, allowed: list[Target]) -> list[tuple[Target, Target]]:
        """Roll pairs whose two legs both passed risk unchanged (a cut leg is sent on its own)."""
        kept = {(t.symbol, t.quantity) for t in allowed}
        out = []
        for a in getattr(exits, "actions", ()):
            if a.open is not None and (a.close.symbol, a.close.quantity) in kept \
                    and (a.open.symbol, a.open.quantity) in kept:
                out.append((a.close, a.open))
        return out

    def finish(self) -> None:
        self.book.save(self.store)
        self.pipeline.save()
