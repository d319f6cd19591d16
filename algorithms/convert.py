"""The one place LEAN objects become domain objects (and symbols go back).

Adapters call these functions; nothing else converts a LEAN contract or holding. Multiplier and tick size
come from the security's symbol properties, never a literal.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from AlgorithmImports import *

from domain import types as d
from domain.config import ConfigError, StrategyConfig, from_parameters, parameter_owner


def read_config(algorithm: QCAlgorithm, label: str = "Wheelhouse settings") -> StrategyConfig:
    """Every setting through ``get_parameter``; unset ones keep their defaults. A bad value stops the start
    with a message naming the parameter."""
    params: dict[str, str] = {}
    for name in parameter_owner():
        value = algorithm.get_parameter(name)
        if value is not None:
            params[name] = value
    try:
        return from_parameters(params)
    except ConfigError as exc:
        raise ValueError(f"{label}: {exc}") from None


def right_of(right: OptionRight) -> d.Right:
    return d.Right.CALL if right == OptionRight.CALL else d.Right.PUT


def style_of(style: OptionStyle) -> d.Style:
    return d.Style.EUROPEAN if style == OptionStyle.EUROPEAN else d.Style.AMERICAN


def quote_from_contract(contract: OptionContract, algorithm: QCAlgorithm, as_of: datetime) -> d.OptionQuote:
    """A LEAN option contract as the project's quote; IV and Greeks are left for the project's pricing.

    LEAN's ``contract.time`` is the last data time when known; otherwise the algorithm time stands in.
    """
    symbol = contract.symbol
    multiplier, tick = 100, 0.01
    if symbol in algorithm.securities:
        props = algorithm.securities[symbol].symbol_properties
        multiplier, tick = int(props.contract_multiplier), float(props.minimum_price_variation)
    quote_time = getattr(contract, "time", None) or as_of
    return d.OptionQuote(
        symbol=str(symbol.value),
        underlying=str(symbol.underlying.value),
        right=right_of(contract.right),
        strike=float(contract.strike),
        expiry=contract.expiry.date(),
        bid=float(contract.bid_price),
        ask=float(contract.ask_price),
        underlying_price=float(contract.underlying_last_price),
        quote_time=quote_time,
        style=style_of(contract.style),
        multiplier=multiplier,
        tick_size=tick,
        volume=float(contract.volume),
        open_interest=float(contract.open_interest),
        last=float(contract.last_price) if contract.last_price else None,
    )


def position_from_holding(algorithm: QCAlgorithm, symbol: Symbol) -> d.Position | None:
    """A held security as a domain position (None when flat)."""
    security = algorithm.securities[symbol]
    holding = security.holdings
    if holding.quantity == 0:
        return None
    props = security.symbol_properties
    if symbol.security_type == SecurityType.OPTION:
        return d.Position(
            symbol=str(symbol.value),
            underlying=str(symbol.underlying.value),
            quantity=float(holding.quantity),
            cost_basis=float(holding.average_price),
            kind=d.AssetKind.OPTION,
            right=right_of(symbol.id.option_right),
            strike=float(symbol.id.strike_price),
            expiry=symbol.id.date.date(),
            multiplier=int(props.contract_multiplier),
            style=style_of(symbol.id.option_style),
        )
    return d.Position(
        symbol=str(symbol.value),
        underlying=str(symbol.value),
        quantity=float(holding.quantity),
        cost_basis=float(holding.average_price),
        multiplier=int(props.contract_multiplier) or 1,
    )


def portfolio_state(algorithm: QCAlgorithm) -> d.PortfolioState:
    """Cash, value, holdings and marks of the LEAN portfolio at the algorithm's time."""
    positions: list[d.Position] = []
    prices: dict[str, float] = {}
    for symbol in list(algorithm.securities.keys()):
        pos = position_from_holding(algorithm, symbol)
        prices[str(symbol.value)] = float(algorithm.securities[symbol].price)
        if pos is not None:
            positions.append(pos)
    return d.PortfolioState(
        cash=float(algorithm.portfolio.cash),
        total_value=float(algorithm.portfolio.total_portfolio_value),
        positions=tuple(positions),
        as_of=algorithm.time,
        prices=prices,
    )


def target_from_lean(algorithm: QCAlgorithm, target: IPortfolioTarget) -> d.Target:
    """A LEAN portfolio target (a wanted *holding*) as the domain's trade: quantity = target - holding.

    Options carry right, strike, expiry and the security's multiplier; stock is traded in shares
    (multiplier 1). The target's tag is kept as the reason.
    """
    symbol = target.symbol
    security = algorithm.securities[symbol] if symbol in algorithm.securities else None
    held = float(security.holdings.quantity) if security is not None else 0.0
    trade = int(round(float(target.quantity) - held))
    if symbol.security_type == SecurityType.OPTION:
        option = d.Target(symbol=str(symbol.value), underlying=str(symbol.underlying.value), quantity=trade,
                          right=right_of(symbol.id.option_right), strike=float(symbol.id.strike_price),
                          expiry=symbol.id.date.date(), reason=str(target.tag or ""))
        if security is None:  # unsubscribed: the domain's standard contract
            return option
        return replace(option, multiplier=int(security.symbol_properties.contract_multiplier))
    return d.Target(symbol=str(symbol.value), underlying=str(symbol.value), quantity=trade, multiplier=1,
                    reason=str(target.tag or ""))


def find_symbol(algorithm: QCAlgorithm, value: str) -> Symbol | None:
    """The subscribed LEAN symbol whose value is ``value`` (domain objects carry symbol values)."""
    for symbol in algorithm.securities.keys():
        if str(symbol.value) == value:
            return symbol
    return None


class ObjectStoreState:
    """The domain StateStore interface over LEAN's ObjectStore."""

    def __init__(self, algorithm: QCAlgorithm) -> None:
        self._store = algorithm.object_store

    def read(self, key: str) -> str | None:
        return str(self._store.read(key)) if self._store.contains_key(key) else None

    def save(self, key: str, value: str) -> None:
        self._store.save(key, value)
