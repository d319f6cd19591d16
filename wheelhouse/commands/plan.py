"""``plan``: size screened candidates into targets with their starting limit prices (construction + execution).

Input: the ``screen`` command's passing rows as a JSON list (or its CSV), the ``screen`` portfolio JSON, an
optional reference CSV and an optional ``review`` output (``--decisions``). Without ``--decisions`` every
candidate is approved at full size with neutral confidence (``llm.authority.NEUTRAL_CONFIDENCE``), as the
``pass_through`` failure policy does. Output (``docs/portfolio.md``):

    {"targets": [{"candidate_id", "underlying", "strike", "expiry", "right", "contracts", "notional",
                  "limit_price", "score"}],
     "dropped": [{"candidate_id", "reason"}]}

``contracts`` is negative for a sale; ``notional`` is the cash-secured notional (strike x multiplier x
contracts for puts, underlying value covered for calls, USD); ``limit_price`` the day limit order's starting
price; ``score`` the decision matrix's final score.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from alpha.reference import CsvReferenceSource, ReferenceDataError
from domain.config import StrategyConfig, load_config_json
from domain.types import ReviewAction, ReviewDecision, Right
from execution.intents import IntentLedger
from execution.orders import plan_orders
from llm.authority import NEUTRAL_CONFIDENCE
from llm.rows import RowError, candidates_from_rows
from portfolio.caps import contract_notional
from portfolio.construct import construct
from wheelhouse.commands.review import read_rows
from wheelhouse.commands.screen import load_portfolio
from wheelhouse.errors import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help="size screened candidates into targets: 5%% cap, caps, cash, limit prices")
    p.add_argument("candidates", metavar="CANDIDATES.json", help="the screen command's passing rows (JSON list or CSV)")
    p.add_argument("--portfolio", required=True, metavar="PORTFOLIO.json", help="cash, total_value, positions")
    p.add_argument("--reference", metavar="REF.csv",
                   help="underlying, sector, credit_rating, next_earnings, put_call_ratio")
    p.add_argument("--decisions", metavar="REVIEW.json",
                   help="the review command's output; default: approve all with neutral confidence")
    p.add_argument("-o", "--output", metavar="OUT.json", help="write the plan here instead of stdout")
    p.add_argument("--config", default="config.json",
                   help="LEAN project config.json with the settings (default: %(default)s; defaults if absent)")
    p.add_argument("--vix", type=float, help="volatility-regime reading (VIX points); default: none")
    p.add_argument("--holiday-week", action="store_true", help="apply the holiday-week haircut")
    p.set_defaults(func=run)


def read_decisions(path: Path) -> dict[str, ReviewDecision]:
    """Review decisions by candidate id from the review command's JSON output."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: not valid JSON ({exc})") from None
    items = doc.get("decisions") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise CommandError(f"{path}: expected {{\"decisions\": [...]}} as the review command writes it")
    out: dict[str, ReviewDecision] = {}
    for n, d in enumerate(items, start=1):
        try:
            cid = str(d["candidate_id"])
            out[cid] = ReviewDecision(cid, ReviewAction(str(d["action"])), float(d["size_multiplier"]),
                                      float(d["confidence"]), str(d.get("source", "file")), str(d.get("rationale", "")))
        except (KeyError, TypeError, ValueError) as exc:
            raise CommandError(f"{path} decision {n}: needs candidate_id, action (approve/reduce/reject), "
                               f"size_multiplier and confidence ({exc})") from None
    return out


def build_plan(args: argparse.Namespace) -> dict[str, Any]:
    cfg_path = Path(args.config)
    config = load_config_json(cfg_path) if cfg_path.exists() else StrategyConfig()
    try:
        candidates, market = candidates_from_rows(read_rows(Path(args.candidates)), config.general.risk_free_rate,
                                                  args.vix)
    except RowError as exc:
        raise CommandError(f"{args.candidates}: {exc}") from None
    portfolio = load_portfolio(Path(args.portfolio), market.as_of)
    reference = dict(market.reference)
    if args.reference:
        try:
            source = CsvReferenceSource(args.reference)
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from None
        reference.update({u: source.get(u, market.as_of.date()) for u in source.underlyings()})
    market = replace(market, reference=reference, holiday_week=bool(args.holiday_week))
    if args.decisions:
        decisions = read_decisions(Path(args.decisions))
    else:
        decisions = {c.id: ReviewDecision(c.id, ReviewAction.APPROVE, 1.0, NEUTRAL_CONFIDENCE, "none",
                                          "no review given: neutral confidence") for c in candidates}
    result = construct(candidates, decisions, portfolio, market, config)
    quotes = {c.quote.symbol: c.quote for c in candidates}
    limits = {o.symbol: o.limit_price for o in plan_orders(result.targets, quotes, config, market.as_of, IntentLedger())}
    by_id = {c.id: c for c in candidates}
    targets = []
    for t in result.targets:
        c = by_id[t.candidate_id or ""]
        targets.append({
            "candidate_id": c.id, "underlying": t.underlying, "strike": t.strike,
            "expiry": t.expiry.isoformat() if t.expiry else None, "right": (t.right or Right.PUT).value,
            "contracts": t.quantity, "notional": round(-t.quantity * contract_notional(c), 2),
            "limit_price": limits.get(t.symbol), "score": round(t.score or 0.0, 4),
        })
    dropped = [{"candidate_id": cid, "reason": why} for cid, why in result.dropped]
    return {"targets": targets, "dropped": dropped}


def run(args: argparse.Namespace) -> int:
    doc = build_plan(args)
    text = json.dumps(doc, indent=2)
    notional = sum(t["notional"] for t in doc["targets"])
    summary = f"{len(doc['targets'])} targets (${notional:,.0f} cash-secured notional), {len(doc['dropped'])} dropped"
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        print(summary)
    else:
        print(text)
        print(summary, file=sys.stderr)
    return 0
