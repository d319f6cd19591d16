"""The review AlphaModel through the fake LEAN module: only approved insights, rebuilt, never enlarged."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from domain.state import MemoryStore
from domain.types import Candidate, ReviewAction
from llm.approval import ApprovalGate
from llm.offline import OfflineReviewer
from llm.reviewers import CachedReviewer
from tests.llm.builders import candidate, config, market


def make_inner(lean: Any, cands: list[Candidate], extra_tags: tuple[str, ...] = ()) -> Any:
    from alpha.tags import insight_tag

    class Inner(lean.AlphaModel):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.emit = True
            self.last_result = SimpleNamespace(candidates=tuple(cands))
            self.last_market = market(reference={})

        def update(self, algorithm: Any, data: Any) -> list[Any]:
            if not self.emit:
                return []
            tags = [insight_tag(c) for c in cands] + list(extra_tags)
            return [lean.Insight.price(lean.Symbol(f"OPT{i}"), timedelta(days=1), lean.InsightDirection.DOWN,
                                       weight=0.8, tag=t) for i, t in enumerate(tags)]

    return Inner()


def candidates() -> list[Candidate]:
    # score 8 and clean: approve; delta -0.45: reduce to 0.5; score 2: reject
    return [candidate("GOOG", score=8.0), candidate("IBM", strike=130.0, spot=135.0, score=8.0, delta=-0.45),
            candidate("BAC", strike=15.0, spot=16.0, score=2.0)]


def test_only_approved_insights_come_back_rebuilt(fake_lean: Any) -> None:
    from llm.lean_adapter import ReviewedAlphaModel

    cands = candidates()
    inner = make_inner(fake_lean, cands, extra_tags=("some other alpha's tag",))
    model = ReviewedAlphaModel(inner, config(), MemoryStore(), reviewer=OfflineReviewer())
    algo = fake_lean.QCAlgorithm()
    out = model.update(algo, fake_lean.Slice(algo.time))
    assert [str(i.symbol) for i in out] == ["OPT0", "OPT1"]
    assert [i.weight for i in out] == [0.8, 0.4]  # never above the inner weight 0.8
    assert "review=approve size=1.00" in out[0].tag and "review=reduce size=0.50" in out[1].tag
    assert out[0].tag.startswith("wheelhouse candidate=" + cands[0].id)
    assert out[0].confidence == 0.8 and out[0].source_model == "ReviewedAlphaModel"
    assert out[0].direction == fake_lean.InsightDirection.DOWN and out[0].period == timedelta(days=1)
    assert any("no candidate behind insight OPT3" in line for line in algo.logs)
    assert model.metrics.summary()["reviewed"] == 3


def test_backtest_default_mode_is_replay_without_network(fake_lean: Any) -> None:
    from llm.lean_adapter import ReviewedAlphaModel

    model = ReviewedAlphaModel(make_inner(fake_lean, candidates()), config(), MemoryStore())
    algo = fake_lean.QCAlgorithm()
    out = model.update(algo, fake_lean.Slice(algo.time))
    assert isinstance(model.reviewer, CachedReviewer) and model.reviewer.inner is None
    assert len(out) == 2 and all("source=fallback" in i.tag for i in out)


def test_human_approval_holds_then_releases(fake_lean: Any) -> None:
    from llm.lean_adapter import ReviewedAlphaModel

    cands = candidates()
    inner = make_inner(fake_lean, cands)
    store = MemoryStore()
    model = ReviewedAlphaModel(inner, config(human_approval=True), store, reviewer=OfflineReviewer())
    algo = fake_lean.QCAlgorithm()
    assert model.update(algo, fake_lean.Slice(algo.time)) == []
    assert set(ApprovalGate(store).pending()) == {cands[0].id, cands[1].id}
    assert model.answer(cands[1].id, True) and not model.answer(cands[2].id, True)
    inner.emit = False
    algo.time += timedelta(hours=1)
    out = model.update(algo, fake_lean.Slice(algo.time))
    assert [str(i.symbol) for i in out] == ["OPT1"] and out[0].weight == 0.4
    algo.time += timedelta(hours=6)  # past the close: the unanswered one expired
    assert model.update(algo, fake_lean.Slice(algo.time)) == []
    assert ApprovalGate(store).pending() == {} and model.held == {}
    assert ReviewAction.REDUCE.value in out[0].tag
