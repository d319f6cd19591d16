"""Command-line entry point. Each subcommand lives in ``wheelhouse/commands/<name>.py``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from domain.config import ConfigError
from wheelhouse.commands import COMMANDS
from wheelhouse.errors import CommandError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m wheelhouse",
        description="Systematic option-premium strategy (cash-secured puts, covered calls) for QuantConnect LEAN.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        module = importlib.import_module(f"wheelhouse.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; user mistakes print one line to stderr and return 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except (CommandError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return int(result or 0)
