"""The review contract: what the reviewer is shown (request) and what it may answer (response).

Both are frozen pydantic models that reject unknown fields. The request is built from domain objects by
:mod:`llm.request`; the response is what the model (or the offline reviewer, or the cache) returns, before
:mod:`llm.authority` enforces in code that it can only veto or shrink.

Units in the request: money in USD, rates and volatilities as decimals (0.25 = 25%), moneyness as
``strike / spot - 1``, premium as a share of the strike (``mid / strike``), days as calendar days. Candidate
ids shown to the model are short aliases (``C1``, ``C2`` ...) mapped back in code; under anonymisation
tickers become ``U1``, ``U2`` ... and absolute prices and dates are left out.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SCHEMA_VERSION = 1

Short = Annotated[str, StringConstraints(max_length=200)]
Text = Annotated[str, StringConstraints(max_length=2_000)]
Item = Annotated[str, StringConstraints(max_length=100)]


class Frozen(BaseModel):
    """Base of every contract model: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# ----------------------------------------------------------------------------------------------- request


class VerdictBrief(Frozen):
    rule: Short
    status: Literal["pass", "fail", "n/a"]
    reason: Short = ""


class CandidateBrief(Frozen):
    """One candidate trade as the reviewer sees it. ``None`` means unknown or withheld by anonymisation."""

    id: Annotated[str, StringConstraints(max_length=16)]
    underlying: Short
    strategy: Literal["csp", "cc"]
    right: Literal["C", "P"]
    dte: int
    expiry: str | None = None
    strike: float | None = None
    underlying_price: float | None = None
    bid: float | None = None
    ask: float | None = None
    moneyness: float
    premium_pct_of_strike: float
    spread_pct: float
    premium_yield: float
    delta: float | None = None
    iv: float | None = None
    iv_rank: float | None = None
    iv_percentile: float | None = None
    realised_vol: float | None = None
    forecast_vol: float | None = None
    score: float
    contracts: int
    multiplier: int
    sector: Short | None = None
    credit_rating: Short | None = None
    days_to_earnings: int | None = None
    days_to_ex_dividend: int | None = None
    put_call_ratio: float | None = None
    verdicts: tuple[VerdictBrief, ...] = Field((), description="Screen verdicts other than pass, with reasons.")
    notes: tuple[Short, ...] = ()


class PositionBrief(Frozen):
    underlying: Short
    kind: Literal["stock", "option"]
    quantity: float
    right: Literal["C", "P"] | None = None
    moneyness: float | None = None
    dte: int | None = None
    weight: float = Field(description="Notional (strike or market value x multiplier x |quantity|) over NAV.")


class GreeksBrief(Frozen):
    """Portfolio Greeks in dollars: delta per 1% move, gamma per 1% move squared, vega per vol point,
    theta per day; each also as a share of NAV where the limits are stated that way."""

    delta_dollars: float
    gamma_dollars: float
    vega_dollars: float
    theta_dollars: float


class PortfolioBrief(Frozen):
    total_value: float
    cash_pct: float
    free_cash_pct: float
    reserved_cash_pct: float
    positions: tuple[PositionBrief, ...] = ()
    greeks: GreeksBrief | None = None


class LimitsBrief(Frozen):
    """Limits in force (config), as shares of NAV unless named otherwise."""

    max_trade_pct: float
    max_positions: int
    sector_max_exposure: float
    max_positions_per_sector: int
    max_net_delta: float
    max_vega_exposure: float
    trade_threshold: float


class MarketBrief(Frozen):
    as_of: Short = Field(description="ISO date, or 'T' when dates are anonymised.")
    vix: float | None = None
    rate: float
    holiday_week: bool = False


class NewsItem(Frozen):
    """Untrusted text (news, filings). Rendered only inside delimited data blocks, never as instructions."""

    underlying: Short
    source: Short = "news"
    text: Text


class PastTrade(Frozen):
    """One of the strategy's own closed trades from its journal (relative dates only)."""

    underlying: Short
    strategy: Literal["csp", "cc"]
    dte_at_entry: int
    delta_at_entry: float | None = None
    iv_rank_at_entry: float | None = None
    outcome: Literal["expired", "assigned", "called_away", "closed_profit", "closed_loss", "rolled"]
    pnl_pct_of_premium: float
    days_ago: int | None = None


class ReviewRequest(Frozen):
    """Everything the reviewer sees for one rebalance: all candidates in one request."""

    schema_version: int = SCHEMA_VERSION
    anonymised: bool
    market: MarketBrief
    portfolio: PortfolioBrief
    limits: LimitsBrief
    screen_rules: tuple[Short, ...] = Field(
        (), description="Every screen rule applied; a candidate passed each one not listed in its verdicts."
    )
    candidates: tuple[CandidateBrief, ...]
    news: tuple[NewsItem, ...] = ()
    journal: tuple[PastTrade, ...] = ()

    def canonical(self) -> str:
        """Sorted-key compact JSON: the same request always gives the same text (cache keys hash it)."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


# ---------------------------------------------------------------------------------------------- response


class CandidateReview(Frozen):
    """The reviewer's answer on one candidate. Texts are short by design: output tokens are the cost."""

    candidate_id: Annotated[str, StringConstraints(max_length=16)] = Field(
        description="The candidate's id exactly as given (C1, C2, ...)."
    )
    action: Literal["approve", "reject", "reduce"]
    size_multiplier: float = Field(ge=0, le=1, description="1 for approve, 0 for reject, between for reduce.")
    confidence: int = Field(ge=0, le=10, description="Confidence that the trade is sound, 0-10.")
    rationale: Annotated[str, StringConstraints(max_length=240)]
    risk_factors: tuple[Item, ...] = Field(max_length=3)
    catalysts: tuple[Item, ...] = Field(max_length=2)
    sentiment: Literal["positive", "neutral", "negative", "unknown"]
    earnings_impact: Item
    sector_macro: Item
    best_case: Item
    worst_case: Item
    similar_trades: Item
    exit_plan: Item


class ReviewResponse(Frozen):
    """One decision per candidate of the request."""

    decisions: tuple[CandidateReview, ...] = Field(max_length=50)


# ---------------------------------------------------------------------------------- schema for the API


def api_schema(model: type[BaseModel] = ReviewResponse) -> dict[str, Any]:
    """The model's JSON schema in the strict form the Messages API's structured output accepts.

    Structured outputs support types, enums, required fields and references but not numeric or length
    bounds; those move into the field's description (``{maximum: 1, minimum: 0}``) so the model still sees
    them, and pydantic enforces them on the answer. Every object forbids additional properties. The result
    equals what the anthropic SDK sends for ``messages.parse(output_format=model)`` (tested), so the SDK and
    the plain-HTTP paths send the same request.
    """
    return _strict(model.model_json_schema())


def _strict(node: dict[str, Any]) -> dict[str, Any]:
    node = dict(node)
    out: dict[str, Any] = {}
    if "$defs" in node:
        out["$defs"] = {name: _strict(sub) for name, sub in node.pop("$defs").items()}
    if "$ref" in node:
        out["$ref"] = node.pop("$ref")
        return out
    kind = node.pop("type", None)
    if "enum" in node:
        out["enum"] = list(node.pop("enum"))
        kind = None
    elif "const" in node:
        out["const"] = node.pop("const")
        kind = None
    variants = node.pop("anyOf", None)
    if variants is not None:
        out["anyOf"] = [_strict(v) for v in variants]
    elif kind is not None:
        out["type"] = kind
    for key in ("description", "title"):
        if key in node:
            out[key] = node.pop(key)
    if kind == "object":
        out["properties"] = {k: _strict(v) for k, v in node.pop("properties", {}).items()}
        node.pop("additionalProperties", None)
        out["additionalProperties"] = False
        if "required" in node:
            out["required"] = list(node.pop("required"))
    elif kind == "array":
        if "items" in node:
            out["items"] = _strict(node.pop("items"))
        if node.get("minItems") in (0, 1):
            out["minItems"] = node.pop("minItems")
    # What is left is a bound the API does not enforce: show it to the model in the description.
    if node:
        extra = "{" + ", ".join(f"{k}: {v}" for k, v in node.items()) + "}"
        out["description"] = f"{out['description']}\n\n{extra}" if "description" in out else extra
    return out


@functools.cache
def schema_hash(model: type[BaseModel] = ReviewResponse) -> str:
    """Short hash of the response schema (part of every cache key); a class's schema is fixed, so computed once."""
    text = json.dumps(model.model_json_schema(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
