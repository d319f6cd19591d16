"""``backtest``: run the strategy and its benchmarks offline and write the report.

    python -m wheelhouse backtest [--data DIR] [--config config.json] [--start YYYY-MM-DD] [--end YYYY-MM-DD]
                                  [--out DIR]

Without ``--data`` the bundled default data is used (S&P 500 1999-2018 with model-priced chains). A progress
bar goes to stderr; the last line on stdout names the report.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from domain.config import ConfigError, StrategyConfig, load_config_json
from wheelhouse.errors import CommandError

DEFAULT_OUT = Path("backtests") / "offline"


def parse_day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{name} '{text}' is not a date; use YYYY-MM-DD") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backtest", help="run the strategy offline on a LEAN data folder or the default data")
    p.add_argument("--data", help="LEAN data folder (default: bundled S&P 500 1999-2018, model-priced chains)")
    p.add_argument("--config", default="config.json", help="LEAN project config.json (default: %(default)s)")
    p.add_argument("--start", help="first day, YYYY-MM-DD (default: start_date of the config)")
    p.add_argument("--end", help="last day, YYYY-MM-DD (default: end_date of the config)")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="report folder (default: %(default)s)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override one config.json parameter for this run (repeatable)")
    p.add_argument("--reference", help="reference CSV (underlying, sector, credit_rating, next_earnings, "
                                       "put_call_ratio[, date]) for the screens")
    p.add_argument("--review-cache", default="storage",
                   help="folder of the review cache, LEAN's local ObjectStore (default: %(default)s)")
    p.add_argument("--network", action="store_true",
                   help="allow review_mode_backtest 'live'/'record' to call the Anthropic API")
    p.add_argument("--no-benchmarks", action="store_true", help="skip the put-write/buy-write/buy-and-hold runs")
    p.add_argument("--sequential", action="store_true", help="run the benchmarks after the strategy, not beside it")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def load_config(path: str, overrides: list[str] | None = None) -> StrategyConfig:
    """``config.json``'s parameters with ``NAME=VALUE`` overrides applied (validated like the file)."""
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"{file}: no such config file (give --config path/to/config.json)")
    config = load_config_json(file)
    changes: dict[str, str] = {}
    for item in overrides or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"--set {item!r}: expected NAME=VALUE")
        changes[name.strip()] = value.strip()
    return config.replace(**changes) if changes else config


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from wheelhouse.data.errors import DataError
    from wheelhouse.engine.errors import EngineError, InvariantError
    from wheelhouse.engine.pipeline import NetworkNotAllowed
    from wheelhouse.engine.run import run_backtest
    from wheelhouse.engine.sources import DataAdapter
    from wheelhouse.report.writer import write_report

    config = load_config(args.config, args.set)
    start = parse_day(args.start, "--start") or config.general.start_date
    end = parse_day(args.end, "--end") or config.general.end_date
    if start >= end:
        raise CommandError(f"--start {start} must be before --end {end}")
    if args.data is not None and not Path(args.data).is_dir():
        raise CommandError(f"--data {args.data}: no such folder; expected a LEAN data folder")
    try:
        config = config.replace(start_date=start, end_date=end)
        reference = None
        if args.reference is not None:
            from alpha.reference import CsvReferenceSource, ReferenceDataError

            try:
                reference = CsvReferenceSource(args.reference)
            except ReferenceDataError as exc:
                raise CommandError(str(exc)) from None
        source = DataAdapter.open(args.data, config, reference)
        days = source.trading_days(start, end)
        if not days:
            raise CommandError(f"no trading sessions with data between {start} and {end} ({source.description})")
        bar = tqdm(total=len(days), desc="backtest", unit="day", file=sys.stderr, disable=args.quiet,
                   mininterval=0.5)

        def tick(_: date) -> None:
            bar.update(1)

        try:
            result = run_backtest(config, start=start, end=end, state_dir=Path(args.out) / "state",
                                  review_cache=args.review_cache, allow_network=args.network,
                                  benchmarks=() if args.no_benchmarks else ("put_write", "buy_write", "underlying"),
                                  parallel=not args.sequential, on_session=tick, adapter=source)
        finally:
            bar.close()
    except (DataError, NetworkNotAllowed, ConfigError) as exc:
        raise CommandError(str(exc)) from None
    except InvariantError as exc:
        raise CommandError(f"the run stopped: {exc}") from None
    except EngineError as exc:
        raise CommandError(f"the run stopped: {exc}") from None
    path = write_report(result.report(), args.out)
    s = result.stats()
    benches = s.get("benchmarks")
    pw = (benches.get("put_write") if isinstance(benches, dict) else None) or {}
    print(f"strategy: CAGR {_pct(s.get('cagr'))}, volatility {_pct(s.get('annual_volatility'))}, "
          f"max drawdown {_pct(s.get('max_drawdown'))}, Sharpe {_num(s.get('sharpe'))}; "
          f"put-write: CAGR {_pct(pw.get('cagr'))}, max drawdown {_pct(pw.get('max_drawdown'))}")
    print(f"{result.seconds:.0f} s; report: {path}")
    return 0


def _pct(x: object) -> str:
    return f"{100 * float(x):.2f}%" if isinstance(x, int | float) else "n/a"


def _num(x: object) -> str:
    return f"{float(x):.2f}" if isinstance(x, int | float) else "n/a"
