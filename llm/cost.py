"""Cost estimate of one review from the real rendered prompts: ``python -m llm.cost``.

It renders the actual system and user prompts for a typical rebalance (5 candidates, 4 open positions, no
news), counts tokens with the documented approximation of 3.5 characters per token (no Claude tokenizer
ships offline; JSON-heavy text often runs nearer 3 characters per token, so a 2.5 figure is printed as a
conservative bound), adds the structured-output schema, and prices three answers: the offline reviewer's
actual answer for the same request, an answer at the prompt's length limits (rationale 25 words, other
texts 10 words, full lists), and the schema's maximum. Prices come from the config's price table.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from domain.config import StrategyConfig
from domain.types import (
    AssetKind,
    Candidate,
    Greeks,
    MarketContext,
    OptionQuote,
    PortfolioState,
    Position,
    Reference,
    Right,
    Strategy,
    Verdict,
)
from llm.budget import CACHE_READ_MULTIPLIER, CHARS_PER_TOKEN
from llm.contract import CandidateReview, ReviewResponse, api_schema
from llm.offline import OfflineReviewer
from llm.render import load_prompts
from llm.request import build_request

AS_OF = datetime(2018, 3, 2, 15, 50)
RULES = ("dte_range", "delta_range", "iv_rank_min", "premium_yield_min", "open_interest_min", "volume_min",
         "spread_max", "earnings_clear", "sector_cap", "credit_rating")
WORDS_PER_RATIONALE = 25
WORDS_PER_TEXT = 10
"""The length limits the system prompt asks for (``llm/prompts/system.md``, Output)."""
CACHE_MINIMUM_TOKENS = {"claude-haiku-4-5": 4096}
"""Shortest prompt prefix the API caches for a model (Anthropic's prompt-caching page); shorter is not cached."""


def sample_rebalance() -> tuple[list[Candidate], PortfolioState, MarketContext]:
    """A typical weekly rebalance: five candidates (four puts, one call) on five underlyings."""
    rows = [  # underlying, spot, strike, right, bid, ask, iv, delta, sector
        ("SPY", 270.0, 255.0, Right.PUT, 2.95, 3.02, 0.17, -0.24, "ETF"),
        ("AAPL", 176.0, 165.0, Right.PUT, 2.40, 2.50, 0.27, -0.26, "Technology"),
        ("JPM", 113.0, 106.0, Right.PUT, 1.30, 1.36, 0.24, -0.25, "Financials"),
        ("XOM", 75.0, 71.0, Right.PUT, 0.80, 0.84, 0.21, -0.23, "Energy"),
        ("MSFT", 93.0, 99.0, Right.CALL, 0.95, 1.00, 0.24, 0.24, "Technology"),
    ]
    expiry = date(2018, 4, 6)
    candidates = []
    for i, (und, spot, strike, right, bid, ask, iv, delta, sector) in enumerate(rows):
        q = OptionQuote(symbol=f"{und:<6}{expiry:%y%m%d}{right.value}{round(strike * 1000):08d}", underlying=und,
                        right=right, strike=strike, expiry=expiry, bid=bid, ask=ask, underlying_price=spot,
                        quote_time=AS_OF, volume=1500, open_interest=12000, iv=iv,
                        greeks=Greeks(delta=delta, gamma=0.02, vega=0.15, theta=-0.05))
        verdicts = tuple(Verdict(r, "pass", "") for r in RULES[:-1]) + (Verdict("credit_rating", "n/a",
                                                                                "rating unknown: policy allow"),)
        strategy = Strategy.CASH_SECURED_PUT if right is Right.PUT else Strategy.COVERED_CALL
        candidates.append(Candidate(quote=q, strategy=strategy, score=8.4 - 0.3 * i, as_of=AS_OF, verdicts=verdicts,
                                    premium_yield=(bid + ask) / 2 / strike * 365 / 35, iv_percentile=0.62,
                                    iv_rank=0.55, sector=sector, contracts=2))
    positions = (
        Position("SPY", "SPY", 0, 0),
        Position("MSFT", "MSFT", 200, 88.0, sector="Technology"),
        Position("MSFT  180316C00095000", "MSFT", -2, 1.1, AssetKind.OPTION, Right.CALL, 95.0, date(2018, 3, 16), 100),
        Position("IWM   180323P00148000", "IWM", -3, 1.6, AssetKind.OPTION, Right.PUT, 148.0, date(2018, 3, 23), 100),
        Position("KO    180406P00042000", "KO", -5, 0.4, AssetKind.OPTION, Right.PUT, 42.0, date(2018, 4, 6), 100),
    )[1:]
    portfolio = PortfolioState(cash=900_000.0, total_value=1_000_000.0, positions=positions, as_of=AS_OF,
                               prices={"MSFT": 93.0, "IWM": 153.0, "KO": 44.0})
    reference = {und: Reference(und, sector=sector, credit_rating=None, next_earnings=date(2018, 4, 26),
                                put_call_ratio=0.9) for und, *_, sector in rows}
    market = MarketContext(as_of=AS_OF, rate=0.016, vix=19.6, reference=reference,
                           realised_vol={r[0]: r[6] * 0.85 for r in rows}, forecast_vol={r[0]: r[6] * 0.9 for r in rows})
    return candidates, portfolio, market


def _limit_answer(ids: list[str]) -> str:
    # Typical English words are 4-5 characters; "word" keeps the count honest at 4 + a space.
    words = " ".join(["word"] * WORDS_PER_TEXT)
    one = {"action": "reduce", "size_multiplier": 0.5, "confidence": 6,
           "rationale": " ".join(["word"] * WORDS_PER_RATIONALE), "risk_factors": [words] * 3,
           "catalysts": [words] * 2, "sentiment": "neutral", "earnings_impact": words, "sector_macro": words,
           "best_case": words, "worst_case": words, "similar_trades": words, "exit_plan": words}
    return json.dumps({"decisions": [{"candidate_id": i, **one} for i in ids]})


def _max_answer(ids: list[str]) -> str:
    t = "x" * 100
    one = {"action": "reduce", "size_multiplier": 0.5, "confidence": 6, "rationale": "x" * 240,
           "risk_factors": [t] * 3, "catalysts": [t] * 2, "sentiment": "neutral", "earnings_impact": t,
           "sector_macro": t, "best_case": t, "worst_case": t, "similar_trades": t, "exit_plan": t}
    return json.dumps({"decisions": [{"candidate_id": i, **one} for i in ids]})


def estimate(config: StrategyConfig | None = None, chars_per_token: float = CHARS_PER_TOKEN) -> dict[str, float]:
    """Token counts and dollars per call and per trade for the sample rebalance."""
    config = config or StrategyConfig()
    candidates, portfolio, market = sample_rebalance()
    request, _ = build_request(candidates, portfolio, market, config, anonymise=True)
    prompts = load_prompts()
    system_tokens = len(prompts.system) / chars_per_token
    schema_tokens = len(json.dumps(api_schema())) / chars_per_token
    user_tokens = len(prompts.user(request)) / chars_per_token
    answer = OfflineReviewer().review(request, AS_OF.date()).response
    assert isinstance(answer, ReviewResponse)
    ids = [c.id for c in request.candidates]
    outputs = {
        "offline_answer": len(answer.model_dump_json()) / chars_per_token,
        "prompt_limits": len(_limit_answer(ids)) / chars_per_token,
        "schema_max": len(_max_answer(ids)) / chars_per_token,
    }
    CandidateReview.model_validate(json.loads(_max_answer(ids))["decisions"][0])  # the max case is a valid answer
    r = config.review
    n = len(candidates)
    static = system_tokens + schema_tokens
    minimum = CACHE_MINIMUM_TOKENS.get(r.review_model, 1024)
    # Below the model's minimum the API ignores cache_control: no write surcharge and no discounted reads.
    cached = static >= minimum
    inp_cold = (static + user_tokens) * r.review_input_price_per_mtok / 1e6
    inp_cached = (static * CACHE_READ_MULTIPLIER + user_tokens) * r.review_input_price_per_mtok / 1e6
    out: dict[str, float] = {"candidates": n, "chars_per_token": chars_per_token,
                             "system_tokens": round(system_tokens), "schema_tokens": round(schema_tokens),
                             "user_tokens": round(user_tokens), "cache_minimum_tokens": minimum,
                             "static_prefix_cacheable": int(cached)}
    for name, tokens in outputs.items():
        out[f"output_tokens_{name}"] = round(tokens)
        per_call = inp_cold + tokens * r.review_output_price_per_mtok / 1e6
        out[f"dollars_per_trade_{name}"] = round(per_call / n, 5)
        if cached:
            out[f"dollars_per_trade_{name}_cache_read"] = round(
                (inp_cached + tokens * r.review_output_price_per_mtok / 1e6) / n, 5)
    return out


def main() -> None:
    for cpt in (CHARS_PER_TOKEN, 2.5):
        result = estimate(chars_per_token=cpt)
        print(f"--- {cpt} characters per token ---")
        for key, value in result.items():
            print(f"{key:44s} {value}")


if __name__ == "__main__":
    main()
