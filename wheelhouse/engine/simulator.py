"""The simulation loop: sessions, steps, settlements, fills, invariants, records.

Each session, in order:

1. at the open: splits effective today restate holdings; dividends going ex today are paid on shares held;
   interest on cash (collateral included) accrues for the calendar days since the previous session at that
   session's rate (continuous compounding) when ``cash_interest`` is on;
2. at each step (one per session with daily data: the close): prices and the quotes of held contracts are
   read, and at the closing step held options settle (dividend-driven call exercise before tomorrow's
   ex-date, LEAN-style early assignment, expiry); then the policy decides and its orders fill (see
   ``fills``); the books' invariants are checked after every order that spends cash or reserves it and at
   the end of every step (a cash-settled call may leave cash short until the policy sells shares in the
   same step); the entry caps after every opening sale;
3. after the close: one row of equity, exposures and attribution is recorded.

Orders and fills at a step see only data stamped at or before the step's time. With daily data the policy
decides on the closing quotes and fills at them (a market-on-close simplification, documented in
``docs/engine.md``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from domain.config import StrategyConfig
from domain.types import AssetKind, ChainSnapshot, Greeks, MarketContext, OptionQuote, Position, Reference
from pricing.chain import analyse_quotes
from wheelhouse.engine import expiry, invariants
from wheelhouse.engine.context import ContextBuilder
from wheelhouse.engine.errors import EngineError
from wheelhouse.engine.fees import option_commission, stock_commission
from wheelhouse.engine.fills import fill_price
from wheelhouse.engine.ledger import ClosedTrade, Ledger, TradeRow
from wheelhouse.engine.market import Dividend, MarketData
from wheelhouse.engine.marks import MarkBook, OptionMark
from wheelhouse.engine.recorder import Recorder
from wheelhouse.engine.step import Order, Policy, Step

OSI = re.compile(r"^(?P<root>[A-Z0-9.]+?)\s*(?P<date>\d{6})(?P<right>[CP])(?P<strike>\d{8})$")


@dataclass
class SimulationResult:
    """Everything a report needs from one run of one policy."""

    policy: str
    trades: list[TradeRow]
    rows: list[dict[str, object]]
    closed: list[ClosedTrade]
    fees: float
    premium_collected: float
    interest: float
    dividends: float
    model_priced: bool
    data_description: str
    unfilled_orders: int = 0
    fallback_marks: int = 0
    notes: list[str] = field(default_factory=list)


class Simulator:
    """Runs one policy over ``[start, end]`` of ``data`` with ``config``; :meth:`run` returns the result."""

    def __init__(self, data: MarketData, config: StrategyConfig, policy: Policy, start: date, end: date,
                 underlyings: tuple[str, ...] | None = None,
                 on_session: Callable[[date], None] | None = None,
                 forecaster: Callable[..., float | None] | None = None) -> None:
        self.data = data
        self.config = config
        self.policy = policy
        self.underlyings = underlyings or config.general.underlyings
        self.days = data.trading_days(start, end)
        if not self.days:
            raise EngineError(f"no trading sessions between {start} and {end} in {data.description}")
        self.on_session = on_session
        self.ledger = Ledger(config.general.initial_cash)
        self.recorder = Recorder(self.ledger)
        self.marks = MarkBook()
        # A week on either side so that the first and last weeks can be told apart from holiday weeks.
        trading = frozenset(data.trading_days(self.days[0] - timedelta(days=7), self.days[-1] + timedelta(days=7)))
        self.context = ContextBuilder(data, config, self.underlyings, trading, forecaster)
        self._dividends: dict[date, list[Dividend]] = {}
        for u in self.underlyings:
            for d in data.dividends(u):
                self._dividends.setdefault(d.ex_date, []).append(d)
        self._splits = {(s.date, s.underlying): s.ratio for u in self.underlyings for s in data.splits(u)}
        self._prices: dict[str, float] = {}
        self._unfilled = 0
        self._pending: list[TradeRow] = []

    # ----- the loop --------------------------------------------------------------------------------------
    def run(self) -> SimulationResult:
        previous: date | None = None
        for i, day in enumerate(self.days):
            nxt = self.days[i + 1] if i + 1 < len(self.days) else None
            self._open(day, previous)
            steps = self.data.steps(day)
            marks: dict[str, OptionMark] = {}
            vix: float | None = None
            for j, as_of in enumerate(steps):
                marks, vix = self._step(day, as_of, j == len(steps) - 1, nxt)
            first = self._prices.get(self.underlyings[0])
            self.recorder.record(day, marks, self._prices, vix, {"underlying_price": first})
            previous = day
            if self.on_session is not None:
                self.on_session(day)
        self.policy.on_trades(None, self._drain())
        led = self.ledger
        return SimulationResult(
            policy=self.policy.name, trades=led.trades, rows=self.recorder.rows, closed=led.closed, fees=led.fees,
            premium_collected=led.premium_collected, interest=led.interest, dividends=led.dividends,
            model_priced=self.data.model_priced, data_description=self.data.description,
            unfilled_orders=self._unfilled, fallback_marks=self.marks.fallbacks,
        )

    def _open(self, day: date, previous: date | None) -> None:
        led = self.ledger
        for u in self.underlyings:
            ratio = self._splits.get((day, u))
            if ratio:
                led.split(u, ratio, datetime.combine(day, datetime.min.time()), split_symbols(led.options(), u, ratio))
                self.recorder.on_split(u, ratio)
                if u in self._prices:
                    self._prices[u] /= ratio
        for d in self._dividends.get(day, []):
            led.pay_dividend(d.underlying, d.amount)
        if previous is not None and self.config.backtest.cash_interest:
            rate = self.context.rate(previous)
            days = (day - previous).days
            led.accrue_interest(led.cash * math.expm1(rate * days / 365.0))

    def _step(self, day: date, as_of: datetime, at_close: bool,
              nxt: date | None) -> tuple[dict[str, OptionMark], float | None]:
        led = self.ledger
        for u in self.underlyings:
            price = self.data.price(u, as_of)
            if price is not None and math.isfinite(price) and price > 0:
                self._prices[u] = price
        raw: dict[str, ChainSnapshot | None] = {}
        analysed: dict[str, ChainSnapshot | None] = {}
        quotes: dict[str, OptionQuote] = {}
        rate = self.context.rate(day)
        div = self.config.general.dividend_yield

        def raw_chain(u: str) -> ChainSnapshot | None:
            if u not in raw:
                raw[u] = self.data.chain(u, as_of)
                if raw[u] is not None:
                    for q in raw[u].quotes:  # type: ignore[union-attr]
                        quotes.setdefault(q.symbol, q)
            return raw[u]

        def chain(u: str) -> ChainSnapshot | None:
            if u not in analysed:
                c = raw_chain(u)
                if c is not None and c.quotes and any(q.iv is None for q in c.quotes):
                    c = ChainSnapshot(c.underlying, c.underlying_price, c.as_of,
                                      tuple(analyse_quotes(c.quotes, as_of, rate, div)))
                analysed[u] = c
                if c is not None:
                    for q in c.quotes:
                        quotes[q.symbol] = q
            return analysed[u]

        held = led.options()
        # A model can price one contract for less than a whole chain; market data comes as chains.
        if not self.data.model_priced or getattr(self.policy, "uses_chains", True):
            for u in sorted({p.underlying for p in held}):
                raw_chain(u)
        for p in held:
            if p.symbol not in quotes and p.right is not None and p.strike is not None and p.expiry is not None:
                q = self.data.contract_quote(p.underlying, p.right, p.strike, p.expiry, as_of)
                if q is not None:
                    quotes[p.symbol] = q
        missing = [u for u in {p.underlying for p in led.positions.values()} if u not in self._prices]
        if missing:
            raise EngineError(f"{as_of:%Y-%m-%d %H:%M}: no price for held underlying(s) {', '.join(missing)}")
        if at_close:
            self._settle(day, as_of, quotes, nxt)
        marks = self.marks.mark(led.options(), quotes, self._prices, as_of, rate, div)
        refs: dict[str, Reference | None] = {}

        def market() -> MarketContext:
            for u in self.underlyings:
                ref = self.data.reference(u, day)
                refs[u] = ref
                if ref is not None and ref.sector:
                    led.sectors[u] = ref.sector
            return self.context.build(as_of, at_close, refs)

        def history(sessions: int) -> pd.DataFrame:
            return self.context.history_frame(day, sessions, at_close)

        def record_iv(values: Mapping[str, float]) -> None:
            self.context.record_iv(values, day)

        step = Step(as_of, day, at_close, nxt, dict(self._prices), led.state(as_of, self._mark_prices(marks)),
                    self.config, quotes, chain, raw_chain, market, history, record_iv)
        self.policy.on_trades(step, self._drain())
        orders = list(self.policy.decide(step))
        vix = step.market.vix if step._market_value is not None else self.context.vix(as_of, at_close)
        if orders:
            for order in orders:
                self._execute(order, step, quotes, marks, vix)
            marks = self.marks.mark(led.options(), quotes, self._prices, as_of, rate, div)
        invariants.check_books(led, as_of)
        return marks, vix

    def _drain(self) -> list[TradeRow]:
        out, self._pending = self._pending, []
        return out

    def _mark_prices(self, marks: dict[str, OptionMark]) -> dict[str, float]:
        out = {s: m.price for s, m in marks.items()}
        for p in self.ledger.positions.values():
            if p.kind is AssetKind.STOCK:
                out[p.symbol] = self._prices[p.underlying]
        return out

    # ----- settlement and fills --------------------------------------------------------------------------
    def _settle(self, day: date, as_of: datetime, quotes: dict[str, OptionQuote], nxt: date | None) -> None:
        led = self.ledger
        upcoming = {d.underlying: d.amount for d in self._dividends.get(nxt, [])} if nxt else {}
        rules = (
            expiry.dividend_exercises(led.options(), quotes, self._prices, upcoming),
            expiry.early_assignments(led.options(), quotes, day, self._prices),
        )
        done: set[str] = set()
        for settlements in rules:
            for s in settlements:
                if s.symbol in led.positions and s.symbol not in done:
                    self._pending.append(led.settle_option(as_of, s.symbol, s.underlying_price, s.reason))
                    done.add(s.symbol)
        for s in expiry.expiring(led.options(), day, self._prices):
            self._pending.append(led.settle_option(as_of, s.symbol, s.underlying_price, s.reason))

    def _execute(self, order: Order, step: Step, quotes: dict[str, OptionQuote], marks: dict[str, OptionMark],
                 vix: float | None) -> None:
        led, cfg, as_of = self.ledger, self.config, step.as_of
        if order.quantity == 0:
            return
        if order.is_stock:
            price = self._prices.get(order.underlying)
            if price is None:
                raise EngineError(f"{as_of:%Y-%m-%d}: stock order for {order.underlying} without a price")
            fee = stock_commission(order.quantity, price, cfg.backtest)
            self._pending.append(led.trade_stock(as_of, order.underlying, order.quantity, price, fee, order.reason))
            if order.quantity > 0:
                invariants.check_books(led, as_of)
            return
        legs = order.legs or ((order.symbol, 1),)
        leg_quotes = [invariants.check_quote(quotes.get(sym), sym, order.quantity * ratio, as_of,
                                             cfg.screen.max_quote_age_minutes) for sym, ratio in legs]
        unit_bid = sum(r * (q.bid if r > 0 else q.ask) for (_, r), q in zip(legs, leg_quotes, strict=True))
        unit_ask = sum(r * (q.ask if r > 0 else q.bid) for (_, r), q in zip(legs, leg_quotes, strict=True))
        price = fill_price(order.quantity, order.limit_price, unit_bid, unit_ask, cfg.backtest.slippage_pct_of_spread)
        if price is None:
            self._unfilled += 1
            return
        # A combo's fill is shared out over its legs: each leg at its mid, moved by an equal share of the
        # unit's distance from its mid (kept inside the leg's own quote).
        unit_mid = 0.5 * (unit_bid + unit_ask)
        weight = sum(abs(r) for _, r in legs)
        contracts = sum(abs(order.quantity * r) for _, r in legs)
        total_fee = option_commission(contracts, cfg.backtest)
        new_underlying = not any(p.underlying == order.underlying for p in led.options())
        for (sym, ratio), quote in zip(legs, leg_quotes, strict=True):
            qty = order.quantity * ratio
            leg_price = quote.mid + (price - unit_mid) * (1 if ratio > 0 else -1) / weight
            leg_price = min(max(leg_price, quote.bid), quote.ask)
            before = led.positions.get(sym)
            opening_sale = qty < 0 and (before is None or before.quantity < 0)
            fee = total_fee * abs(qty) / contracts
            self._pending.append(led.trade_option(as_of, quote, qty, leg_price, fee, order.reason,
                                                  order.candidate_id, order.entry_regime, order.sector))
            self.recorder.on_fill(quote.mid, leg_price, qty, quote.multiplier)
            if qty > 0 or opening_sale:
                invariants.check_books(led, as_of)
            if opening_sale and self.policy.enforce_entry_caps and not order.maintenance:
                # Positions opened earlier in this step have no mark yet: their quote's mid stands in.
                marks_now = dict(marks)
                for p in led.options():
                    if p.symbol not in marks_now:
                        q = quotes.get(p.symbol)
                        marks_now[p.symbol] = OptionMark(q.mid if q else p.cost_basis, None, Greeks(), False)
                state = led.state(as_of, self._mark_prices(marks_now))
                invariants.check_entry_caps(state, led.positions[sym], qty, new_underlying, cfg, vix, as_of)


def split_symbols(positions: Sequence[Position], underlying: str, ratio: float) -> dict[str, str]:
    """Post-split symbols of held options: the same OSI root and expiry, strike / ratio rounded to the cent
    (how the adjusted contracts are listed after a split, e.g. AAPL's 2014 7:1 split: 195 -> 27.86)."""
    out = {}
    for p in positions:
        m = OSI.match(p.symbol)
        if p.underlying == underlying and m and p.strike is not None:
            strike = round(p.strike / ratio, 2)
            out[p.symbol] = f"{m['root']:<6}{m['date']}{m['right']}{round(strike * 1000):08d}"
    return out


def run_policy(data: MarketData, config: StrategyConfig, policy: Policy, start: date, end: date,
               on_session: Callable[[date], None] | None = None) -> SimulationResult:
    """Convenience: simulate ``policy`` on ``data`` from ``start`` to ``end``."""
    return Simulator(data, config, policy, start, end, on_session=on_session).run()


__all__: Sequence[str] = ["SimulationResult", "Simulator", "run_policy"]
