"""``config``: print the effective settings, check a config.json, or rewrite its parameters from defaults."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from domain.config import StrategyConfig, load_config_json, settings_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="show or check the strategy settings (config.json parameters)")
    p.add_argument("--config", default="config.json", help="LEAN project config.json (default: %(default)s)")
    p.add_argument("--markdown", action="store_true", help="print the settings table as Markdown")
    p.add_argument(
        "--write", action="store_true", help="add missing parameters to config.json with their defaults"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.markdown:
        print(settings_table())
        return 0
    path = Path(args.config)
    if args.write:
        doc = json.loads(path.read_text()) if path.exists() else {}
        current = load_config_json(path) if path.exists() else StrategyConfig()
        params = current.to_parameters()
        doc.setdefault("algorithm-language", "Python")
        doc.setdefault("description", "Systematic cash-secured puts and covered calls with an LLM trade review")
        doc["parameters"] = params
        path.write_text(json.dumps(doc, indent=4) + "\n")
        print(f"wrote {len(params)} parameters to {path}")
        return 0
    cfg = load_config_json(path)
    print(json.dumps(cfg.to_parameters(), indent=2))
    return 0
