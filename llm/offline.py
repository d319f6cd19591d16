"""Rule-based reviewer: no network, deterministic, explains itself in the same fields as the model.

It reads only the review request (so it sees exactly what the model would, anonymised or not) and mostly
expresses its view through confidence; it shrinks or vetoes only for reasons portfolio construction does not
already haircut (construction cuts size for high VIX, earnings within 7 days, thin liquidity and holiday
weeks, so repeating those cuts here would count them twice):

* reject: a screen verdict failed, or the screen score is below 3;
* reduce to 0.5: implied volatility below 0.8 x realised (the premium does not pay for the movement seen),
  |delta| above 0.40, or a covered call within 2% of the money with an ex-dividend date before expiry
  (early-assignment risk);
* reduce to 0.75: an earnings report before expiry;
* confidence = score minus 1 per risk found (2 for an extreme VIX above 35), clamped to 0-10.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Literal

from llm.base import ReviewOutcome
from llm.contract import CandidateBrief, CandidateReview, PastTrade, ReviewRequest, ReviewResponse


def _cut(text: str, n: int = 100) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


class OfflineReviewer:
    """The rule-based reviewer. ``profit_take_pct`` and ``manage_dte`` phrase the exit plan."""

    name = "offline"

    def __init__(self, profit_take_pct: float = 0.5, manage_dte: int = 21) -> None:
        self.profit_take_pct = profit_take_pct
        self.manage_dte = manage_dte

    def review(self, request: ReviewRequest, day: date) -> ReviewOutcome:
        decisions = tuple([self.decide(c, request) for c in request.candidates])
        return ReviewOutcome(ReviewResponse(decisions=decisions), "offline")

    def decide(self, c: CandidateBrief, request: ReviewRequest) -> CandidateReview:
        mult = 1.0
        penalty = 0.0
        risks: list[str] = []
        reasons: list[str] = []
        failed = [v.rule for v in c.verdicts if v.status == "fail"]
        if failed:
            mult = 0.0
            reasons.append(f"screen failed: {', '.join(failed)}")
        if c.score < 3:
            mult = 0.0
            reasons.append(f"screen score {c.score:.1f} is too thin")
        if c.iv is not None and c.realised_vol and c.iv < 0.8 * c.realised_vol:
            mult = min(mult, 0.5)
            penalty += 1
            risks.append(f"IV {c.iv:.0%} below realised {c.realised_vol:.0%}")
        if c.delta is not None and abs(c.delta) > 0.40:
            mult = min(mult, 0.5)
            penalty += 1
            risks.append(f"delta {c.delta:+.2f}: high assignment odds")
        earnings_inside = c.days_to_earnings is not None and 0 <= c.days_to_earnings <= c.dte
        if earnings_inside:
            mult = min(mult, 0.75)
            penalty += 1
            risks.append(f"earnings in {c.days_to_earnings} days, before expiry")
        exdiv_inside = c.days_to_ex_dividend is not None and 0 <= c.days_to_ex_dividend <= c.dte
        if c.strategy == "cc" and exdiv_inside and c.moneyness < 0.02:
            mult = min(mult, 0.5)
            penalty += 1
            risks.append("ex-dividend before expiry: early assignment risk")
        vix = request.market.vix
        if vix is not None and vix > 35:
            penalty += 2
            risks.append(f"extreme volatility regime (VIX {vix:.0f})")
        elif vix is not None and vix > 25:
            penalty += 1
            risks.append(f"stressed volatility regime (VIX {vix:.0f})")
        if c.spread_pct > 0.10:
            penalty += 1
            risks.append(f"wide spread ({c.spread_pct:.0%} of mid)")
        held = sum(p.weight for p in request.portfolio.positions if p.underlying == c.underlying)
        if held > 2 * request.limits.max_trade_pct:
            penalty += 1
            risks.append(f"already {held:.0%} of NAV in {c.underlying}")
        confidence = int(max(0, min(10, round(c.score - penalty))))
        if mult == 0.0:
            action, confidence = "reject", min(confidence, 3)
        elif mult < 1.0:
            action = "reduce"
        else:
            action = "approve"
        rationale = self._rationale(c, action, reasons, risks)
        return CandidateReview(
            candidate_id=c.id,
            action=action,  # type: ignore[arg-type]
            size_multiplier=mult,
            confidence=confidence,
            rationale=_cut(rationale, 240),
            risk_factors=tuple([_cut(r) for r in risks[:3]]),
            catalysts=tuple([_cut(x) for x in self._catalysts(c)])[:2],
            sentiment=self._sentiment(c),
            earnings_impact=_cut(
                f"earnings in {c.days_to_earnings} days, inside the option's life" if earnings_inside
                else "no earnings report before expiry" if c.days_to_earnings is not None
                else "earnings date unknown"),
            sector_macro=_cut(self._macro(c, vix)),
            best_case=_cut(f"expires worthless: keeps {c.premium_pct_of_strike:.2%} of the strike "
                           f"({c.premium_yield:.1%} annualised)"),
            worst_case=_cut(self._worst(c)),
            similar_trades=_cut(self._similar(c, request.journal)),
            exit_plan=_cut(self._exit(c, earnings_inside)),
        )

    @staticmethod
    def _rationale(c: CandidateBrief, action: str, reasons: list[str], risks: list[str]) -> str:
        what = f"{c.strategy} {c.dte}d, {c.moneyness:+.1%} from spot, premium {c.premium_pct_of_strike:.2%}"
        why = "; ".join(reasons + risks) if (reasons or risks) else "no rule objects"
        return f"Offline rules: {action} ({what}, score {c.score:.1f}): {why}."

    @staticmethod
    def _catalysts(c: CandidateBrief) -> list[str]:
        out = []
        if c.days_to_earnings is not None and c.days_to_earnings >= 0:
            out.append(f"earnings in {c.days_to_earnings} days")
        if c.days_to_ex_dividend is not None and c.days_to_ex_dividend >= 0:
            out.append(f"ex-dividend in {c.days_to_ex_dividend} days")
        return out

    @staticmethod
    def _sentiment(c: CandidateBrief) -> Literal["positive", "neutral", "negative", "unknown"]:
        if c.put_call_ratio is None:
            return "unknown"
        if c.put_call_ratio > 1.2:
            return "negative"
        return "positive" if c.put_call_ratio < 0.7 else "neutral"

    @staticmethod
    def _macro(c: CandidateBrief, vix: float | None) -> str:
        regime = ("unknown regime" if vix is None else "calm" if vix < 15 else "normal" if vix <= 25
                  else "stressed" if vix <= 35 else "extreme")
        return f"sector {c.sector or 'unknown'}; volatility regime {regime}"

    @staticmethod
    def _worst(c: CandidateBrief) -> str:
        if c.iv is None:
            return "two-sigma move unknown (no implied volatility)"
        move = 2 * c.iv * math.sqrt(max(c.dte, 1) / 365)
        if c.strategy == "csp":
            # Spot over strike is 1 / (1 + moneyness); loss per unit of strike after the premium.
            loss = max(0.0, 1 - (1 - move) / (1 + c.moneyness)) - c.premium_pct_of_strike
            return f"{move:.0%} drop: assigned, loss {max(loss, 0.0):.1%} of strike after premium"
        forgone = max(0.0, (1 + move) - (1 + c.moneyness)) / (1 + c.moneyness)
        return f"{move:.0%} rally: shares called away, upside forgone {forgone:.1%} of strike"

    @staticmethod
    def _similar(c: CandidateBrief, journal: tuple[PastTrade, ...]) -> str:
        same = [t for t in journal if t.strategy == c.strategy]
        if not same:
            return "no comparable trades"
        wins = sum(1 for t in same if t.pnl_pct_of_premium > 0)
        avg = sum(t.pnl_pct_of_premium for t in same) / len(same)
        return f"{len(same)} past {c.strategy} trades: {wins} won, average {avg:+.0%} of premium"

    def _exit(self, c: CandidateBrief, earnings_inside: bool) -> str:
        plan = f"take profit at {self.profit_take_pct:.0%} of credit; manage at {self.manage_dte} DTE"
        if earnings_inside:
            plan += f"; close before earnings (day {c.days_to_earnings})"
        return plan
