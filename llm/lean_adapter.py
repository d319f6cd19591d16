"""LEAN adapter of the LLM review: an AlphaModel wrapping the screening alpha."""

from __future__ import annotations

from AlgorithmImports import *

from algorithms.convert import portfolio_state
from domain.config import StrategyConfig
from domain.state import StateStore
from domain.types import Candidate, MarketContext, ReviewAction, ReviewDecision
from llm.approval import ApprovalGate
from llm.insights import match, reviewed_tag, reviewed_weight
from llm.metrics import ReviewMetrics
from llm.review import Reviewer, make_reviewer, review_candidates


class ReviewedAlphaModel(AlphaModel):
    """Calls the inner alpha, reviews its insights and returns only approved ones, rebuilt with the reviewed
    weight and tag (LEAN insights are read-only). It never adds an insight or raises a weight, so rejected
    candidates never reach the insight store or portfolio construction.

    The inner alpha must expose ``last_result.candidates`` and ``last_market`` (the screening alpha does); an
    insight whose candidate is not found is dropped. The mode is ``review_mode_live`` in live trading and
    ``review_mode_backtest`` otherwise; reviews of historical data are anonymised when configured. With
    ``human_approval`` on, approved candidates wait for :meth:`answer` (call it from ``on_command``) or an
    ObjectStore answer, and expire at the close.
    """

    def __init__(self, inner: AlphaModel, config: StrategyConfig, store: StateStore,
                 reviewer: Reviewer | None = None) -> None:
        super().__init__()
        self.inner = inner
        self.config = config
        self.store = store
        self.name = "ReviewedAlphaModel"
        self.reviewer = reviewer
        self.metrics = ReviewMetrics()
        self.gate = ApprovalGate(store) if config.review.human_approval else None
        self.held: dict[str, Insight] = {}

    def update(self, algorithm: QCAlgorithm, data: Slice) -> list[Insight]:
        insights = list(self.inner.update(algorithm, data))
        out = self._released(algorithm)
        if not insights:
            return out
        result = getattr(self.inner, "last_result", None)
        known: dict[str, Candidate] = {c.id: c for c in result.candidates} if result is not None else {}
        pairs = match([(i, str(i.tag)) for i in insights], known)
        candidates = [c for _, c in pairs if c is not None]
        market = getattr(self.inner, "last_market", None) or MarketContext(as_of=algorithm.time)
        if self.reviewer is None:
            review = self.config.review
            mode = review.review_mode_live if algorithm.live_mode else review.review_mode_backtest
            self.reviewer = make_reviewer(self.config, mode, self.store)
        batch = review_candidates(candidates, portfolio_state(algorithm), market, self.config, self.reviewer,
                                  historical=not algorithm.live_mode, metrics=self.metrics)
        decisions = batch.decisions
        if self.gate is not None:
            decisions = self.gate.hold(decisions, {c.id: c.quote.symbol for c in candidates}, algorithm.time)
            self.held.update({c.id: i for i, c in pairs
                              if c is not None and batch.decisions[c.id].size_multiplier > 0})
        for insight, cand in pairs:
            if cand is None:
                algorithm.debug(f"review: no candidate behind insight {insight.symbol} ({insight.tag}); dropped")
            elif decisions[cand.id].action is not ReviewAction.REJECT:
                out.append(self._rebuild(insight, decisions[cand.id]))
        kept = sum(d.action is not ReviewAction.REJECT for d in decisions.values())
        algorithm.debug(f"review: {len(candidates)} candidates, {kept} kept [{batch.source}] "
                        f"${batch.dollars:.4f} {batch.error or ''} metrics {self.metrics.summary()}")
        return out

    def answer(self, candidate_id: str, approve: bool) -> bool:
        """A person's answer to a held candidate (from a LEAN command); False when nothing is held under it."""
        return self.gate.answer(candidate_id, approve) if self.gate is not None else False

    def _released(self, algorithm: QCAlgorithm) -> list[Insight]:
        if self.gate is None:
            return []
        out: list[Insight] = []
        for pending in self.gate.release(algorithm.time):
            insight = self.held.pop(pending.decision.candidate_id, None)
            if insight is not None:
                out.append(self._rebuild(insight, pending.decision))
        waiting = self.gate.pending()
        for cid in [c for c in self.held if c not in waiting]:  # expired or denied
            del self.held[cid]
        return out

    def _rebuild(self, insight: Insight, decision: ReviewDecision) -> Insight:
        return Insight.price(insight.symbol, insight.period, insight.direction, insight.magnitude,
                             decision.confidence / 10.0, self.name, reviewed_weight(insight.weight, decision),
                             reviewed_tag(str(insight.tag), decision))

    def on_securities_changed(self, algorithm: QCAlgorithm, changes: SecurityChanges) -> None:
        self.inner.on_securities_changed(algorithm, changes)
