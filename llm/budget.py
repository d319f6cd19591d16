"""Daily budgets of review calls and dollars, persisted through the StateStore.

Cost of a call = (input tokens x input price + cache writes x input price x 1.25 + cache reads x input price
x 0.1 + output tokens x output price) / 1e6, with the prices per million tokens from the config
(``review_input_price_per_mtok``, ``review_output_price_per_mtok``) and Anthropic's documented multipliers for
5-minute prompt-cache writes (1.25x) and reads (0.1x). A call is allowed only when one more call fits the
call budget and its *worst case* (estimated input plus ``max_tokens`` of output) fits what is left of the
dollar budget, so the day's spend cannot pass the limit even when the answer is as long as allowed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date

from domain.config import StrategyConfig
from domain.state import StateStore
from llm.client import Usage

log = logging.getLogger("wheelhouse.llm")

CACHE_WRITE_MULTIPLIER = 1.25
CACHE_READ_MULTIPLIER = 0.10
CHARS_PER_TOKEN = 3.5
"""Documented approximation of Claude's tokenizer for English and JSON text (no tokenizer ships offline)."""


def estimate_tokens(text: str) -> int:
    """Approximate token count of ``text``: characters / 3.5, rounded up."""
    return int(len(text) / CHARS_PER_TOKEN) + 1


def cost_of(usage: Usage, config: StrategyConfig) -> float:
    """USD cost of ``usage`` under the config's price table."""
    r = config.review
    inp = r.review_input_price_per_mtok
    return (
        usage.input_tokens * inp
        + usage.cache_creation_input_tokens * inp * CACHE_WRITE_MULTIPLIER
        + usage.cache_read_input_tokens * inp * CACHE_READ_MULTIPLIER
        + usage.output_tokens * r.review_output_price_per_mtok
    ) / 1e6


@dataclass(frozen=True, slots=True)
class Spend:
    calls: int = 0
    dollars: float = 0.0


class DailyBudget:
    """Counts calls and dollars per day under ``wheelhouse/review/budget/<YYYY-MM-DD>``."""

    PREFIX = "wheelhouse/review/budget"

    def __init__(self, store: StateStore, config: StrategyConfig) -> None:
        self.store = store
        self.config = config

    def spent(self, day: date) -> Spend:
        raw = self.store.read(f"{self.PREFIX}/{day.isoformat()}")
        if not raw:
            return Spend()
        try:
            data = json.loads(raw)
            return Spend(int(data["calls"]), float(data["dollars"]))
        except (ValueError, KeyError, TypeError):
            # A damaged record must not reopen the budget: treat the day as spent.
            log.error("review budget record for %s is unreadable; treating the day's budget as used", day)
            r = self.config.review
            return Spend(r.review_max_calls_per_day, r.review_max_dollars_per_day)

    def refusal(self, day: date, worst_case_dollars: float) -> str | None:
        """Why one more call is not allowed on ``day``, or None when it is."""
        r = self.config.review
        spent = self.spent(day)
        if spent.calls + 1 > r.review_max_calls_per_day:
            return f"call budget exhausted ({spent.calls} of {r.review_max_calls_per_day} calls today)"
        if spent.dollars + worst_case_dollars > r.review_max_dollars_per_day:
            return (f"dollar budget exhausted (${spent.dollars:.4f} spent, a call may cost "
                    f"${worst_case_dollars:.4f}, limit ${r.review_max_dollars_per_day:.2f})")
        return None

    def charge(self, day: date, calls: int, dollars: float) -> Spend:
        spent = self.spent(day)
        new = Spend(spent.calls + calls, spent.dollars + dollars)
        self.store.save(f"{self.PREFIX}/{day.isoformat()}",
                        json.dumps({"calls": new.calls, "dollars": round(new.dollars, 8)}))
        return new
