"""Subcommands of ``python -m wheelhouse``: each module exposes ``register(subparsers)``."""

COMMANDS: list[str] = ["config", "backtest", "report", "screen", "risk", "optimize", "review", "greeks", "plan"]
