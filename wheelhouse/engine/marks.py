"""Marks and Greeks of held options, with a model fallback when a contract has no usable quote.

A held option is marked at its quote's mid, with IV solved from that mid and Greeks at that IV by
``pricing.chain`` (unless the quote already carries them). When the step has no quote for it (the chain's strike range moved
away, a day without a bar) it is marked with Black-Scholes-Merton at the current underlying price and the last
implied volatility seen for it (``pricing.bsm``); with no IV ever seen, at intrinsic value. Greeks per share
come from the quote when the pricing package filled them, else from the same BSM call. The number of
fallback marks is counted and reported. A quote analysed once is not analysed again at the same time, rate and
dividend yield (a step with orders marks its holdings twice, before and after the fills).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from domain.types import Greeks, OptionQuote, Position, Right
from pricing.bsm import bsm, year_fraction
from pricing.chain import analyse_quotes


@dataclass(frozen=True, slots=True)
class OptionMark:
    """One held option at one step: mid (or model) price per share, IV, per-share Greeks, and whether the
    mark came from the model fallback."""

    price: float
    iv: float | None
    greeks: Greeks
    fallback: bool


class MarkBook:
    """Remembers each contract's last IV so a missing quote can still be marked."""

    def __init__(self) -> None:
        self.last_iv: dict[str, float] = {}
        self.fallbacks = 0
        # symbol -> (quote, as_of, rate, div, the quote analysed with them), from the last call
        self._analysed: dict[str, tuple[OptionQuote, datetime, float, float, OptionQuote]] = {}

    def mark(self, positions: list[Position], quotes: Mapping[str, OptionQuote], prices: Mapping[str, float],
             as_of: datetime, rate: float, div: float) -> dict[str, OptionMark]:
        """Marks of every option in ``positions`` (``prices``: underlying -> price)."""
        out: dict[str, OptionMark] = {}
        unpriced: list[OptionQuote] = []
        model: list[Position] = []
        for p in positions:
            q = quotes.get(p.symbol)
            if q is None or not _usable(q):
                model.append(p)
            elif q.greeks is not None and q.iv is not None:
                out[p.symbol] = OptionMark(q.mid, q.iv, _finite(q.greeks), False)
            else:
                unpriced.append(q)
        if unpriced:
            # IV from the mid and Greeks at that IV, with the project's pricing (American where American).
            for q in self._analyse(unpriced, as_of, rate, div):
                if q.iv is not None and q.greeks is not None:
                    out[q.symbol] = OptionMark(q.mid, q.iv, _finite(q.greeks), False)
                else:
                    model.append(next(p for p in positions if p.symbol == q.symbol))
        for sym, m in out.items():
            if m.iv is not None and math.isfinite(m.iv):
                self.last_iv[sym] = m.iv
        if model:
            out.update(self._model(model, quotes, prices, as_of, rate, div))
        return out

    def _analyse(self, quotes: list[OptionQuote], as_of: datetime, rate: float,
                 div: float) -> list[OptionQuote]:
        """``analyse_quotes(quotes, as_of, rate, div)``, reusing the last call's result for the same quote
        object (quotes are frozen) at the same ``as_of``, ``rate`` and ``div``."""
        last = self._analysed

        def known(q: OptionQuote) -> OptionQuote | None:
            hit = last.get(q.symbol)
            same = hit is not None and hit[0] is q and hit[1] == as_of and hit[2] == rate and hit[3] == div
            return hit[4] if same else None  # type: ignore[index]

        found = [known(q) for q in quotes]
        fresh = iter(analyse_quotes([q for q, a in zip(quotes, found, strict=True) if a is None], as_of, rate, div))
        out = [a if a is not None else next(fresh) for a in found]
        self._analysed = {q.symbol: (q, as_of, rate, div, a) for q, a in zip(quotes, out, strict=True)}
        return out

    def _model(self, positions: list[Position], quotes: Mapping[str, OptionQuote], prices: Mapping[str, float],
               as_of: datetime, rate: float, div: float) -> dict[str, OptionMark]:
        n = len(positions)
        spot = np.array([prices[p.underlying] for p in positions], dtype=float)
        strike = np.array([p.strike for p in positions], dtype=float)
        t = np.array([year_fraction(as_of, p.expiry or as_of.date()) for p in positions], dtype=float)
        vol = np.array([self.last_iv.get(p.symbol, 0.0) for p in positions], dtype=float)
        call = np.array([p.right is Right.CALL for p in positions], dtype=bool)
        res = bsm(spot, strike, t, np.full(n, rate), np.full(n, div), vol, call)
        out: dict[str, OptionMark] = {}
        for i, p in enumerate(positions):
            g = Greeks(float(res.delta[i]), float(res.gamma[i]), float(res.vega[i]), float(res.theta[i]),
                       float(res.rho[i]))
            q = quotes.get(p.symbol)
            if q is not None and _usable(q):
                # A good quote whose IV cannot be solved (below intrinsic, say): market mid, model Greeks.
                out[p.symbol] = OptionMark(q.mid, self.last_iv.get(p.symbol), _finite(g), False)
                continue
            self.fallbacks += 1
            price = float(res.price[i])
            if not math.isfinite(price):
                price = max(spot[i] - strike[i], 0.0) if call[i] else max(strike[i] - spot[i], 0.0)
            out[p.symbol] = OptionMark(price, self.last_iv.get(p.symbol), _finite(g), True)
        return out


def _usable(q: OptionQuote) -> bool:
    return math.isfinite(q.bid) and math.isfinite(q.ask) and q.ask > 0 and 0 <= q.bid <= q.ask


def _finite(g: Greeks) -> Greeks:
    return Greeks(*(v if math.isfinite(v) else 0.0 for v in (g.delta, g.gamma, g.vega, g.theta, g.rho)))
