"""``report``: render the report of a LEAN backtest result folder, or re-render an offline one.

    python -m wheelhouse report backtests/2024-05-01_12-00-00 [--out DIR] [--with-benchmarks [--data DIR]]

A LEAN result folder (``<id>.json``) gets the same report as an offline run: statistics recomputed with the
same definitions, LEAN's own statistics beside them, the benchmark LEAN tracked as ``underlying``; with
``--with-benchmarks`` the offline put-write and buy-write benchmarks run over the same dates (default data, or
``--data``) so LEAN and offline runs compare side by side. A folder written by ``backtest`` (it holds
``stats.json`` and ``daily.csv``) is re-rendered in place.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from wheelhouse.errors import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="render the report of a LEAN backtest result folder (or an offline run)")
    p.add_argument("result", help="backtests/<timestamp>/ of 'lean backtest', its <id>.json, or an offline report folder")
    p.add_argument("--out", help="report folder (default: <result>/wheelhouse-report, or the offline folder itself)")
    p.add_argument("--multiplier", type=int, default=100,
                   help="contract multiplier for premium figures of a LEAN result (default: %(default)s)")
    p.add_argument("--with-benchmarks", action="store_true",
                   help="run the offline put-write and buy-write benchmarks over the same dates")
    p.add_argument("--data", help="LEAN data folder for --with-benchmarks (default: the bundled default data)")
    p.add_argument("--config", default="config.json", help="config.json for --with-benchmarks (default: %(default)s)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from wheelhouse.report.lean_result import load_lean_result
    from wheelhouse.report.writer import load_offline, write_report

    src = Path(args.result)
    if not src.exists():
        raise CommandError(f"{src}: no such file or folder")
    if args.multiplier <= 0:
        raise CommandError(f"--multiplier must be positive, not {args.multiplier}")
    offline = src.is_dir() and (src / "stats.json").is_file() and (src / "daily.csv").is_file()
    if offline:
        data = load_offline(src)
        out = Path(args.out) if args.out else src
    else:
        data = load_lean_result(src, args.multiplier)
        out = Path(args.out) if args.out else (src if src.is_dir() else src.parent) / "wheelhouse-report"
        if args.with_benchmarks:
            add_benchmarks(data, args)
    path = write_report(data, out)
    print(f"report: {path}")
    return 0


def add_benchmarks(data: object, args: argparse.Namespace) -> None:
    """Run the offline put-write and buy-write over the report's dates and add them (LEAN results)."""
    from datetime import date

    from domain.config import ConfigError
    from wheelhouse.benchmarks import BuyWrite, PutWrite
    from wheelhouse.commands.backtest import load_config
    from wheelhouse.data.errors import DataError
    from wheelhouse.engine.run import BacktestRun
    from wheelhouse.engine.simulator import Simulator
    from wheelhouse.engine.sources import DataAdapter
    from wheelhouse.report.model import ReportData
    from wheelhouse.report.stats import performance

    assert isinstance(data, ReportData)
    config = load_config(args.config)
    start, end = date.fromisoformat(str(data.stats["start"])), date.fromisoformat(str(data.stats["end"]))
    try:
        config = config.replace(initial_cash=data.start_value)
        source = DataAdapter.open(args.data, config).for_benchmarks()
    except (DataError, ConfigError) as exc:
        raise CommandError(str(exc)) from None
    benches = data.stats.setdefault("benchmarks", {})
    assert isinstance(benches, dict)
    for cls in (PutWrite, BuyWrite):
        res = Simulator(source, config, cls(config.general.underlyings[0]), start, end).run()
        eq = BacktestRun.equity_of(res)
        data.benchmarks[cls.name] = eq
        benches[cls.name] = performance(eq, data.start_value, None, [c.pnl for c in res.closed], res.fees,
                                        res.premium_collected, res.model_priced)
    data.notes.append(f"put_write and buy_write: offline benchmarks on {source.description}.")
