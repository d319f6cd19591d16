"""``risk``: exposures, limits, VaR three ways, expected shortfall, stress, correlation and the gate's verdict
for a portfolio JSON, as JSON on stdout.

Inputs: PORTFOLIO.json (the ``screen`` command's format, optional ``as_of`` and ``account``), MARKET.csv
(current quotes, the ``screen`` chain columns) and HISTORY.csv (``date, symbol, close``; a ``VIX`` symbol,
when present, drives the historical scenarios' volatility moves). Formats and every output field are in
``docs/risk.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from domain.config import StrategyConfig, load_config_json
from domain.config.risk import RiskConfig
from domain.state import MemoryStore
from domain.types import MarketContext, OptionQuote, PortfolioState, Right, Style
from risk.book import portfolio_book
from risk.correlation import correlation_report
from risk.counterparty import DEFAULT_ACCOUNT, account_exposure
from risk.exposures import exposures_of
from risk.gate import RiskGate
from risk.limits import check_greeks, check_measure
from risk.liquidity import check_spread
from risk.scenarios import wide_closes
from risk.stress import run_stress
from risk.var import fallback_vols, var_report
from wheelhouse.errors import CommandError

RV_DAYS = 30


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("risk", help="portfolio Greeks, limits, VaR/ES, stress battery and gate state as JSON")
    p.add_argument("portfolio", metavar="PORTFOLIO.json", help="cash, total_value, positions (see docs/risk.md)")
    p.add_argument("--market", metavar="MARKET.csv", help="current option quotes (the screen command's columns)")
    p.add_argument("--history", metavar="HISTORY.csv", help="daily closes: date, symbol, close")
    p.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD[THH:MM]",
                   help="valuation time (default: the portfolio's as_of, else the newest quote time)")
    p.add_argument("--vix", type=float, help="VIX level for the volatility stops and the review cadence")
    p.add_argument("--config", default="config.json",
                   help="LEAN project config.json with the settings (default: %(default)s; defaults if absent)")
    p.set_defaults(func=run)


def _config(path: str) -> StrategyConfig:
    p = Path(path)
    return load_config_json(p) if p.exists() else StrategyConfig()


def _parse_time(text: str, what: str) -> datetime:
    try:
        if "T" in text or " " in text.strip():
            return datetime.fromisoformat(text.strip())
        return datetime.combine(date.fromisoformat(text.strip()), time(16, 0))
    except ValueError:
        raise CommandError(f"{what} {text!r} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None


def _as_of(args: argparse.Namespace, chain: pd.DataFrame | None) -> datetime:
    if args.as_of:
        return _parse_time(args.as_of, "--as-of")
    try:
        doc = json.loads(Path(args.portfolio).read_text())
    except (OSError, json.JSONDecodeError):
        doc = {}
    if isinstance(doc, dict) and doc.get("as_of"):
        return _parse_time(str(doc["as_of"]), f"{args.portfolio} as_of")
    if chain is not None and chain["quote_time"].notna().any():
        return pd.Timestamp(chain["quote_time"].max()).to_pydatetime()
    raise CommandError("no valuation time: give --as-of, an 'as_of' in the portfolio, or --market quotes")


def quotes_from_chain(chain: pd.DataFrame) -> tuple[dict[str, OptionQuote], int]:
    """Readable rows as quotes keyed by symbol, and how many rows were unreadable (skipped)."""
    out: dict[str, OptionQuote] = {}
    skipped = 0
    for row in chain.itertuples(index=False):
        nums = (row.strike, row.bid, row.ask, row.underlying_price, row.multiplier, row.tick_size)
        if row.right is None or pd.isna(row.expiry) or pd.isna(row.quote_time) or not all(map(math.isfinite, nums)):
            skipped += 1
            continue
        iv = float(row.iv_input) if math.isfinite(row.iv_input) and row.iv_input > 0 else None
        out[str(row.symbol)] = OptionQuote(
            symbol=str(row.symbol), underlying=str(row.underlying), right=Right(row.right), strike=float(row.strike),
            expiry=row.expiry.date(), bid=float(row.bid), ask=float(row.ask),
            underlying_price=float(row.underlying_price), quote_time=row.quote_time.to_pydatetime(),
            style=Style(row.style) if row.style else Style.AMERICAN, multiplier=int(row.multiplier),
            tick_size=float(row.tick_size), volume=float(row.volume) if math.isfinite(row.volume) else 0.0,
            open_interest=float(row.open_interest) if math.isfinite(row.open_interest) else 0.0, iv=iv,
        )
    return out, skipped


def match_positions(portfolio: PortfolioState, quotes: dict[str, OptionQuote]) -> dict[str, OptionQuote]:
    """Quotes keyed by the portfolio's own symbols too, matched on contract terms when the symbols differ."""
    terms = {(q.underlying, q.right, q.strike, q.expiry): q for q in quotes.values()}
    out = dict(quotes)
    for p in portfolio.options():
        if p.symbol not in out and (q := terms.get((p.underlying, p.right, p.strike, p.expiry))) is not None:
            out[p.symbol] = q
    return out


def read_history(path: Path) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, skipinitialspace=True)
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: not a readable CSV ({exc})") from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    try:
        wide = wide_closes(raw.assign(close=pd.to_numeric(raw.get("close"), errors="coerce")))
    except (KeyError, ValueError) as exc:
        raise CommandError(f"{path}: {exc}") from None
    if (wide <= 0).any().any():
        raise CommandError(f"{path}: closes must be positive")
    return wide


def realised_vols(closes: pd.DataFrame | None, as_of: datetime) -> dict[str, float]:
    """Annualised 30-day realised vol (close-to-close log returns, x sqrt(252)) per symbol up to ``as_of``."""
    if closes is None:
        return {}
    past = closes.loc[closes.index <= pd.Timestamp(as_of)]
    out = {}
    for sym in past.columns:
        r = np.log(past[sym].dropna()).diff().dropna().tail(RV_DAYS)
        if len(r) >= 2:
            out[str(sym)] = float(r.std(ddof=1) * math.sqrt(252))
    return out


def run(args: argparse.Namespace) -> int:
    from wheelhouse.commands.screen import load_portfolio, read_chain

    config = _config(args.config)
    chain = read_chain(Path(args.market)) if args.market else None
    as_of = _as_of(args, chain)
    portfolio = load_portfolio(Path(args.portfolio), as_of)
    if not portfolio.total_value > 0:
        raise CommandError(f"{args.portfolio}: total_value must be positive to state exposures")
    quotes, skipped = quotes_from_chain(chain) if chain is not None else ({}, 0)
    quotes = match_positions(portfolio, quotes)
    closes = read_history(Path(args.history)) if args.history else None
    if closes is not None:
        closes = closes.loc[closes.index <= pd.Timestamp(as_of)]
    general = config.general
    unds = {p.underlying for p in portfolio.positions}
    market = MarketContext(as_of=as_of, rate=general.risk_free_rate, vix=args.vix,
                           dividend_yield={u: general.dividend_yield for u in unds},
                           realised_vol=realised_vols(closes, as_of))
    doc = report(portfolio, quotes, market, config, closes, skipped, _account(args.portfolio))
    print(json.dumps(finite(doc), indent=2, default=_json_default, allow_nan=False))
    return 0


def report(portfolio: PortfolioState, quotes: dict[str, OptionQuote], market: MarketContext,
           config: StrategyConfig, closes: pd.DataFrame | None, skipped: int = 0,
           account: str = DEFAULT_ACCOUNT) -> dict[str, Any]:
    """The command's JSON document (see docs/risk.md)."""
    cfg, value = config.risk, portfolio.total_value
    book = portfolio_book(portfolio, quotes, market)
    exposures = exposures_of(book, value)
    limits = {s.name: s.as_dict() for s in check_greeks(exposures, cfg)}
    var = var_report(book, value, config, closes, dict(market.realised_vol))
    for method, loss in var.var.items():
        if loss is not None:
            limits[f"var_{method}"] = check_measure("var", loss / value, cfg.var_limit).as_dict()
    sectors = {p.underlying: p.sector for p in portfolio.positions if p.sector}
    stress = run_stress(book, value, sectors, fallback_vols(book, dict(market.realised_vol)))
    worst = max(stress, key=lambda s: s.loss)
    limits["stress_worst"] = check_measure("stress", worst.loss_pct, cfg.stress_limit).as_dict()
    result = RiskGate(config, MemoryStore()).apply([], portfolio, quotes, market)
    names = [u for u in book.underlyings if closes is not None and u in closes.columns]
    corr = correlation_report(closes, market.as_of, cfg, names).as_dict() if closes is not None and len(names) > 1 else None

    def loss(x: float | None) -> dict[str, float] | None:
        return None if x is None else {"loss": x, "pct": x / value}

    return {
        "as_of": market.as_of.isoformat(),
        "portfolio_value": value,
        "greeks": exposures.as_dict(),
        "limits": limits,
        "var": {k: loss(v) for k, v in var.var.items()},
        "expected_shortfall": {k: loss(v) for k, v in var.expected_shortfall.items()},
        "var_notes": var.notes,
        "approximation": var.approximation,
        "stress": {s.name: s.as_dict() for s in stress},
        "correlation": corr,
        "counterparty": {account: account_exposure(portfolio, {s: q.mid for s, q in quotes.items()})},
        "liquidity": {p.symbol: _spread(p.symbol, quotes.get(p.symbol), cfg) for p in portfolio.options()},
        "breaches": [b.as_dict() for b in result.breaches],
        "exits": [{"symbol": t.symbol, "quantity": t.quantity, "reason": t.reason} for t in result.exits],
        "state": result.state.value,
        "quotes_skipped": skipped,
    }


def _spread(symbol: str, quote: OptionQuote | None, cfg: RiskConfig) -> dict[str, object]:
    chk = check_spread(symbol, quote, cfg)
    return {"spread_pct": chk.spread_pct, "status": chk.status}


def _account(path: str) -> str:
    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError):
        return DEFAULT_ACCOUNT
    return str(doc.get("account") or DEFAULT_ACCOUNT) if isinstance(doc, dict) else DEFAULT_ACCOUNT


def finite(x: Any) -> Any:
    """``x`` with every non-finite float replaced by None (JSON has no NaN or infinity)."""
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [finite(v) for v in x]
    if isinstance(x, float | np.floating):
        return float(x) if math.isfinite(x) else None
    return x


def _json_default(x: object) -> object:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, datetime | date):
        return x.isoformat()
    print(f"warning: {type(x).__name__} written as text", file=sys.stderr)
    return str(x)
