"""Portfolio Greeks under the name the stage interfaces use; the definitions live in :mod:`risk.exposures`."""

from __future__ import annotations

from risk.exposures import MEASURES, Exposures, exposures_of, portfolio_exposures, unit_exposures

__all__ = ["MEASURES", "Exposures", "exposures_of", "portfolio_exposures", "unit_exposures"]
