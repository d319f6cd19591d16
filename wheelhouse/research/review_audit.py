"""Audit the LLM review: its decisions, their agreement with the rule-based reviewer, and their outcomes.

:class:`ShadowReviewer` wraps the reviewer a run uses (the replay cache of recorded model answers, say) and,
on every request, also asks a second reviewer (the offline rules) for its opinion, which it records and
discards: the run trades exactly as it would without the shadow. Each record is one candidate of one
request: what the reviewer answered (and from where: ``cache`` = a recorded model answer, ``llm`` = a live
call, ``fallback``/``offline`` = the rules), and what the rules answered.

:func:`agreement` measures how often the two agree on the action (approve / reduce / reject), with Cohen's
kappa (agreement beyond what the two approval rates alone would produce) and the confusion table.
:func:`outcomes` adds, from the underlying's closes, whether each candidate would have expired out of the
money (the premium kept in full): a reviewer that adds value rejects more of the candidates that ended in
the money than it approves.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from llm.base import Reviewer, ReviewOutcome
from llm.contract import ReviewRequest

ACTIONS = ("approve", "reduce", "reject")


@dataclass
class ShadowReviewer:
    """Answers with ``main``; records ``main``'s and ``shadow``'s decisions on every candidate."""

    main: Reviewer
    shadow: Reviewer
    records: list[dict[str, Any]] = field(default_factory=list)
    name: str = "shadow"

    def review(self, request: ReviewRequest, day: date) -> ReviewOutcome:
        outcome = self.main.review(request, day)
        other = self.shadow.review(request, day)
        mine = {d.candidate_id: d for d in (outcome.response.decisions if outcome.response else ())}
        theirs = {d.candidate_id: d for d in (other.response.decisions if other.response else ())}
        for c in request.candidates:
            m, r = mine.get(c.id), theirs.get(c.id)
            self.records.append({
                "day": day, "candidate": c.id, "strategy": c.strategy, "right": c.right, "dte": c.dte,
                "moneyness": c.moneyness, "delta": c.delta, "iv": c.iv, "score": c.score,
                "source": outcome.source if outcome.response is not None else "none",
                # A candidate the answer leaves out is rejected (the review stage's rule).
                "action": m.action if m else "reject", "size_multiplier": m.size_multiplier if m else 0.0,
                "confidence": m.confidence if m else 0, "rationale": m.rationale if m else "",
                "rules_action": r.action if r else "reject", "rules_multiplier": r.size_multiplier if r else 0.0,
            })
        return outcome

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.records)


def agreement(frame: pd.DataFrame) -> dict[str, float]:
    """Share of candidates where ``action`` equals ``rules_action``, and Cohen's kappa of the two."""
    n = len(frame)
    if n == 0:
        return {"candidates": 0.0, "agreement": math.nan, "kappa": math.nan, "approve_rate": math.nan,
                "rules_approve_rate": math.nan}
    a, b = frame["action"], frame["rules_action"]
    observed = float((a == b).mean())
    expected = sum(float((a == k).mean()) * float((b == k).mean()) for k in ACTIONS)
    kappa = (observed - expected) / (1.0 - expected) if expected < 1.0 else math.nan
    return {"candidates": float(n), "agreement": observed, "kappa": kappa,
            "approve_rate": float((a == "approve").mean()), "rules_approve_rate": float((b == "approve").mean())}


def confusion(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts of (reviewer action, rules action), every action listed on both axes."""
    table = pd.crosstab(pd.Categorical(frame["action"], ACTIONS), pd.Categorical(frame["rules_action"], ACTIONS),
                        rownames=["reviewer"], colnames=["rules"], dropna=False)
    return table


def outcomes(frame: pd.DataFrame, closes: pd.Series) -> pd.DataFrame:
    """``frame`` with ``spot``, ``strike``, ``expiry``, ``spot_at_expiry`` and ``expired_otm`` (NaN when the
    expiry lies beyond the closes).

    The strike is recovered from the request's moneyness (strike / spot - 1), so this works on anonymised
    requests too; the spot is the close of the review day, the expiry ``day + dte`` (the last close on or
    before it).
    """
    idx = pd.DatetimeIndex(pd.to_datetime(closes.index)).normalize()
    values = closes.to_numpy(dtype=float)
    out = frame.copy()
    days = pd.DatetimeIndex(pd.to_datetime(out["day"]))
    expiries = days + pd.to_timedelta(out["dte"].astype(int), unit="D")
    at_day = idx.searchsorted(days, side="right") - 1
    at_exp = idx.searchsorted(expiries, side="right") - 1
    valid = (at_day >= 0) & (expiries <= idx[-1]) if len(idx) else np.zeros(len(out), dtype=bool)
    spot = np.where(at_day >= 0, values[np.clip(at_day, 0, None)], np.nan)
    out["spot"] = spot
    out["strike"] = spot * (1.0 + out["moneyness"].to_numpy(dtype=float))
    out["expiry"] = [d.date() for d in expiries]
    out["spot_at_expiry"] = np.where(valid, values[np.clip(at_exp, 0, None)], np.nan)
    put = out["right"].to_numpy() == "P"
    otm = np.where(put, out["spot_at_expiry"] > out["strike"], out["spot_at_expiry"] < out["strike"])
    out["expired_otm"] = np.where(valid, otm.astype(float), np.nan)
    return out


def hit_rates(frame: pd.DataFrame, by: str = "action") -> pd.DataFrame:
    """Per action: candidates, and the share that expired out of the money (needs :func:`outcomes`)."""
    done = frame.dropna(subset=["expired_otm"])
    grouped = done.groupby(by)["expired_otm"]
    return pd.DataFrame({"candidates": grouped.size(), "expired_otm": grouped.mean()}).reindex(
        [a for a in ACTIONS if a in set(done[by])])




@contextmanager
def shadow_reviews(shadow: Reviewer | None = None) -> Iterator[list[ShadowReviewer]]:
    """While open, every pipeline the offline engine builds reviews through a :class:`ShadowReviewer`.

    The engine's ``Pipeline`` asks ``make_reviewer`` for its reviewer; inside this block that reviewer is
    wrapped, so ``run_backtest`` is used unchanged. Yields the list of shadows created (one per run).
    ``shadow`` defaults to the offline rule-based reviewer with the run's exit settings.
    """
    from llm.offline import OfflineReviewer
    from wheelhouse.engine import pipeline

    original = pipeline.make_reviewer
    made: list[ShadowReviewer] = []

    def wrapped(config: Any, mode: Any, store: Any, **kw: Any) -> Reviewer:
        rules = shadow or OfflineReviewer(config.portfolio.profit_take_pct, config.portfolio.manage_dte)
        made.append(ShadowReviewer(original(config, mode, store, **kw), rules))
        return made[-1]

    pipeline.make_reviewer = wrapped  # type: ignore[assignment]
    try:
        yield made
    finally:
        pipeline.make_reviewer = original
