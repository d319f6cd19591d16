"""The decision matrix: final score = w_q x quant score + w_llm x LLM confidence + w_risk x risk-fit, on 0-10.

**Risk-fit (portfolio impact), 0-10.** How much of the portfolio's remaining room a full-size trade of the
candidate would use. With ``N`` = ``max_trade_pct`` x capital (the largest notional one trade may have;
capital = ``capital_fraction`` x total value) and the room left in each budget before the trade:

* capital use ``c_cap`` = N / (``max_margin_use`` x capital - committed capital)
* sector use ``c_sec`` = N / (``sector_max_exposure`` x capital - the candidate's sector exposure)
* slot use ``c_slot`` = max(1 / (position cap - open positions), 1 / (``max_positions_per_sector`` - positions
  in the sector)) when the trade opens a new position, else 0

each clipped to [0, 1] (no room left counts as 1), and

    risk_fit = 10 x (1 - (c_cap + c_sec + c_slot) / 3).

A covered call commits no capital and adds no sector exposure (the shares are already counted), so
``c_cap = c_sec = 0`` for calls. Definitions of committed capital, sector exposure and positions are in
:mod:`portfolio.caps`. Example: an empty $100,000 book with the defaults, a put on a new underlying:
N = 5,000, c_cap = 5,000 / 50,000 = 0.1, c_sec = 5,000 / 25,000 = 0.2, c_slot = max(1/10, 1/3) = 1/3, so
risk_fit = 10 x (1 - 0.6333 / 3) = 7.889.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from domain.config import StrategyConfig
from domain.types import Candidate, ReviewDecision, Right
from portfolio.caps import Exposure


@dataclass(frozen=True, slots=True)
class ScoreParts:
    """The three parts of one decision (each 0-10), the weighted final score and the pass/fail verdict."""

    quant: float
    llm: float
    risk: float
    final: float
    passed: bool

    def describe(self) -> str:
        return f"final {self.final:.2f} (quant {self.quant:.2f}, llm {self.llm:.2f}, risk-fit {self.risk:.2f})"


def _share(use: float, room: float) -> float:
    """Share of the remaining room a use takes, clipped to [0, 1]; no room left counts as all of it."""
    if use <= 0:
        return 0.0
    if room <= 0 or not math.isfinite(room):
        return 1.0
    return min(use / room, 1.0)


def risk_fit(candidate: Candidate, exposure: Exposure, sector: str, config: StrategyConfig) -> float:
    """Risk-fit score 0-10 of ``candidate`` against the book ``exposure`` (see the module docstring)."""
    p = config.portfolio
    full = p.max_trade_pct * exposure.capital
    if candidate.quote.right is Right.PUT:
        c_cap = _share(full, p.max_margin_use * exposure.capital - exposure.committed)
        c_sec = _share(full, p.sector_max_exposure * exposure.capital - exposure.sector_exposure.get(sector, 0.0))
    else:
        c_cap = c_sec = 0.0
    c_slot = 0.0
    if exposure.is_new_position(candidate.underlying):
        c_slot = max(
            _share(1.0, exposure.position_cap - len(exposure.positions)),
            _share(1.0, exposure.per_sector - len(exposure.sector_positions.get(sector, ()))),
        )
    return 10.0 * (1.0 - (c_cap + c_sec + c_slot) / 3.0)


def _clip10(x: float) -> float:
    return min(max(x, 0.0), 10.0) if math.isfinite(x) else 0.0


def score(candidate: Candidate, decision: ReviewDecision, risk: float, config: StrategyConfig) -> ScoreParts:
    """Weighted final score. Inputs are clipped to 0-10 (a NaN counts as 0); passes at >= ``trade_threshold``."""
    p = config.portfolio
    quant, llm, rf = _clip10(candidate.score), _clip10(decision.confidence), _clip10(risk)
    final = p.weight_quant * quant + p.weight_llm * llm + p.weight_risk * rf
    # A hair of tolerance so 7.5 computed as 7.4999999 from exact inputs still passes.
    return ScoreParts(quant, llm, rf, final, final >= p.trade_threshold - 1e-9)
