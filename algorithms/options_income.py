"""The options-income (wheel) strategy as a LEAN framework algorithm."""

from __future__ import annotations

from AlgorithmImports import *

from algorithms.convert import ObjectStoreState
from alpha.lean_adapter import ScreeningAlphaModel
from domain.config import ConfigError, StrategyConfig, from_parameters, parameter_owner
from execution.lean_adapter import LimitOrderExecutionModel
from llm.lean_adapter import ReviewedAlphaModel
from portfolio.lean_adapter import WheelPortfolioConstructionModel
from risk.lean_adapter import WheelRiskManagementModel

RESOLUTIONS = {"minute": Resolution.MINUTE, "hour": Resolution.HOUR, "daily": Resolution.DAILY}


def read_config(algorithm: QCAlgorithm) -> StrategyConfig:
    """Every setting through ``get_parameter``; unset ones keep their defaults. A bad value stops the start."""
    params: dict[str, str] = {}
    for name in parameter_owner():
        value = algorithm.get_parameter(name)
        if value is not None:
            params[name] = value
    try:
        return from_parameters(params)
    except ConfigError as exc:
        raise ValueError(f"Wheelhouse settings: {exc}") from None


class OptionsIncomeAlgorithm(QCAlgorithm):
    """Sells cash-secured puts and covered calls on the configured underlyings.

    Pipeline: screening alpha -> LLM review (wraps the alpha) -> cash-secured construction -> risk gate ->
    limit-order execution. Every stage's logic is in the pure packages; this class only wires them.
    """

    def initialize(self) -> None:
        self.config = read_config(self)
        general = self.config.general
        self.set_start_date(general.start_date.year, general.start_date.month, general.start_date.day)
        self.set_end_date(general.end_date.year, general.end_date.month, general.end_date.day)
        self.set_cash(general.initial_cash)
        resolution = RESOLUTIONS[general.resolution]
        screen = self.config.screen
        for ticker in general.underlyings:
            equity = self.add_equity(ticker, resolution)
            equity.set_data_normalization_mode(DataNormalizationMode.RAW)
            option = self.add_option(ticker, resolution)
            option.set_filter(
                lambda u: u.include_weeklys().strikes(-20, 20).expiration(screen.dte_min, screen.dte_max)
            )
        store = ObjectStoreState(self)
        self.set_alpha(ReviewedAlphaModel(ScreeningAlphaModel(self.config), self.config, store))
        self.set_portfolio_construction(WheelPortfolioConstructionModel(self.config, store))
        self.set_risk_management(WheelRiskManagementModel(self.config, store))
        self.set_execution(LimitOrderExecutionModel(self.config, store))
        self.debug(f"Wheelhouse settings: {self.config.to_parameters()}")
