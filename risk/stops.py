"""Stops and exits of short option positions: pure rules, one signal per rule that fires.

Each rule and its threshold (settings in parentheses; "at" means inclusive, "over/above" strict):

* ``stop_loss``: the mid has risen by at least ``stop_loss_pct`` of the premium received -> close;
  ``stop_warn`` at ``stop_warn_pct`` -> warn. Loss fraction = (mid - premium) / premium, the mid rather than
  the ask so a wide spread alone does not stop a position out.
* ``profit_take``: at least ``profit_take_pct`` of the credit captured (mid <= premium x (1 - pct)) -> close.
* ``manage_dte``: at ``manage_dte`` calendar days or fewer to expiry -> close (rolling is the
  construction stage's choice; risk only closes).
* ``vix_spike``: VIX at least ``vix_spike_pct`` above its level at entry -> close.
* ``iv_spike``: the contract's IV above ``iv_rv_spike_ratio`` x the underlying's 30-day realised vol
  (``market.realised_vol``) -> close.
* ``spread_widened``: spread over mid above (1 + ``spread_widen_pct``) x its value at entry -> close.
* ``ex_dividend``: a short call in the money whose extrinsic value (mid - (S - K)) is below the dividend,
  with the ex-dividend date after today and within ``ex_dividend_window_days`` and not after expiry ->
  close (early assignment would take the shares the day before the ex-date).

Long options and stock have no stops here (the wheel's shares are managed by covered calls and the limits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from domain.config import StrategyConfig
from domain.types import MarketContext, OptionQuote, Position

EPS = 1e-9
"""Inclusive thresholds fire within this of the level: prices in cents must not miss a stop by rounding."""


@dataclass(frozen=True, slots=True)
class EntryRecord:
    """What the gate saw when a position first appeared: VIX and the spread over mid (None if unknown)."""

    vix: float | None = None
    spread_pct: float | None = None
    time: str = ""
    iv: float | None = None
    """The contract's latest IV solved from its own quote (a fallback when a later step has no quote)."""


@dataclass(frozen=True, slots=True)
class StopSignal:
    """A rule that fired: ``action`` is ``close`` or ``warn``; ``value`` vs ``threshold`` in the rule's unit."""

    symbol: str
    rule: str
    action: str
    value: float
    threshold: float
    reason: str


def usable(quote: OptionQuote | None) -> bool:
    """A quote a price rule may read: ask positive, bid not negative, not crossed."""
    return quote is not None and quote.ask > 0 and quote.bid >= 0 and quote.bid <= quote.ask


def evaluate(position: Position, quote: OptionQuote | None, market: MarketContext, entry: EntryRecord | None,
             config: StrategyConfig, iv: float | None = None) -> list[StopSignal]:
    """Every stop or exit rule that fires for ``position`` at ``market.as_of`` (empty for non-short-options)."""
    if not (position.is_option and position.quantity < 0):
        return []
    risk, port = config.risk, config.portfolio
    out: list[StopSignal] = []
    sym = position.symbol

    def fire(rule: str, action: str, value: float, threshold: float, reason: str) -> None:
        out.append(StopSignal(sym, rule, action, value, threshold, reason))

    as_of = market.as_of
    if position.expiry is not None:
        dte = (position.expiry - as_of.date()).days
        if dte <= port.manage_dte:
            fire("manage_dte", "close", dte, port.manage_dte, f"{dte} days to expiry <= {port.manage_dte}")
    entry_vix = position.entry_regime if position.entry_regime is not None else (entry.vix if entry else None)
    if market.vix is not None and entry_vix is not None and entry_vix > 0:
        rise = market.vix / entry_vix - 1.0
        if rise >= risk.vix_spike_pct - EPS:
            fire("vix_spike", "close", rise, risk.vix_spike_pct,
                 f"VIX {market.vix:.2f} is {rise:.0%} above {entry_vix:.2f} at entry")
    rv = market.realised_vol.get(position.underlying)
    if iv is not None and rv is not None and rv > 0 and iv > risk.iv_rv_spike_ratio * rv:
        fire("iv_spike", "close", iv / rv, risk.iv_rv_spike_ratio, f"IV {iv:.1%} > {risk.iv_rv_spike_ratio:g} x RV {rv:.1%}")
    if not usable(quote):
        fire("no_quote", "warn", 0.0, 0.0, "no usable quote: price stops not evaluated")
        return out
    assert quote is not None
    mid, premium = quote.mid, position.cost_basis
    if premium > 0:
        loss = (mid - premium) / premium
        if loss >= risk.stop_loss_pct - EPS:
            fire("stop_loss", "close", loss, risk.stop_loss_pct, f"mid {mid:.2f} is a {loss:.0%} loss on premium {premium:.2f}")
        elif loss >= risk.stop_warn_pct - EPS:
            fire("stop_warn", "warn", loss, risk.stop_warn_pct, f"mid {mid:.2f} is a {loss:.0%} loss on premium {premium:.2f}")
        captured = 1.0 - mid / premium
        if captured >= port.profit_take_pct - EPS:
            fire("profit_take", "close", captured, port.profit_take_pct, f"{captured:.0%} of the credit captured")
    if entry is not None and entry.spread_pct is not None and entry.spread_pct > 0 and quote.mid > 0:
        widen = quote.spread_pct() / entry.spread_pct - 1.0
        if widen > risk.spread_widen_pct:
            fire("spread_widened", "close", widen, risk.spread_widen_pct,
                 f"spread {quote.spread_pct():.1%} of mid, {widen:.0%} wider than {entry.spread_pct:.1%} at entry")
    out.extend(_ex_dividend(position, quote, market, config))
    return out


def _ex_dividend(position: Position, quote: OptionQuote, market: MarketContext,
                 config: StrategyConfig) -> list[StopSignal]:
    ref = market.reference.get(position.underlying)
    if not (position.is_short_call and ref and ref.ex_dividend_date and ref.dividend and position.strike):
        return []
    today = market.as_of.date()
    last = today + timedelta(days=config.risk.ex_dividend_window_days)
    if position.expiry is not None:
        last = min(last, position.expiry)
    if not today < ref.ex_dividend_date <= last:
        return []
    intrinsic = quote.underlying_price - position.strike
    if intrinsic <= 0:
        return []
    extrinsic = quote.mid - intrinsic
    if extrinsic >= ref.dividend:
        return []
    return [StopSignal(position.symbol, "ex_dividend", "close", extrinsic, ref.dividend,
                       f"in the money before ex-dividend {ref.ex_dividend_date}: extrinsic {extrinsic:.2f} "
                       f"< dividend {ref.dividend:.2f}")]

