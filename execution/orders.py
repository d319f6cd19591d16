"""Order pricing: day limit orders only, from mid toward the natural price in bounded steps.

Every order is priced per *unit*: a single option (one leg, ratio 1) or a combo whose unit is the sum of
``ratio x leg price`` over its legs (LEAN's combo convention: a roll of a short put is legs
(old +1, new -1) bought ``n`` times, so a net credit is a *negative* unit price). ``quantity`` is signed:
> 0 buys units, < 0 sells them.

For a unit with bid ``b``, ask ``a``, mid ``m`` and half-spread ``h = (a - b) / 2``, and gross premium ``g``
(sum of |ratio| x leg mid; a single option's mid), the k-th price (k = 0 at placement) is

    buy:  min(m + (limit_offset + k x reprice_step) x h,  a,  m + max_slippage_pct x g)
    sell: max(m - (limit_offset + k x reprice_step) x h,  b,  m - max_slippage_pct x g)

rounded to the tick *away* from the natural side (buys down, sells up) so rounding never adds slippage. The
tick is the quote's ``tick_size`` (the largest leg tick for combos). A roll with ``roll_for_credit_only``
additionally never pays more than minus one tick (it always keeps a net credit). An order is repriced every
``reprice_minutes`` at most ``max_reprices`` times, then cancelled ``reprice_minutes`` after the last step;
a day order that outlives its day is cancelled. Market and market-on-close orders are never produced.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain.config import StrategyConfig
from domain.types import OptionQuote, Target
from execution.intents import IntentLedger, Leg, OrderIntent, intent_id, make_tag

# Interactive Brokers rejects leg-limit combos of four or more legs; a roll needs two.
MAX_COMBO_LEGS = 3


@dataclass(frozen=True, slots=True)
class OrderPlan:
    intents: tuple[OrderIntent, ...]
    skipped: tuple[tuple[str, str], ...]  # (symbol or intent id, reason)


@dataclass(frozen=True, slots=True)
class RepriceDecision:
    action: str  # "hold", "update" or "cancel"
    intent: OrderIntent
    reason: str

    @property
    def changed(self) -> bool:
        return self.action == "update"


def _tick_round(price: float, tick: float, buy: bool) -> float:
    steps = price / tick
    n = math.floor(steps + 1e-9) if buy else math.ceil(steps - 1e-9)
    return round(n * tick, 10)


def quote_problem(q: OptionQuote | None, selling: bool) -> str | None:
    """Why a quote cannot price an order on this side (None when it can)."""
    if q is None:
        return "no quote"
    if not all(math.isfinite(x) for x in (q.bid, q.ask)):
        return "non-finite bid or ask"
    if q.ask <= 0 or q.bid < 0 or q.ask < q.bid:
        return f"bad quote (bid {q.bid:g}, ask {q.ask:g})"
    if selling and q.bid <= 0:
        return "zero bid: nothing to sell into"
    if not (q.tick_size > 0 and q.multiplier > 0):
        return "tick size or multiplier not positive"
    return None


def unit_book(legs: Sequence[Leg], quotes: Mapping[str, OptionQuote], buy: bool) -> tuple[float, float, float, float] | str:
    """(bid, ask, gross premium, tick) of one unit of ``legs``, or why it cannot be priced."""
    bid = ask = gross = 0.0
    tick = 0.0
    for leg in legs:
        q = quotes.get(leg.symbol)
        problem = quote_problem(q, selling=(leg.ratio < 0) == buy)
        if problem:
            return f"{leg.symbol}: {problem}"
        assert q is not None
        bid += leg.ratio * (q.bid if leg.ratio > 0 else q.ask)
        ask += leg.ratio * (q.ask if leg.ratio > 0 else q.bid)
        gross += abs(leg.ratio) * q.mid
        tick = max(tick, q.tick_size)
    return bid, ask, gross, tick


def step_price(bid: float, ask: float, gross: float, tick: float, buy: bool, k: int, config: StrategyConfig,
               credit_only: bool = False, combo: bool = False) -> tuple[float, float] | None:
    """The k-th limit price and the worst allowed price of a unit (see the module docstring); None when no
    price on the tick grid satisfies the bounds. A single option's price must be positive; a combo's may
    have either sign."""
    p = config.portfolio
    mid, half = 0.5 * (bid + ask), 0.5 * (ask - bid)
    move = min(p.limit_offset + k * p.reprice_step, 1.0) * half
    if buy:
        worst = min(ask, mid + p.max_slippage_pct * gross)
        if credit_only:
            worst = min(worst, -tick)
            if mid > worst:  # the market itself offers no credit: do not post a price it is far from
                return None
        price = _tick_round(min(mid + move, worst), tick, buy=True)
        ok = price <= worst + 1e-9 and (combo or price > 0)
    else:
        worst = max(bid, mid - p.max_slippage_pct * gross)
        price = _tick_round(max(mid - move, worst), tick, buy=False)
        ok = price >= worst - 1e-9 and (combo or price > 0)
    return (price, worst) if ok else None


def _leg(symbol: str, ratio: int, quotes: Mapping[str, OptionQuote]) -> Leg:
    q = quotes.get(symbol)
    if q is None:
        return Leg(symbol, ratio)
    return Leg(symbol, ratio, q.underlying, q.right, q.strike, q.expiry, q.multiplier)


def _make(legs: tuple[Leg, ...], quantity: int, strategy: str, action: str, underlying: str, contract: str,
          quotes: Mapping[str, OptionQuote], config: StrategyConfig, as_of: datetime,
          credit_only: bool) -> OrderIntent | str:
    if len(legs) > MAX_COMBO_LEGS:
        return f"{len(legs)} legs: brokers reject combos of 4 or more legs"
    buy = quantity > 0
    book = unit_book(legs, quotes, buy)
    if isinstance(book, str):
        return book
    bid, ask, gross, tick = book
    priced = step_price(bid, ask, gross, tick, buy, 0, config, credit_only, len(legs) > 1)
    if priced is None:
        return "no limit price within the slippage and credit limits"
    iid = intent_id(strategy, underlying, contract, action, as_of)
    mult = quotes[legs[0].symbol].multiplier
    return OrderIntent(iid, make_tag(iid, action, strategy), underlying, strategy, action, legs, quantity, priced[0],
                       bid, ask, 0.5 * (bid + ask), priced[1], tick, mult, as_of, as_of, 0, credit_only)


def plan(targets: Sequence[Target], quotes: Mapping[str, OptionQuote], config: StrategyConfig, as_of: datetime,
         intents: IntentLedger) -> OrderPlan:
    """Single-leg day limit orders for ``targets`` (``quantity`` = signed contracts), skipping any whose
    intent id the ledger already holds (placed before, e.g. before a restart) or that repeats in this call,
    and any without a valid quote. The ledger is not changed: record each intent before submitting it."""
    out: list[OrderIntent] = []
    skipped: list[tuple[str, str]] = []
    seen: set[str] = set()
    for t in targets:
        if t.quantity == 0:
            continue
        strategy = t.strategy.value if t.strategy is not None else "none"
        action = "buy" if t.quantity > 0 else "sell"
        made = _make((_leg(t.symbol, 1, quotes),), int(t.quantity), strategy, action, t.underlying, t.symbol, quotes,
                     config, as_of, False)
        if isinstance(made, str):
            skipped.append((t.symbol, made))
        elif made.intent_id in seen or intents.seen(made.intent_id):
            skipped.append((made.intent_id, "duplicate intent: already placed"))
        else:
            seen.add(made.intent_id)
            out.append(made)
    return OrderPlan(tuple(out), tuple(skipped))


def plan_orders(targets: Sequence[Target], quotes: Mapping[str, OptionQuote], config: StrategyConfig,
                as_of: datetime, intents: IntentLedger) -> tuple[OrderIntent, ...]:
    """The new order intents of :func:`plan` (skipped targets dropped)."""
    return plan(targets, quotes, config, as_of, intents).intents


def plan_roll(close: Target, open_: Target, quotes: Mapping[str, OptionQuote], config: StrategyConfig,
              as_of: datetime, intents: IntentLedger) -> OrderIntent | str:
    """One combo order rolling a short option: buy ``close`` back and sell ``open_`` (equal sizes), priced
    per unit as close price - open price (negative = net credit). Returns the reason when it cannot be
    placed or was placed already. With ``roll_for_credit_only`` the limit never goes above minus one tick."""
    n = int(close.quantity)
    if n <= 0 or int(open_.quantity) != -n:
        return "a roll buys n contracts back and sells n new ones"
    strategy = close.strategy.value if close.strategy is not None else "none"
    made = _make((_leg(close.symbol, 1, quotes), _leg(open_.symbol, -1, quotes)), n, strategy, "roll", close.underlying,
                 f"{close.symbol}>{open_.symbol}", quotes, config, as_of, config.portfolio.roll_for_credit_only)
    if isinstance(made, str):
        return made
    if intents.seen(made.intent_id):
        return "duplicate intent: already placed"
    return made


def reprice(intent: OrderIntent, quotes: Mapping[str, OptionQuote], config: StrategyConfig,
            as_of: datetime) -> RepriceDecision:
    """Next step of a working order at ``as_of``: hold until ``reprice_minutes`` passed since the last price,
    then step toward natural (at most ``max_reprices`` times), then cancel. A day order seen on a later day
    is cancelled. When the current quotes cannot price it, the order is held unchanged."""
    p = config.portfolio
    if as_of.date() > intent.as_of.date():
        return RepriceDecision("cancel", intent, "day order past its day")
    if as_of - intent.updated_at < timedelta(minutes=p.reprice_minutes):
        return RepriceDecision("hold", intent, "not due")
    if intent.reprices >= p.max_reprices:
        return RepriceDecision("cancel", intent, f"unfilled after {intent.reprices} repricings")
    buy = intent.quantity > 0
    book = unit_book(intent.legs, quotes, buy)
    if isinstance(book, str):
        return RepriceDecision("hold", intent, book)
    bid, ask, gross, tick = book
    k = intent.reprices + 1
    priced = step_price(bid, ask, gross, tick, buy, k, config, intent.credit_only, intent.is_combo)
    if priced is None:
        return RepriceDecision("cancel", intent, "no limit price within the slippage and credit limits")
    new = replace(intent, limit_price=priced[0], worst=priced[1], bid=bid, ask=ask, mid=0.5 * (bid + ask),
                  tick=tick, reprices=k, updated_at=as_of)
    return RepriceDecision("update", new, f"step {k}: {intent.limit_price:g} -> {priced[0]:g}")
