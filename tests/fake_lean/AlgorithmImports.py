"""A fake ``AlgorithmImports`` for adapter tests: just what the adapters use, with the stubs' names.

Every public name here must exist in quantconnect-stubs with the same spelling (tests/test_fake_lean.py checks
it). Behaviour is the minimum LEAN shows the adapters: insights are stored and cancellable, orders are
recorded, the object store is a dict.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from enum import IntEnum
from typing import Any


class Resolution(IntEnum):
    TICK = 0
    SECOND = 1
    MINUTE = 2
    HOUR = 3
    DAILY = 4


class SecurityType(IntEnum):
    BASE = 0
    EQUITY = 1
    OPTION = 2
    INDEX = 8
    INDEX_OPTION = 10


class OptionRight(IntEnum):
    CALL = 0
    PUT = 1


class OptionStyle(IntEnum):
    AMERICAN = 0
    EUROPEAN = 1


class InsightDirection(IntEnum):
    DOWN = -1
    FLAT = 0
    UP = 1


class InsightType(IntEnum):
    PRICE = 0
    VOLATILITY = 1


class OrderStatus(IntEnum):
    NEW = 0
    SUBMITTED = 1
    PARTIALLY_FILLED = 2
    FILLED = 3
    CANCELED = 5
    NONE = 6
    INVALID = 7
    CANCEL_PENDING = 8
    UPDATE_SUBMITTED = 9


class OrderField(IntEnum):
    LIMIT_PRICE = 0
    STOP_PRICE = 1


class OrderDirection(IntEnum):
    BUY = 0
    SELL = 1
    HOLD = 2


class DataNormalizationMode(IntEnum):
    RAW = 0
    ADJUSTED = 1
    SPLIT_ADJUSTED = 2


class DayOfWeek(IntEnum):
    SUNDAY = 0
    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6


class SecurityIdentifier:
    def __init__(self, symbol: str, strike_price: float = 0.0, date: _dt.datetime | None = None,
                 option_right: OptionRight = OptionRight.CALL, option_style: OptionStyle = OptionStyle.AMERICAN) -> None:
        self.symbol = symbol
        self.strike_price = strike_price
        self.date = date or _dt.datetime(2050, 12, 31)
        self.option_right = option_right
        self.option_style = option_style


class Symbol:
    """Equity or option symbol. Options carry ``underlying`` and an ``id`` with strike, expiry, right."""

    def __init__(self, value: str, security_type: SecurityType = SecurityType.EQUITY,
                 underlying: Symbol | None = None, id: SecurityIdentifier | None = None) -> None:
        self.value = value
        self.security_type = security_type
        self.underlying = underlying
        self.id = id or SecurityIdentifier(value)
        self.canonical = self

    @property
    def has_underlying(self) -> bool:
        return self.underlying is not None

    def __repr__(self) -> str:
        return self.value

    def __str__(self) -> str:
        return self.value

    def __hash__(self) -> int:
        return hash(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Symbol) and other.value == self.value

    @staticmethod
    def create(ticker: str, security_type: SecurityType, market: str, alias: str | None = None) -> Symbol:
        return Symbol(ticker, security_type)

    @staticmethod
    def create_option(underlying: Symbol, market: str, style: OptionStyle, right: OptionRight, strike: float,
                      expiry: _dt.datetime, alias: str | None = None) -> Symbol:
        tag = "C" if right == OptionRight.CALL else "P"
        value = f"{underlying.value:<6}{expiry:%y%m%d}{tag}{round(strike * 1000):08d}"
        return Symbol(value, SecurityType.OPTION, underlying,
                      SecurityIdentifier(underlying.value, strike, expiry, right, style))


class Insight:
    """Read-only insight as LEAN exposes it to Python."""

    def __init__(self, symbol: Symbol, period: _dt.timedelta, type: InsightType, direction: InsightDirection,
                 magnitude: float | None = None, confidence: float | None = None, source_model: str | None = None,
                 weight: float | None = None, tag: str = "") -> None:
        self._symbol = symbol
        self._period = period
        self._direction = direction
        self._magnitude = magnitude
        self._confidence = confidence
        self._weight = weight
        self._tag = tag
        self.source_model = source_model
        self.generated_time_utc = _dt.datetime(2000, 1, 1)
        self.close_time_utc = self.generated_time_utc + period

    symbol = property(lambda self: self._symbol)
    period = property(lambda self: self._period)
    direction = property(lambda self: self._direction)
    magnitude = property(lambda self: self._magnitude)
    confidence = property(lambda self: self._confidence)
    weight = property(lambda self: self._weight)
    tag = property(lambda self: self._tag)

    @staticmethod
    def price(symbol: Symbol, period: _dt.timedelta, direction: InsightDirection, magnitude: float | None = None,
              confidence: float | None = None, source_model: str | None = None, weight: float | None = None,
              tag: str = "") -> Insight:
        return Insight(symbol, period, InsightType.PRICE, direction, magnitude, confidence, source_model, weight, tag)

    def is_active(self, utc_time: _dt.datetime) -> bool:
        return utc_time < self.close_time_utc


class PortfolioTarget:
    def __init__(self, symbol: Symbol, quantity: float, tag: str = "") -> None:
        self.symbol = symbol
        self.quantity = quantity
        self.tag = tag

    def __repr__(self) -> str:
        return f"PortfolioTarget({self.symbol}, {self.quantity}, {self.tag!r})"


class SecurityChanges:
    def __init__(self, added: Iterable[Any] = (), removed: Iterable[Any] = ()) -> None:
        self.added_securities = list(added)
        self.removed_securities = list(removed)


class AlphaModel:
    def __init__(self) -> None:
        self.name = type(self).__name__

    def update(self, algorithm: QCAlgorithm, data: Slice) -> list[Insight]:
        return []

    def on_securities_changed(self, algorithm: QCAlgorithm, changes: SecurityChanges) -> None:
        return None


class PortfolioConstructionModel:
    def create_targets(self, algorithm: QCAlgorithm, insights: list[Insight]) -> list[PortfolioTarget]:
        return []

    def on_securities_changed(self, algorithm: QCAlgorithm, changes: SecurityChanges) -> None:
        return None


class RiskManagementModel:
    def manage_risk(self, algorithm: QCAlgorithm, targets: list[PortfolioTarget]) -> list[PortfolioTarget]:
        return []

    def on_securities_changed(self, algorithm: QCAlgorithm, changes: SecurityChanges) -> None:
        return None


class ExecutionModel:
    def execute(self, algorithm: QCAlgorithm, targets: list[PortfolioTarget]) -> None:
        return None

    def on_order_event(self, algorithm: QCAlgorithm, order_event: OrderEvent) -> None:
        return None

    def on_securities_changed(self, algorithm: QCAlgorithm, changes: SecurityChanges) -> None:
        return None


class OrderEvent:
    def __init__(self, order_id: int, symbol: Symbol, utc_time: _dt.datetime, status: OrderStatus,
                 direction: OrderDirection = OrderDirection.SELL, fill_price: float = 0.0,
                 fill_quantity: float = 0.0, order_fee: Any = None, message: str = "") -> None:
        self.order_id = order_id
        self.symbol = symbol
        self.utc_time = utc_time
        self.status = status
        self.direction = direction
        self.fill_price = fill_price
        self.fill_quantity = fill_quantity
        self.order_fee = order_fee
        self.message = message
        self.is_assignment = False


class ObjectStore:
    def __init__(self) -> None:
        self._data: dict[str, str] = {}

    def contains_key(self, path: str) -> bool:
        return path in self._data

    def read(self, path: str) -> str:
        return self._data[path]

    def save(self, path: str, text: str) -> bool:
        self._data[path] = text
        return True

    def delete(self, path: str) -> bool:
        return self._data.pop(path, None) is not None


class SymbolProperties:
    def __init__(self, contract_multiplier: float = 1.0, minimum_price_variation: float = 0.01,
                 lot_size: float = 1.0) -> None:
        self.contract_multiplier = contract_multiplier
        self.minimum_price_variation = minimum_price_variation
        self.lot_size = lot_size


class SecurityHolding:
    def __init__(self, quantity: float = 0.0, average_price: float = 0.0) -> None:
        self.quantity = quantity
        self.average_price = average_price

    @property
    def invested(self) -> bool:
        return self.quantity != 0


class Security:
    def __init__(self, symbol: Symbol, price: float = 0.0, bid_price: float = 0.0, ask_price: float = 0.0,
                 multiplier: float = 1.0, tick: float = 0.01) -> None:
        self.symbol = symbol
        self.price = price
        self.bid_price = bid_price
        self.ask_price = ask_price
        self.symbol_properties = SymbolProperties(multiplier, tick)
        self.holdings = SecurityHolding()
        self.fundamentals: Fundamental | None = None


class AssetClassification:
    def __init__(self, morningstar_sector_code: int = 0) -> None:
        self.morningstar_sector_code = morningstar_sector_code


class Fundamental:
    """Only the asset classification (Morningstar sector code) of LEAN's fundamental data."""

    def __init__(self, morningstar_sector_code: int = 0) -> None:
        self.asset_classification = AssetClassification(morningstar_sector_code)


class OptionContract:
    """One contract of an option chain; strike, expiry, right and style come from the symbol, as in LEAN."""

    def __init__(self, symbol: Symbol, bid_price: float, ask_price: float, underlying_last_price: float,
                 time: _dt.datetime, volume: int = 0, open_interest: float = 0.0, last_price: float = 0.0) -> None:
        self.symbol = symbol
        self.bid_price = bid_price
        self.ask_price = ask_price
        self.underlying_last_price = underlying_last_price
        self.time = time
        self.volume = volume
        self.open_interest = open_interest
        self.last_price = last_price

    @property
    def strike(self) -> float:
        return self.symbol.id.strike_price

    @property
    def expiry(self) -> _dt.datetime:
        return self.symbol.id.date

    @property
    def right(self) -> OptionRight:
        return self.symbol.id.option_right

    @property
    def style(self) -> OptionStyle:
        return self.symbol.id.option_style


class ConstantRiskFreeRateInterestRateModel:
    def __init__(self, risk_free_rate: float) -> None:
        self._rate = risk_free_rate

    def get_interest_rate(self, date: _dt.datetime) -> float:
        return self._rate


class SecurityPortfolioManager(dict):  # type: ignore[type-arg]
    """Holdings by symbol plus the account totals LEAN's portfolio exposes."""

    def __init__(self, cash: float = 0.0) -> None:
        super().__init__()
        self.cash = cash
        self.total_portfolio_value = cash
        self.total_margin_used = 0.0
        self.margin_remaining = cash


class InsightManager(list):  # type: ignore[type-arg]
    def cancel(self, insights: Iterable[Insight]) -> None:
        for insight in list(insights):
            if insight in self:
                self.remove(insight)

    def get_active_insights(self, utc_time: _dt.datetime) -> list[Insight]:
        return [i for i in self if i.is_active(utc_time)]


class OrderTicket:
    def __init__(self, order_id: int, symbol: Symbol, quantity: float, limit_price: float | None, tag: str) -> None:
        self.order_id = order_id
        self.quantity_filled = 0.0
        self.submit_request: SubmitOrderRequest | None = None
        self.symbol = symbol
        self.quantity = quantity
        self._limit_price = limit_price
        self.tag = tag
        self.status = OrderStatus.SUBMITTED

    def get(self, field: OrderField) -> float:
        if field == OrderField.LIMIT_PRICE and self._limit_price is not None:
            return self._limit_price
        raise ValueError(f"field {field!r} is not set on this ticket")

    def update_limit_price(self, limit_price: float, tag: str | None = None) -> None:
        self._limit_price = limit_price

    def cancel(self, tag: str | None = None) -> None:
        self.status = OrderStatus.CANCELED


class TimeInForce:
    DAY = "day"
    GOOD_TIL_CANCELED = "gtc"


class OrderProperties:
    def __init__(self) -> None:
        self.time_in_force: Any = TimeInForce.GOOD_TIL_CANCELED


class SubmitOrderRequest:
    def __init__(self, order_properties: OrderProperties | None, tag: str) -> None:
        self.order_properties = order_properties
        self.tag = tag


class Leg:
    """One leg of a combo order: symbol and signed ratio."""

    def __init__(self, symbol: Symbol, quantity: int, order_price: float | None = None) -> None:
        self.symbol = symbol
        self.quantity = quantity
        self.order_price = order_price

    @staticmethod
    def create(symbol: Symbol, quantity: int, limit_price: float | None = None) -> Leg:
        return Leg(symbol, quantity, limit_price)


class SecurityTransactionManager:
    def __init__(self) -> None:
        self.tickets: list[OrderTicket] = []

    def get_open_orders(self, symbol: Symbol | None = None) -> list[OrderTicket]:
        return [t for t in self.tickets if t.status in (OrderStatus.SUBMITTED, OrderStatus.NEW)
                and (symbol is None or t.symbol == symbol)]

    def get_open_order_tickets(self, filter: Symbol | Callable[[OrderTicket], bool] | None = None) -> list[OrderTicket]:
        """Open tickets, all of them or those of one symbol or passing a filter (LEAN's overloads)."""
        if isinstance(filter, Symbol):
            return self.get_open_orders(filter)
        return [t for t in self.get_open_orders() if filter is None or filter(t)]

    def cancel_open_orders(self, symbol: Symbol | None = None, tag: str | None = None) -> list[OrderTicket]:
        open_ = self.get_open_orders(symbol)
        for t in open_:
            t.cancel()
        return open_


class Command:
    """Base of a live command: LEAN calls ``run`` with the algorithm when the command arrives."""

    def run(self, algorithm: QCAlgorithm) -> bool | None:
        return None


class OptionChain(list):  # type: ignore[type-arg]
    def __init__(self, underlying: Any, contracts: Iterable[Any] = ()) -> None:
        super().__init__(contracts)
        self.underlying = underlying


class OptionFilterUniverse:
    """Records the filter calls a universe filter makes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def include_weeklys(self) -> OptionFilterUniverse:
        self.calls.append(("include_weeklys", ()))
        return self

    def strikes(self, min_strike: int, max_strike: int) -> OptionFilterUniverse:
        self.calls.append(("strikes", (min_strike, max_strike)))
        return self

    def expiration(self, min_expiry_days: int, max_expiry_days: int) -> OptionFilterUniverse:
        self.calls.append(("expiration", (min_expiry_days, max_expiry_days)))
        return self

    def contracts(self, contract_selector: Callable[[list[Any]], list[Any]]) -> OptionFilterUniverse:
        self.calls.append(("contracts", (contract_selector,)))
        return self


class Equity(Security):
    def set_data_normalization_mode(self, mode: DataNormalizationMode) -> None:
        self.data_normalization_mode = mode


class Option(Security):
    def set_filter(self, universe_func: Callable[[OptionFilterUniverse], OptionFilterUniverse]) -> None:
        self.filter_function = universe_func


class Slice:
    def __init__(self, time: _dt.datetime, option_chains: dict[Symbol, OptionChain] | None = None) -> None:
        self.time = time
        self.option_chains = option_chains or {}


class QCAlgorithm:
    """Algorithm double: clock, securities, portfolio, object store, parameters, orders and logs."""

    def __init__(self) -> None:
        self.time = _dt.datetime(2015, 12, 24, 10, 0)
        self.utc_time = self.time + _dt.timedelta(hours=5)
        self.live_mode = False
        self.securities: dict[Symbol, Security] = {}
        self.portfolio = SecurityPortfolioManager(100_000.0)
        self.object_store = ObjectStore()
        self.insights = InsightManager()
        self.transactions = SecurityTransactionManager()
        self.parameters: dict[str, str] = {}
        self.logs: list[str] = []
        self.models: dict[str, Any] = {}
        self.option_filters: dict[str, Callable[..., Any]] = {}
        self.current_slice = Slice(self.time)
        self.risk_free_interest_rate_model = ConstantRiskFreeRateInterestRateModel(0.01)

    def set_start_date(self, year: int, month: int, day: int) -> None:
        self.start_date = _dt.datetime(year, month, day)

    def set_end_date(self, year: int, month: int, day: int) -> None:
        self.end_date = _dt.datetime(year, month, day)

    def set_cash(self, starting_cash: float) -> None:
        self.portfolio.cash = starting_cash
        self.portfolio.total_portfolio_value = starting_cash

    def add_equity(self, ticker: str, resolution: Resolution | None = None) -> Equity:
        equity = Equity(Symbol(ticker))
        self.securities[equity.symbol] = equity
        return equity

    def add_option(self, underlying: str, resolution: Resolution | None = None) -> Option:
        canonical = Symbol(f"?{underlying}", SecurityType.OPTION, Symbol(underlying))
        option = Option(canonical, multiplier=100.0)
        self.securities[canonical] = option
        return option

    def add_command(self, command_type: type) -> None:
        self.models.setdefault("commands", []).append(command_type)

    def get_parameter(self, name: str, default_value: str | None = None) -> str | None:
        return self.parameters.get(name, default_value)

    def debug(self, message: str) -> None:
        self.logs.append(f"DEBUG {message}")

    def log(self, message: str) -> None:
        self.logs.append(f"LOG {message}")

    def error(self, message: str) -> None:
        self.logs.append(f"ERROR {message}")

    def set_alpha(self, alpha: AlphaModel) -> None:
        self.models["alpha"] = alpha

    def set_portfolio_construction(self, model: PortfolioConstructionModel) -> None:
        self.models["portfolio"] = model

    def set_risk_management(self, model: RiskManagementModel) -> None:
        self.models["risk"] = model

    def set_execution(self, model: ExecutionModel) -> None:
        self.models["execution"] = model

    def combo_limit_order(self, legs: list[Leg], quantity: int, limit_price: float, asynchronous: bool = False,
                          tag: str = "", order_properties: OrderProperties | None = None) -> list[OrderTicket]:
        """One ticket per leg (quantity = ratio x combo quantity); the limit price is the combo's."""
        return [self.limit_order(leg.symbol, leg.quantity * quantity, limit_price, asynchronous, tag, order_properties)
                for leg in legs]

    def limit_order(self, symbol: Symbol, quantity: float, limit_price: float, asynchronous: bool = False,
                    tag: str = "", order_properties: OrderProperties | None = None) -> OrderTicket:
        ticket = OrderTicket(len(self.transactions.tickets) + 1, symbol, quantity, limit_price, tag)
        ticket.submit_request = SubmitOrderRequest(order_properties, tag)
        self.transactions.tickets.append(ticket)
        return ticket
