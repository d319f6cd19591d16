"""One row per session: equity, cash, exposures, Greeks, sector exposure and the P&L attribution.

Exposures (signed, over equity; the units the risk settings use):

* ``net_delta``: dollar delta (option contracts x multiplier x delta x S, plus shares x S) over equity;
* ``gamma_exposure``: change of dollar delta for a 1 % move (contracts x multiplier x gamma x S^2 x 0.01)
  over equity;
* ``vega_exposure``: USD per volatility point (contracts x multiplier x vega) over equity;
* ``theta``: USD per calendar day (not divided by equity).

P&L attribution of each session's equity change, using the previous close's per-share Greeks of every option
then held (a Taylor expansion, so the parts add up to the change up to ``other``):

* ``delta``: underlying moves, delta x dS + gamma x dS^2 / 2 for options, plus shares x dS for stock;
* ``theta``: premium decay, theta per day x calendar days elapsed;
* ``vega``: volatility, vega x the change of the contract's implied vol in points;
* ``execution``: fills against the quote mid (the half-spread paid or earned);
* ``fees``, ``interest``, ``dividends``: as booked;
* ``other``: what is left (higher-order terms, settlement against the last mark, model-marked contracts).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from domain.types import AssetKind
from wheelhouse.engine.ledger import Ledger
from wheelhouse.engine.marks import OptionMark

PARTS = ("delta", "theta", "vega", "execution", "fees", "interest", "dividends", "other")


@dataclass(frozen=True, slots=True)
class _Held:
    quantity: float
    multiplier: int
    underlying: str
    spot: float
    iv: float | None
    delta: float
    gamma: float
    vega: float
    theta: float


class Recorder:
    """Collects the session rows of one simulation."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.rows: list[dict[str, object]] = []
        self.execution = 0.0
        self._held: dict[str, _Held] = {}
        self._shares: dict[str, tuple[float, float]] = {}
        self._last: dict[str, float] | None = None

    def on_fill(self, mid: float, fill: float, quantity: float, multiplier: int) -> None:
        """A fill at ``fill`` against a quote whose mid was ``mid``."""
        self.execution += (mid - fill) * quantity * multiplier

    def on_split(self, underlying: str, ratio: float) -> None:
        """Keep the previous close comparable after a split (prices and share counts restated)."""
        if underlying in self._shares:
            shares, price = self._shares[underlying]
            self._shares[underlying] = (shares * ratio, price / ratio)
        for sym, h in list(self._held.items()):
            if h.underlying == underlying:
                self._held[sym] = _Held(h.quantity, h.multiplier, h.underlying, h.spot / ratio, h.iv, h.delta,
                                        h.gamma, h.vega, h.theta)

    def record(self, session: date, marks: Mapping[str, OptionMark], prices: Mapping[str, float],
               vix: float | None, extra: Mapping[str, object] | None = None) -> dict[str, object]:
        ledger = self.ledger
        mark_prices = {s: m.price for s, m in marks.items()}
        for p in ledger.positions.values():
            if p.kind is AssetKind.STOCK:
                mark_prices[p.symbol] = prices[p.underlying]
        equity = ledger.equity(mark_prices)
        dollar_delta = gamma = vega = theta = 0.0
        sectors: dict[str, float] = defaultdict(float)
        held: dict[str, _Held] = {}
        shares: dict[str, tuple[float, float]] = {}
        for p in ledger.positions.values():
            spot = prices[p.underlying]
            if p.kind is AssetKind.STOCK:
                dollar_delta += p.quantity * spot
                shares[p.underlying] = (p.quantity, spot)
                if p.sector:
                    sectors[p.sector] += abs(p.quantity) * spot
                continue
            m = marks[p.symbol]
            size = p.quantity * p.multiplier
            dollar_delta += size * m.greeks.delta * spot
            gamma += size * m.greeks.gamma * spot * spot * 0.01
            vega += size * m.greeks.vega
            theta += size * m.greeks.theta
            held[p.symbol] = _Held(p.quantity, p.multiplier, p.underlying, spot, m.iv, m.greeks.delta,
                                   m.greeks.gamma, m.greeks.vega, m.greeks.theta)
            if p.sector and p.is_short_put:
                sectors[p.sector] += p.reserved_cash()
        parts = self._attribution(session, equity, marks, prices)
        scale = equity if equity > 0 else float("nan")
        row: dict[str, object] = {
            "date": session,
            "equity": equity,
            "cash": ledger.cash,
            "reserved_cash": ledger.reserved_cash(),
            "positions": len(ledger.positions),
            "net_delta": dollar_delta / scale,
            "gamma_exposure": gamma / scale,
            "vega_exposure": vega / scale,
            "theta": theta,
            "vix": vix,
            "premium_collected": ledger.premium_collected,
            "fees_total": ledger.fees,
            "sectors": {k: v / scale for k, v in sectors.items()},
        }
        row.update({f"pnl_{k}": v for k, v in parts.items()})
        row.update(extra or {})
        self.rows.append(row)
        self._held, self._shares = held, shares
        self._last = {"equity": equity, "fees": ledger.fees, "interest": ledger.interest,
                      "dividends": ledger.dividends, "ordinal": float(session.toordinal())}
        self.execution = 0.0
        return row

    def _attribution(self, session: date, equity: float, marks: Mapping[str, OptionMark],
                     prices: Mapping[str, float]) -> dict[str, float]:
        parts = dict.fromkeys(PARTS, 0.0)
        last = self._last
        if last is None:
            return parts
        days = session.toordinal() - last["ordinal"]
        for sym, h in self._held.items():
            spot = prices.get(h.underlying, h.spot)
            ds = spot - h.spot
            size = h.quantity * h.multiplier
            now = marks.get(sym)
            iv_now = now.iv if now is not None and now.iv is not None else h.iv
            parts["delta"] += size * (h.delta * ds + 0.5 * h.gamma * ds * ds)
            parts["theta"] += size * h.theta * days
            if h.iv is not None and iv_now is not None:
                parts["vega"] += size * h.vega * (iv_now - h.iv) * 100.0
        for u, (n, price) in self._shares.items():
            parts["delta"] += n * (prices.get(u, price) - price)
        ledger = self.ledger
        parts["execution"] = self.execution
        parts["fees"] = last["fees"] - ledger.fees
        parts["interest"] = ledger.interest - last["interest"]
        parts["dividends"] = ledger.dividends - last["dividends"]
        explained = sum(v for k, v in parts.items() if k != "other")
        parts["other"] = (equity - last["equity"]) - explained
        return parts
