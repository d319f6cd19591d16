"""``screen``: run the screening alpha on a chain CSV and a portfolio JSON; every contract with its verdicts.

File formats are in ``docs/screening.md``. Without ``-o`` the table goes to stdout and a one-line summary to
stderr; with ``-o`` the table goes to the file and the summary plus the ranked candidates to stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd

from alpha.reference import CsvReferenceSource, ReferenceDataError
from alpha.screen import screen_frame
from alpha.validate import DEFAULT_MULTIPLIER, normalise_chain
from domain.config import StrategyConfig, load_config_json
from domain.types import AssetKind, MarketContext, PortfolioState, Position, Right
from wheelhouse.errors import CommandError

SESSION_CLOSE = time(16, 0)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("screen", help="screen an option chain CSV: every contract with pass/fail per rule")
    p.add_argument("chain", metavar="CHAIN.csv", help="option chain (columns: see docs/screening.md)")
    p.add_argument("--portfolio", required=True, metavar="PORTFOLIO.json", help="cash, total_value, positions")
    p.add_argument("--reference", metavar="REF.csv",
                   help="underlying, sector, credit_rating, next_earnings, put_call_ratio")
    p.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD",
                   help="screen time: a date (its newest quote time, else 16:00) or YYYY-MM-DDTHH:MM; "
                        "default: the newest quote time in the chain")
    p.add_argument("-o", "--output", metavar="OUT.csv", help="write the table here instead of stdout")
    p.add_argument("--config", help="LEAN project config.json with the settings (default: ./config.json when it "
                                    "exists, else the built-in defaults)")
    p.add_argument("--vix", type=float, help="volatility-regime reading (VIX points); default: none")
    p.set_defaults(func=run)


def read_chain(path: Path) -> pd.DataFrame:
    """The chain CSV as raw text columns (bad values are judged by the screen, not here)."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: not a readable CSV ({exc})") from None
    try:
        return normalise_chain(raw)
    except ValueError as exc:
        raise CommandError(f"{path}: {exc}") from None


def _num(pos: dict[str, Any], key: str, where: str, default: float | None = None) -> float:
    value = pos.get(key, default)
    if value is None:
        raise CommandError(f"{where}: '{key}' is required")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise CommandError(f"{where}: '{key}' = {value!r} is not a number") from None
    if not math.isfinite(x):
        raise CommandError(f"{where}: '{key}' = {value!r} is not finite")
    return x


def load_portfolio(path: Path, as_of: datetime | None = None) -> PortfolioState:
    """A portfolio JSON as a PortfolioState; mistakes raise CommandError naming the position and field.

    ``{"cash": 100000, "total_value": 150000, "positions": [{"symbol", "underlying", "quantity", "cost_basis",
    and for options "strike", "expiry" (YYYY-MM-DD), "right" (C/P), optional "multiplier", "sector"}],
    "prices": {"SYMBOL": price}}``; positions and prices are optional.
    """
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise CommandError(f"{path}: expected a JSON object with cash, total_value, positions")
    cash = _num(doc, "cash", str(path))
    total = _num(doc, "total_value", str(path))
    positions: list[Position] = []
    items = doc.get("positions", [])
    if not isinstance(items, list):
        raise CommandError(f"{path}: 'positions' must be a list")
    for n, item in enumerate(items, start=1):
        where = f"{path} position {n}"
        if not isinstance(item, dict):
            raise CommandError(f"{where}: expected an object")
        symbol = str(item.get("symbol") or "").strip()
        if not symbol:
            raise CommandError(f"{where}: 'symbol' is required")
        underlying = str(item.get("underlying") or symbol).strip().upper()
        qty = _num(item, "quantity", where)
        basis = _num(item, "cost_basis", where)
        sector = item.get("sector")
        option_keys = [k for k in ("strike", "expiry", "right") if k in item]
        if not option_keys:
            positions.append(Position(symbol, underlying, qty, basis, multiplier=int(_num(item, "multiplier", where, 1)),
                                      sector=sector))
            continue
        if len(option_keys) < 3:
            missing = sorted({"strike", "expiry", "right"} - set(option_keys))
            raise CommandError(f"{where}: an option needs strike, expiry and right (missing {', '.join(missing)})")
        right = str(item["right"]).strip().upper()[:1]
        if right not in ("C", "P"):
            raise CommandError(f"{where}: 'right' = {item['right']!r} must be C or P")
        try:
            expiry = date.fromisoformat(str(item["expiry"]).strip())
        except ValueError:
            raise CommandError(f"{where}: 'expiry' = {item['expiry']!r} is not YYYY-MM-DD") from None
        mult = _num(item, "multiplier", where, DEFAULT_MULTIPLIER)
        if mult <= 0 or mult != int(mult):
            raise CommandError(f"{where}: 'multiplier' must be a positive whole number")
        positions.append(Position(symbol, underlying, qty, basis, kind=AssetKind.OPTION, right=Right(right),
                                  strike=_num(item, "strike", where), expiry=expiry, multiplier=int(mult),
                                  sector=sector))
    prices = doc.get("prices", {})
    if not isinstance(prices, dict):
        raise CommandError(f"{path}: 'prices' must be an object of symbol -> price")
    marks = {str(k): _num(prices, k, f"{path} prices") for k in prices}
    return PortfolioState(cash=cash, total_value=total, positions=tuple(positions), as_of=as_of, prices=marks)


def resolve_as_of(text: str | None, chain: pd.DataFrame) -> datetime:
    """The screen time: explicit date-time; a date (its newest quote time, else 16:00); else the newest quote."""
    times = chain["quote_time"].dropna()
    if text is None:
        if times.empty:
            raise CommandError("no readable quote_time in the chain: give --as-of")
        return times.max().to_pydatetime()
    try:
        if "T" in text or " " in text.strip():
            return datetime.fromisoformat(text.strip())
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--as-of {text!r} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    same = times[times.dt.date == day]
    return same.max().to_pydatetime() if not same.empty else datetime.combine(day, SESSION_CLOSE)


def _config(path: str | None) -> StrategyConfig:
    if path is not None:
        return load_config_json(path)
    return load_config_json("config.json") if Path("config.json").exists() else StrategyConfig()


def _csv(table: pd.DataFrame) -> str:
    out = table.copy()
    for col in out.columns:
        if out[col].dtype == bool:
            out[col] = out[col].map({True: "true", False: "false"})
    for col in ("expiry", "next_earnings"):
        out[col] = pd.to_datetime(out[col]).dt.strftime("%Y-%m-%d")
    for col in ("quote_time", "as_of"):
        out[col] = pd.to_datetime(out[col]).dt.strftime("%Y-%m-%dT%H:%M:%S")
    return str(out.to_csv(index=False, float_format="%.6g", na_rep=""))


def run(args: argparse.Namespace) -> int:
    config = _config(args.config)
    chain = read_chain(Path(args.chain))
    as_of = resolve_as_of(args.as_of, chain)
    portfolio = load_portfolio(Path(args.portfolio), as_of)
    reference = {}
    if args.reference:
        try:
            source = CsvReferenceSource(args.reference)
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from None
        reference = {u: source.get(u, as_of.date()) for u in source.underlyings()}
    market = MarketContext(as_of=as_of, rate=config.general.risk_free_rate, vix=args.vix, reference=reference)
    result = screen_frame(chain, portfolio, market, config)
    table = result.table
    rejected = int((table["quote_ok"] == "fail").sum())
    summary = (f"{len(table)} contracts at {as_of:%Y-%m-%d %H:%M}: {rejected} quotes rejected, "
               f"{len(result.candidates)} candidates")
    text = _csv(table)
    if args.output:
        Path(args.output).write_text(text)
        print(summary)
        for c in result.candidates[:20]:
            print(f"{c.score:5.2f}  {c.strategy.value:<3}  {c.quote.symbol}  bid {c.quote.bid:g}  "
                  f"delta {c.quote.greeks.delta if c.quote.greeks else float('nan'):+.3f}  x{c.contracts}  {c.id}")
    else:
        sys.stdout.write(text)
        print(summary, file=sys.stderr)
    return 0
