"""The engine's books: cash, positions, the trade log, fees, premium and realised option P&L.

Accounting (the project's own, see ARCHITECTURE rule 7):

* ``cash`` moves with premiums, stock trades, commissions, settlements, dividends and interest;
* ``reserved_cash`` is strike x multiplier x contracts of every open short put (a cash-secured put locks that
  much cash); ``free_cash = cash - reserved_cash``;
* equity (total value) is cash + shares x price + option contracts x mark x multiplier, marks are per share.

Option settlement: American (equity) options deliver shares at the strike; European (index) options are
cash-settled at intrinsic value. A settled or closed option's round-trip P&L (premiums, closing cost or
intrinsic value paid, commissions) is kept for the win rate and the attribution.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from domain.types import AssetKind, OptionQuote, PortfolioState, Position, Right, Style

ACTIONS = (
    "sell_to_open", "buy_to_close", "buy_to_open", "sell_to_close", "expired", "assigned", "called_away",
    "exercised", "buy_stock", "sell_stock",
)  # fmt: skip
"""Trade-log actions. The strategy uses the first two and the settlement actions; the long-option actions
exist so that any order a stage emits is booked correctly."""

@dataclass(frozen=True, slots=True)
class TradeRow:
    """One line of ``trades.csv``. ``quantity`` is signed (contracts for options, shares for stock);
    ``price`` is per share: the fill price, the strike for a physical delivery, the intrinsic value paid or
    received for a cash settlement, 0 for an expiry. ``cash`` and ``reserved_cash`` are after the trade."""

    time: datetime
    underlying: str
    symbol: str
    right: str
    strike: float | None
    expiry: date | None
    action: str
    quantity: float
    price: float
    fees: float
    cash: float
    reserved_cash: float
    reason: str
    premium: float = 0.0
    candidate_id: str | None = None
    multiplier: int = 1
    cash_settled: bool = False


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    """A finished option round trip: net cash of every trade in it (premiums, costs, commissions), USD."""

    symbol: str
    underlying: str
    right: str
    opened: datetime
    closed: datetime
    pnl: float
    premium: float


class Ledger:
    """Mutable books of one simulation; every change goes through a method that logs it."""

    def __init__(self, cash: float) -> None:
        self.cash = float(cash)
        self.positions: dict[str, Position] = {}
        self.trades: list[TradeRow] = []
        self.closed: list[ClosedTrade] = []
        self.fees = 0.0
        self.premium_collected = 0.0
        self.dividends = 0.0
        self.interest = 0.0
        self.sectors: dict[str, str] = {}  # underlying -> sector, stamped on new positions
        self._flow: dict[str, float] = {}  # net cash of the open round trip per option symbol
        self._premium: dict[str, float] = {}

    # ----- views -----------------------------------------------------------------------------------------
    def reserved_cash(self) -> float:
        return sum(p.reserved_cash() for p in self.positions.values())

    def free_cash(self) -> float:
        return self.cash - self.reserved_cash()

    def shares(self, underlying: str) -> float:
        p = self.positions.get(underlying)
        return p.quantity if p is not None and p.kind is AssetKind.STOCK else 0.0

    def options(self) -> list[Position]:
        return [p for p in self.positions.values() if p.is_option]

    def equity(self, marks: dict[str, float]) -> float:
        """Cash plus every position at ``marks`` (symbol -> price per share); a missing mark is an error."""
        value = self.cash
        for p in self.positions.values():
            value += p.quantity * p.multiplier * marks[p.symbol]
        return value

    def state(self, as_of: datetime, marks: dict[str, float]) -> PortfolioState:
        held = tuple(sorted(self.positions.values(), key=lambda p: p.symbol))
        prices = {p.symbol: marks[p.symbol] for p in held}
        return PortfolioState(cash=self.cash, total_value=self.equity(marks), positions=held, as_of=as_of,
                              prices=prices)

    # ----- trades ----------------------------------------------------------------------------------------
    def trade_option(self, when: datetime, quote: OptionQuote, quantity: float, price: float, fee: float,
                     reason: str = "", candidate_id: str | None = None, entry_regime: float | None = None,
                     sector: str | None = None) -> TradeRow:
        """Buy (quantity > 0) or sell (< 0) ``quantity`` contracts of ``quote``'s contract at ``price``."""
        held = self.positions.get(quote.symbol)
        before = held.quantity if held is not None else 0.0
        after = before + quantity
        opening = before == 0 or (before > 0) == (quantity > 0)
        if quantity < 0:
            action = "sell_to_open" if opening else "sell_to_close"
        else:
            action = "buy_to_open" if opening else "buy_to_close"
        if abs(after) > 1e-12 and before != 0 and (before > 0) != (after > 0):
            raise ValueError(f"{quote.symbol}: an order may close a position or open one, not flip it")
        mult = quote.multiplier
        self.cash -= quantity * price * mult + fee
        self.fees += fee
        self._flow[quote.symbol] = self._flow.get(quote.symbol, 0.0) - quantity * price * mult - fee
        premium = 0.0
        if action == "sell_to_open":
            premium = -quantity * price * mult
            self.premium_collected += premium
            self._premium[quote.symbol] = self._premium.get(quote.symbol, 0.0) + premium
        if held is None:
            held = Position(symbol=quote.symbol, underlying=quote.underlying, quantity=0.0, cost_basis=price,
                            kind=AssetKind.OPTION, right=quote.right, strike=quote.strike, expiry=quote.expiry,
                            multiplier=mult, style=quote.style, entry_time=when, entry_regime=entry_regime,
                            sector=sector or self.sectors.get(quote.underlying))
        basis = held.cost_basis
        if opening and after != 0:
            basis = (abs(before) * held.cost_basis + abs(quantity) * price) / abs(after)
        self._set(replace(held, quantity=after, cost_basis=basis), when)
        return self._log(when, quote.underlying, quote.symbol, quote.right.value, quote.strike, quote.expiry,
                         action, quantity, price, fee, reason, premium, candidate_id, mult)

    def trade_stock(self, when: datetime, underlying: str, quantity: float, price: float, fee: float,
                    reason: str = "") -> TradeRow:
        """Buy (quantity > 0) or sell (< 0) shares of ``underlying`` at ``price``."""
        self.cash -= quantity * price + fee
        self.fees += fee
        self._add_shares(underlying, quantity, price, when)
        action = "buy_stock" if quantity > 0 else "sell_stock"
        return self._log(when, underlying, underlying, "", None, None, action, quantity, price, fee, reason)

    def settle_option(self, when: datetime, symbol: str, underlying_price: float, reason: str,
                      contracts: float | None = None) -> TradeRow:
        """Expire, assign or exercise ``contracts`` (default: all) of the held option at ``underlying_price``.

        Out of the money (or at the money): ``expired`` at 0. In the money: a short is ``assigned`` (put) or
        ``called_away`` (call), a long is ``exercised``; American contracts deliver shares at the strike,
        European ones pay intrinsic value in cash.
        """
        pos = self.positions[symbol]
        assert pos.strike is not None and pos.right is not None
        qty = pos.quantity if contracts is None else contracts * (1 if pos.quantity > 0 else -1)
        intrinsic = max(underlying_price - pos.strike, 0.0) if pos.right is Right.CALL else max(
            pos.strike - underlying_price, 0.0)
        mult = pos.multiplier
        if intrinsic <= 0.0:
            action, price = "expired", 0.0
        else:
            if qty > 0:
                action = "exercised"
            else:
                action = "assigned" if pos.right is Right.PUT else "called_away"
            # Long calls and short puts end up buying shares; long puts and short calls deliver them.
            shares = qty * mult if pos.right is Right.CALL else -qty * mult
            if pos.style is Style.EUROPEAN:
                price = intrinsic
                self.cash += qty * intrinsic * mult
                self._flow[symbol] = self._flow.get(symbol, 0.0) + qty * intrinsic * mult
            else:
                price = pos.strike
                self.cash -= shares * pos.strike
                self._flow[symbol] = self._flow.get(symbol, 0.0) + qty * intrinsic * mult
                self._add_shares(pos.underlying, shares, pos.strike, when)
        self._set(replace(pos, quantity=pos.quantity - qty), when)
        return self._log(when, pos.underlying, symbol, pos.right.value, pos.strike, pos.expiry, action, -qty,
                         price, 0.0, reason, multiplier=mult,
                         cash_settled=pos.style is Style.EUROPEAN and action != "expired")

    # ----- cash events -----------------------------------------------------------------------------------
    def accrue_interest(self, amount: float) -> None:
        self.cash += amount
        self.interest += amount

    def pay_dividend(self, underlying: str, per_share: float) -> float:
        """Credit (debit for a short) ``per_share`` x shares held; returns the amount."""
        amount = self.shares(underlying) * per_share
        self.cash += amount
        self.dividends += amount
        return amount

    def split(self, underlying: str, ratio: float, when: datetime, rename: dict[str, str] | None = None) -> None:
        """Apply a split of ``ratio`` new shares per old share: shares x ratio at basis / ratio; options on
        the underlying get strike / ratio (to the cent, as adjusted contracts are listed) and, as the OCC
        adjusts them, contracts x ratio for a whole-number ratio or multiplier x ratio otherwise. ``rename``
        maps old option symbols to post-split ones."""
        rename = rename or {}
        for sym, p in list(self.positions.items()):
            if p.underlying != underlying:
                continue
            if p.kind is AssetKind.STOCK:
                self.positions[sym] = replace(p, quantity=p.quantity * ratio, cost_basis=p.cost_basis / ratio)
                continue
            assert p.strike is not None
            whole = abs(ratio - round(ratio)) < 1e-9
            new = replace(p, strike=round(p.strike / ratio, 2), cost_basis=p.cost_basis / ratio if whole else p.cost_basis,
                          quantity=p.quantity * ratio if whole else p.quantity,
                          multiplier=p.multiplier if whole else round(p.multiplier * ratio))
            new_sym = rename.get(sym, sym)
            del self.positions[sym]
            self.positions[new_sym] = replace(new, symbol=new_sym)
            for book in (self._flow, self._premium):
                if sym in book:
                    book[new_sym] = book.pop(sym)

    # ----- internals -------------------------------------------------------------------------------------
    def _add_shares(self, underlying: str, quantity: float, price: float, when: datetime) -> None:
        held = self.positions.get(underlying)
        before = held.quantity if held is not None else 0.0
        after = before + quantity
        if held is None:
            held = Position(symbol=underlying, underlying=underlying, quantity=0.0, cost_basis=price, entry_time=when,
                            sector=self.sectors.get(underlying))
        basis = held.cost_basis
        if before == 0 or ((before > 0) == (quantity > 0)):
            basis = (abs(before) * held.cost_basis + abs(quantity) * price) / abs(after) if after else price
        elif (before > 0) != (after > 0) and after != 0:
            basis = price  # the position flipped: what is left was opened at this price
        if abs(after) < 1e-9:
            self.positions.pop(underlying, None)
        else:
            self.positions[underlying] = replace(held, quantity=after, cost_basis=basis)

    def _set(self, pos: Position, when: datetime) -> None:
        if abs(pos.quantity) < 1e-9:
            self.positions.pop(pos.symbol, None)
            flow = self._flow.pop(pos.symbol, 0.0)
            premium = self._premium.pop(pos.symbol, 0.0)
            opened = pos.entry_time or when
            self.closed.append(ClosedTrade(pos.symbol, pos.underlying, pos.right.value if pos.right else "",
                                           opened, when, flow, premium))
        else:
            self.positions[pos.symbol] = pos

    def _log(self, when: datetime, underlying: str, symbol: str, right: str, strike: float | None,
             expiry: date | None, action: str, quantity: float, price: float, fee: float, reason: str,
             premium: float = 0.0, candidate_id: str | None = None, multiplier: int = 1,
             cash_settled: bool = False) -> TradeRow:
        row = TradeRow(when, underlying, symbol, right, strike, expiry, action, quantity, price, fee, self.cash,
                       self.reserved_cash(), reason, premium, candidate_id, multiplier, cash_settled)
        self.trades.append(row)
        return row
