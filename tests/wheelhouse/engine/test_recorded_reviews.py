"""A backtest replays the reviews recorded in its review cache folder, and looks none up without one."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from domain.config import StrategyConfig
from llm.cache import ReviewCache, cache_key
from llm.client import Usage
from llm.contract import ReviewRequest, ReviewResponse
from llm.render import load_prompts
from wheelhouse.state import FolderStore

START, END = date(2015, 12, 22), date(2015, 12, 31)
CFG = StrategyConfig().replace(underlyings="GOOG", unknown_reference_policy="include")


@pytest.mark.slow
def test_reviews_recorded_in_the_cache_folder_decide_and_no_folder_means_no_lookup(
        lean_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wheelhouse.engine import pipeline
    from wheelhouse.engine.run import run_backtest

    original = pipeline.make_reviewer
    made: list[bool] = []
    answered: list[tuple[ReviewRequest, Any]] = []

    class Capture:
        def __init__(self, inner: Any) -> None:
            self.inner, self.name = inner, inner.name

        def review(self, request: ReviewRequest, day: date) -> Any:
            outcome = self.inner.review(request, day)
            answered.append((request, outcome))
            return outcome

    def wrapped(config: Any, mode: Any, store: Any, **kw: Any) -> Any:
        made.append(kw["recorded"])
        return Capture(original(config, mode, store, **kw))

    monkeypatch.setattr(pipeline, "make_reviewer", wrapped)

    def run(cache: Path | None) -> Any:
        return run_backtest(CFG, lean_data, START, END, review_cache=cache, benchmarks=(), parallel=False)

    plain = run(None)
    missing = run(tmp_path / "missing")  # a folder that does not exist holds no recorded reviews either
    assert made == [False, False]
    assert plain.strategy.trades == missing.strategy.trades
    assert answered and "review sources {'fallback': 1}" in plain.notes[0]

    # Record a rejection of every candidate the runs asked about; the next run must follow the recording.
    folder = tmp_path / "storage"
    cache = ReviewCache(FolderStore(folder))
    prompts_hash, model = load_prompts().hash, CFG.review.review_model
    first = len(answered)
    for request, outcome in answered:
        assert outcome.source == "fallback"
        response = ReviewResponse(decisions=tuple(
            d.model_copy(update={"action": "reject", "size_multiplier": 0.0, "rationale": "recorded rejection"})
            for d in outcome.response.decisions))
        cache.put(cache_key(request, model, prompts_hash), response, Usage(), model)
    replayed = run(folder)
    assert made[-1] is True
    assert "review sources {'cache': 1}" in replayed.notes[0]
    replies = [outcome for _, outcome in answered[first:]]
    assert replies and all(o.source == "cache" for o in replies)
    assert {d.rationale for o in replies for d in o.response.decisions} == {"recorded rejection"}
