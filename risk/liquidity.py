"""Liquidity: spread over mid against the warn and reduce levels, and the daily average spread.

``spread_pct = (ask - bid) / mid``. Above ``liquidity_warn_spread`` a position or trade is flagged; above
``liquidity_reduce_spread`` a new trade is halved (rounded down, dropped at zero) and a held position is
reduced once to half its contracts (rounded up for the part closed), because a wide spread is what makes a
loser expensive to leave. The daily average spread of each held contract is the mean of the spreads seen
at the gate's steps that day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from domain.config.risk import RiskConfig
from domain.types import OptionQuote


@dataclass(frozen=True, slots=True)
class SpreadCheck:
    """``status``: ``ok``, ``warn``, ``reduce`` or ``no_quote`` (missing, crossed or non-positive mid)."""

    symbol: str
    spread_pct: float
    status: str


def check_spread(symbol: str, quote: OptionQuote | None, cfg: RiskConfig) -> SpreadCheck:
    if quote is None or quote.ask <= 0 or quote.bid < 0 or quote.bid > quote.ask:
        return SpreadCheck(symbol, math.inf, "no_quote")
    pct = quote.spread_pct()
    if pct > cfg.liquidity_reduce_spread:
        return SpreadCheck(symbol, pct, "reduce")
    if pct > cfg.liquidity_warn_spread:
        return SpreadCheck(symbol, pct, "warn")
    return SpreadCheck(symbol, pct, "ok")


def halve_entry(contracts: int) -> int:
    """Contracts left of a new trade in a contract whose spread is above the reduce level."""
    return contracts // 2


def reduce_held(contracts: int) -> int:
    """Contracts to close of a held position whose spread is above the reduce level (half, rounded up)."""
    return math.ceil(contracts / 2)


def add_sample(samples: dict[str, dict[str, list[float]]], day: str, symbol: str,
               spread_pct: float) -> dict[str, dict[str, list[float]]]:
    """``samples[day][symbol] = [sum, count]`` plus one observation; only ``day`` is kept (one day's data)."""
    today = {k: list(v) for k, v in samples.get(day, {}).items()}
    s = today.setdefault(symbol, [0.0, 0.0])
    s[0] += spread_pct
    s[1] += 1.0
    return {day: today}


def daily_average(samples: dict[str, dict[str, list[float]]]) -> dict[str, float]:
    """Mean spread over mid per symbol for the day held in ``samples``."""
    return {sym: s[0] / s[1] for day in samples.values() for sym, s in day.items() if s[1] > 0}
