"""``review``: review screened candidates (the ``screen`` command's passing rows as JSON).

Output: ``{"decisions": [{"candidate_id", "symbol", "action", "size_multiplier", "confidence", "source",
"rationale", ...}], "usage": {...}, "metrics": {...}}`` to ``-o`` or stdout. The review cache and the daily
budget live in the ``--state`` folder (default ``storage``, LEAN's local ObjectStore, so a local LEAN
backtest and this command share one cache). ``ANTHROPIC_API_KEY`` and ``ANTHROPIC_BASE_URL`` are read from
the environment in ``live`` and ``record`` modes only. File formats are in ``docs/llm.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from domain.config import StrategyConfig, load_config_json
from domain.types import PortfolioState
from llm.contract import NewsItem
from llm.review import make_reviewer, review_candidates
from llm.rows import RowError, candidates_from_rows
from wheelhouse.errors import CommandError
from wheelhouse.state import FolderStore

MODES = ("live", "record", "replay", "offline")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("review", help="LLM review of screened candidates: approve, reduce or reject each one")
    p.add_argument("candidates", metavar="CANDIDATES.json",
                   help="the screen command's passing rows as JSON records (a .csv screen table also works)")
    p.add_argument("--mode", choices=MODES, default="replay",
                   help="live/record call the model; replay uses the cache (a miss: offline rules); offline: "
                        "rules only (default: %(default)s)")
    p.add_argument("--portfolio", metavar="PORTFOLIO.json", help="cash, total_value, positions (screen's format)")
    p.add_argument("-o", "--output", metavar="OUT.json", help="write the result here instead of stdout")
    p.add_argument("--news", metavar="NEWS.json", help='untrusted text: [{"underlying", "source", "text"}]')
    p.add_argument("--config", default="config.json",
                   help="LEAN project config.json with the settings (default: %(default)s; defaults if absent)")
    p.add_argument("--state", default="storage", help="folder of the review cache and budget (default: %(default)s)")
    p.set_defaults(func=run)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: not valid JSON ({exc})") from None


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Row records from a JSON list (or an object with ``candidates``/``rows``), or a screen CSV."""
    if path.suffix.lower() == ".csv":
        try:
            with path.open(newline="", encoding="utf-8") as fh:
                return [dict(r) for r in csv.DictReader(fh, skipinitialspace=True)]
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: not a readable CSV ({exc})") from None
    doc = _read_json(path)
    if isinstance(doc, dict):
        doc = doc.get("candidates", doc.get("rows"))
    if not isinstance(doc, list) or not all(isinstance(r, dict) for r in doc):
        raise CommandError(f"{path}: expected a JSON list of row objects (or {{\"candidates\": [...]}})")
    return doc


def read_news(path: Path) -> tuple[NewsItem, ...]:
    doc = _read_json(path)
    if not isinstance(doc, list):
        raise CommandError(f"{path}: expected a JSON list of {{underlying, source, text}} objects")
    try:
        return tuple(NewsItem.model_validate(item) for item in doc)
    except ValidationError as exc:
        raise CommandError(f"{path}: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from None


def run(args: argparse.Namespace) -> int:
    cfg_path = Path(args.config)
    config = load_config_json(cfg_path) if cfg_path.exists() else StrategyConfig()
    try:
        candidates, market = candidates_from_rows(read_rows(Path(args.candidates)), config.general.risk_free_rate)
    except RowError as exc:
        raise CommandError(f"{args.candidates}: {exc}") from None
    if args.portfolio:
        from wheelhouse.commands.screen import load_portfolio

        portfolio = load_portfolio(Path(args.portfolio), market.as_of)
    else:
        cash = config.general.initial_cash
        portfolio = PortfolioState(cash=cash, total_value=cash, as_of=market.as_of)
    news = read_news(Path(args.news)) if args.news else ()
    reviewer = make_reviewer(config, args.mode, FolderStore(args.state))
    # A review of past data is anonymised when configured (look-ahead guard); today's is not.
    historical = market.as_of.date() < date.today()
    batch = review_candidates(candidates, portfolio, market, config, reviewer, historical=historical, news=news)
    rows = []
    for c in candidates:
        d = batch.decisions[c.id]
        row: dict[str, Any] = {"candidate_id": c.id, "symbol": c.quote.symbol, "underlying": c.underlying,
                               "strategy": c.strategy.value, "score": c.score, "action": d.action.value,
                               "size_multiplier": d.size_multiplier, "confidence": d.confidence,
                               "source": d.source, "rationale": d.rationale}
        review = batch.reviews.get(c.id)
        if review is not None:
            row.update(review.model_dump(mode="json", exclude={"candidate_id", "action", "size_multiplier",
                                                                "confidence", "rationale"}))
        rows.append(row)
    text = json.dumps({"decisions": rows, "usage": batch.usage_json(), "metrics": batch.metrics}, indent=2)
    kept = sum(r["action"] != "reject" for r in rows)
    summary = (f"{len(rows)} candidates reviewed ({args.mode}, source {batch.source}): {kept} kept, "
               f"{len(rows) - kept} rejected, ${batch.dollars:.4f}" + (f"; {batch.error}" if batch.error else ""))
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        print(summary)
    else:
        print(text)
        print(summary, file=sys.stderr)
    return 0
