"""The shadow reviewer records both opinions without changing the answer; agreement, kappa and outcomes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from domain.config import StrategyConfig
from domain.types import Right
from llm.base import ReviewOutcome
from llm.contract import ReviewRequest, ReviewResponse
from llm.offline import OfflineReviewer
from llm.request import build_request
from tests.factories import candidate, market, portfolio
from wheelhouse.research.review_audit import ShadowReviewer, agreement, confusion, hit_rates, outcomes

DAY = date(2015, 12, 24)


def _request() -> ReviewRequest:
    cands = [candidate(strike=100.0, score=9.0, underlying_price=105.0),
             candidate(strike=95.0, score=2.0, underlying_price=105.0),  # the rules reject a thin score
             candidate(right=Right.CALL, strike=110.0, score=8.0, underlying_price=105.0)]
    request, _ = build_request(cands, portfolio(), market(), StrategyConfig(), anonymise=True)
    return request


class _ApproveAll:
    """A stand-in for recorded model answers: approves everything but the first candidate, which it omits."""

    name = "cache"

    def review(self, request: ReviewRequest, day: date) -> ReviewOutcome:
        rules = OfflineReviewer().review(request, day).response
        assert rules is not None
        decisions = tuple(d.model_copy(update={"action": "approve", "size_multiplier": 1.0})
                          for d in rules.decisions[1:])
        return ReviewOutcome(ReviewResponse(decisions=decisions), "cache")


def test_shadow_answers_with_main_and_records_both() -> None:
    request = _request()
    main = _ApproveAll()
    shadow = ShadowReviewer(main, OfflineReviewer())
    got = shadow.review(request, DAY)
    assert got == main.review(request, DAY)  # the run sees exactly the main reviewer's answer
    frame = shadow.frame()
    assert frame["candidate"].tolist() == ["C1", "C2", "C3"]
    assert frame["action"].tolist() == ["reject", "approve", "approve"]  # C1 left out: rejected
    assert frame.loc[1, "rules_action"] == "reject" and set(frame["source"]) == {"cache"}


def test_agreement_and_kappa_hand_computed() -> None:
    frame = pd.DataFrame({"action": ["approve", "approve", "reject", "reject"],
                          "rules_action": ["approve", "reject", "reject", "reject"]})
    stats = agreement(frame)
    # observed 3/4; expected = P(a=approve)P(b=approve) + P(a=reject)P(b=reject) = .5*.25 + .5*.75 = .5
    assert stats["agreement"] == 0.75 and stats["kappa"] == pytest.approx(0.5)
    table = confusion(frame)
    assert table.loc["approve", "reject"] == 1 and table.loc["reduce"].sum() == 0


def test_outcomes_from_moneyness_and_closes() -> None:
    closes = pd.Series([100.0, 101.0, 90.0, 120.0], index=pd.to_datetime(["2020-01-02", "2020-01-03", "2020-01-31",
                                                                           "2020-02-28"]))
    frame = pd.DataFrame({"day": [date(2020, 1, 2)] * 3 + [date(2020, 2, 3)], "dte": [29, 29, 29, 30],
                          "moneyness": [-0.05, 0.05, -0.05, -0.05], "right": ["P", "C", "P", "P"],
                          "action": ["approve", "approve", "reject", "approve"]})
    out = outcomes(frame, closes)
    assert out["strike"].tolist()[:3] == pytest.approx([95.0, 105.0, 95.0])
    # Expiry 2020-01-31: spot 90 -> the 95 put ends in the money, the 105 call out of it.
    assert out["expired_otm"].tolist()[:3] == [0.0, 1.0, 0.0]
    assert np.isnan(out["expired_otm"].iloc[3])  # 2020-03-04 lies beyond the closes
    rates = hit_rates(out)
    assert rates.loc["approve", "candidates"] == 2 and rates.loc["approve", "expired_otm"] == 0.5


@pytest.mark.slow
def test_shadow_reviews_wrap_the_engines_reviewer(lean_data: Path) -> None:
    run_mod = pytest.importorskip("wheelhouse.engine.run")
    from wheelhouse.engine import pipeline
    from wheelhouse.research.review_audit import shadow_reviews

    original = pipeline.make_reviewer
    cfg = StrategyConfig().replace(underlyings="GOOG", unknown_reference_policy="include")
    with shadow_reviews() as shadows:
        run = run_mod.run_backtest(cfg, lean_data, date(2015, 12, 22), date(2015, 12, 31), review_cache=None,
                                   benchmarks=(), parallel=False)
    assert pipeline.make_reviewer is original  # restored
    frame = shadows[0].frame()
    assert len(shadows) == 1 and len(frame) > 0
    # No recorded model answers here: the replay reviewer falls back to the rules, so both columns agree.
    assert set(frame["source"]) == {"fallback"} and agreement(frame)["agreement"] == 1.0
    assert "fallback" in run.notes[0]
