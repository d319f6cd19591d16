"""``backtest``: run the strategy offline (the engine itself arrives with the offline-engine work)."""

from __future__ import annotations

import argparse

from wheelhouse.errors import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backtest", help="run the strategy offline on a LEAN data folder or the default data")
    p.add_argument("--data", help="LEAN data folder (default: bundled S&P 500 / VIX history)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    raise CommandError("the offline engine is not available in this version; use 'lean backtest .'")
