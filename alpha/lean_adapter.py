"""LEAN adapter of the screening alpha: slice -> chain snapshots -> screen -> one insight per candidate."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from AlgorithmImports import *

from algorithms.convert import find_symbol, portfolio_state, quote_from_contract
from alpha.reference import ReferenceSource, load_reference, morningstar_sector
from alpha.screen import ScreenResult, screen_many
from alpha.tags import insight_tag
from alpha.universe import keep_contract, universe_bands
from domain.config import StrategyConfig
from domain.state import StateStore
from domain.types import ChainSnapshot, MarketContext, OptionQuote, Reference

HISTORY_KEY = "wheelhouse/alpha/history"
"""Store key of the screen's IV history and closes (JSON)."""

REALISED_WINDOW = 21
"""Daily readings of the underlying (at screen time) behind the realised-vol regime proxy."""


def option_filter(config: StrategyConfig) -> Callable[[OptionFilterUniverse], OptionFilterUniverse]:
    """The ``set_filter`` function: weeklys included, the DTE band, deltas near the bands (alpha.universe)."""
    bands = universe_bands(config)

    def select(contracts: list[OptionUniverse]) -> list[OptionUniverse]:
        return [c for c in contracts
                if keep_contract(c.symbol.id.option_right == OptionRight.CALL, float(c.greeks.delta), bands)]

    def apply(universe: OptionFilterUniverse) -> OptionFilterUniverse:
        return universe.include_weeklys().expiration(bands.dte_lo, bands.dte_hi).contracts(select)

    return apply


class LeanFundamentalsSource:
    """Reference source over LEAN fundamentals: the sector (Morningstar code -> GICS name) of subscribed equities."""

    def __init__(self, algorithm: QCAlgorithm) -> None:
        self.algorithm = algorithm

    def get(self, underlying: str, as_of: date) -> Reference:
        symbol = find_symbol(self.algorithm, underlying)
        if symbol is None:
            return Reference(underlying)
        fundamentals = self.algorithm.securities[symbol].fundamentals
        if fundamentals is None:
            return Reference(underlying)
        code = fundamentals.asset_classification.morningstar_sector_code
        return Reference(underlying, sector=morningstar_sector(int(code)) if code else None)


class ScreeningAlphaModel(AlphaModel):
    """Emits ``InsightDirection.DOWN`` (sell) on each option contract that passes every screen.

    Contract: once a day, on the first slice at or after ``screen_time`` that carries option chains, ``update``
    converts each chain with ``algorithms.convert.quote_from_contract``, runs the pure screen at
    ``algorithm.time`` (which prices every quote with the project's pricing, not LEAN's Greeks) and returns one
    insight per candidate, best first, weight = score / 10, the candidate id and score in the tag
    (``alpha.tags``). ``last_result`` and ``last_market`` keep what the screen saw for the stages after it.
    The IV history (one 30-day ATM IV per underlying and day) and the realised-vol proxy are built from the
    screened chains, so they start empty: IV percentile/rank are unknown until enough days have passed.
    """

    def __init__(self, config: StrategyConfig, reference: ReferenceSource | None = None,
                 screen_time: time = time(10, 0), vix_symbol: Symbol | None = None,
                 store: StateStore | None = None) -> None:
        super().__init__()
        self.config = config
        self.name = "ScreeningAlphaModel"
        self.period = timedelta(days=1)
        self.reference = reference
        self.screen_time = screen_time
        self.vix_symbol = vix_symbol
        self.iv_history: dict[str, list[float]] = {}
        self.closes: dict[str, list[float]] = {}
        self.last_result: ScreenResult | None = None
        self.last_market: MarketContext | None = None
        self._screened_on: date | None = None
        self.store = store
        self._load_history()

    def update(self, algorithm: QCAlgorithm, data: Slice) -> list[Insight]:
        now = algorithm.time
        if now.time() < self.screen_time or self._screened_on == now.date():
            return []
        snapshots, symbols = self._snapshots(algorithm, data, now)
        if not snapshots:
            return []
        self._screened_on = now.date()
        market = self._market(algorithm, now, snapshots)
        result = screen_many(snapshots, portfolio_state(algorithm), market, self.config)
        self._record(result, snapshots)
        self.last_result, self.last_market = result, market
        return [
            Insight.price(symbols[c.quote.symbol], self.period, InsightDirection.DOWN, weight=c.score / 10.0,
                          tag=insight_tag(c))
            for c in result.candidates
        ]

    def _snapshots(self, algorithm: QCAlgorithm, data: Slice,
                   now: datetime) -> tuple[list[ChainSnapshot], dict[str, Symbol]]:
        snapshots: list[ChainSnapshot] = []
        symbols: dict[str, Symbol] = {}
        for _, chain in data.option_chains.items():
            quotes: list[OptionQuote] = []
            for contract in chain:
                quote = quote_from_contract(contract, algorithm, now)
                symbols[quote.symbol] = contract.symbol
                quotes.append(quote)
            if quotes:
                first = quotes[0]
                snapshots.append(ChainSnapshot(first.underlying, first.underlying_price, now, tuple(quotes)))
        return snapshots, symbols

    def _market(self, algorithm: QCAlgorithm, now: datetime, snapshots: list[ChainSnapshot]) -> MarketContext:
        general = self.config.general
        rate = (float(algorithm.risk_free_interest_rate_model.get_interest_rate(now)) if general.use_rate_file
                else general.risk_free_rate)
        vix: float | None = None
        if self.vix_symbol is not None and self.vix_symbol in algorithm.securities:
            level = float(algorithm.securities[self.vix_symbol].price)
            vix = level if level > 0 else None
        names = [s.underlying for s in snapshots]
        reference = load_reference(self.reference, names, now.date()) if self.reference is not None else {}
        return MarketContext(
            as_of=now, rate=rate, vix=vix,
            iv_history={u: tuple(self.iv_history.get(u, ())) for u in names},
            realised_vol={u: v for u in names if (v := self._realised(u)) is not None},
            reference=reference,
        )

    def _realised(self, underlying: str) -> float | None:
        """Annualised close-to-close volatility of the recorded daily readings (None with too few)."""
        closes = self.closes.get(underlying, [])[-(REALISED_WINDOW + 1):]
        if len(closes) <= REALISED_WINDOW:
            return None
        from pricing.vol import close_to_close

        return float(close_to_close(closes, window=REALISED_WINDOW).iloc[-1])

    def _record(self, result: ScreenResult, snapshots: list[ChainSnapshot]) -> None:
        for snap in snapshots:
            self.closes.setdefault(snap.underlying, []).append(snap.underlying_price)
        for und, iv in result.atm_iv.items():
            if math.isfinite(iv):
                self.iv_history.setdefault(und, []).append(iv)
        lookback = self.config.general.iv_lookback_days
        for series in (*self.iv_history.values(), *self.closes.values()):
            del series[:-lookback]
        if self.store is not None:
            self.store.save(HISTORY_KEY, json.dumps({"iv_history": self.iv_history, "closes": self.closes}))

    def _load_history(self) -> None:
        """IV history and closes survive restarts, so IV rank/percentile need not start from nothing."""
        text = self.store.read(HISTORY_KEY) if self.store is not None else None
        if not text:
            return
        try:
            saved = json.loads(text)
            self.iv_history = {str(k): [float(x) for x in v] for k, v in saved["iv_history"].items()}
            self.closes = {str(k): [float(x) for x in v] for k, v in saved["closes"].items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            self.iv_history, self.closes = {}, {}

    def on_securities_changed(self, algorithm: QCAlgorithm, changes: SecurityChanges) -> None:
        return None
