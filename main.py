"""LEAN's entry file.

LEAN's Python loader instantiates the class *defined in this module* that inherits from QCAlgorithm
(classes merely imported here are skipped because their module name is not ``main``), so exactly one
subclass is defined below; the strategy itself lives in ``algorithms/``.
"""

from AlgorithmImports import *

from algorithms.options_income import OptionsIncomeAlgorithm


class WheelhouseAlgorithm(OptionsIncomeAlgorithm):
    """The options-income strategy, as LEAN loads it."""
