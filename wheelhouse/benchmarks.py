"""Benchmarks run on the same data and engine as the strategy: put-write, buy-write, buy-and-hold.

* :class:`PutWrite`, after the CBOE S&P 500 PutWrite Index (PUT) methodology: on each roll date (the monthly
  expiry, the third Friday) the expiring put settles and one new one-month put is sold, struck at the first
  listed strike at or below the underlying price; the number of puts N is as large as full collateral
  allows, N x K = the account's cash after the sale (the T-bill account), which earns the risk-free rate
  (``cash_interest``). Quantities are fractional, as in the index.
* :class:`BuyWrite`, BXM-style: hold the underlying and, on each roll date, sell one-month calls on all of it,
  struck at the first listed strike at or above the underlying price; premiums and settlements are
  reinvested in the underlying at the roll.
* :class:`BuyAndHold`: all capital in the underlying on the first session, held.

Fills, commissions, settlement and interest are the engine's (see ``docs/benchmarks.md`` for where this
departs from CBOE's index arithmetic). The roll rules live in ``wheelhouse.engine.monthly``, which the LEAN
version (``algorithms/put_write.py``) uses too.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from domain.types import Right
from wheelhouse.engine.fees import option_commission, stock_commission
from wheelhouse.engine.fills import fill_price, quote_problem
from wheelhouse.engine.ledger import TradeRow
from wheelhouse.engine.monthly import SAFETY, collateralised_puts, is_roll_date, pick_atm
from wheelhouse.engine.step import Order, Policy, Step


class _Monthly:
    """Shared roll logic: act at the close of the first monthly expiry date, then whenever flat in options."""

    name = "benchmark"
    enforce_entry_caps = False
    uses_chains = False

    def __init__(self, underlying: str, fractional: bool = True) -> None:
        self.underlying = underlying
        self.fractional = fractional
        self.started = False

    def on_trades(self, step: Step | None, trades: Sequence[TradeRow]) -> None:
        return None

    def _due(self, step: Step) -> bool:
        if not step.at_close or step.portfolio.options(self.underlying):
            return False
        return self.started or is_roll_date(step.session, step.next_session)

    def _size(self, n: float) -> float:
        return n if self.fractional else float(int(n))


class PutWrite(_Monthly):
    """Fully collateralised one-month at-the-money puts, rolled monthly (CBOE PUT methodology)."""

    name = "put_write"

    def decide(self, step: Step) -> list[Order]:
        orders: list[Order] = []
        u = self.underlying
        shares = step.portfolio.shares(u)
        spot = step.prices.get(u)
        if spot is None:
            return orders
        cfg = step.config.backtest
        cash = step.portfolio.cash
        if shares:
            # An assigned (physically settled) put: sell the shares at once, as a cash settlement would.
            fee = stock_commission(shares, spot, cfg)
            orders.append(Order(u, u, -shares, is_stock=True, reason="put-write: sell assigned shares"))
            cash += shares * spot - fee
        if not self._due(step):
            return orders
        chain = step.raw_chain(u)
        quote = pick_atm(chain.quotes, step.session, Right.PUT, spot) if chain is not None else None
        if quote is None or quote_problem(quote, step.as_of, step.config.screen.max_quote_age_minutes, True):
            return orders
        price = fill_price(-1.0, None, quote.bid, quote.ask, cfg.slippage_pct_of_spread)
        if price is None:
            return orders
        n = self._size(collateralised_puts(cash, quote.strike, price, quote.multiplier,
                                           lambda k: option_commission(k, cfg)))
        if n <= 0:
            return orders
        self.started = True
        orders.append(Order(quote.symbol, u, -n, reason=f"put-write roll: {n:.4f} puts at strike {quote.strike:g} "
                                                          f"(spot {spot:.2f}), expiry {quote.expiry}"))
        return orders


class BuyWrite(_Monthly):
    """The underlying plus one-month at-the-money calls on all of it, rolled monthly (BXM-style)."""

    name = "buy_write"

    def decide(self, step: Step) -> list[Order]:
        orders: list[Order] = []
        u = self.underlying
        spot = step.prices.get(u)
        if spot is None or not self._due(step):
            return orders
        cfg = step.config.backtest
        shares = step.portfolio.shares(u)
        cash = step.portfolio.cash
        # Reinvest cash (premiums, called-away proceeds) in the underlying; sell shares if cash is short.
        target = self._size((shares * spot + cash - stock_commission(abs(cash) / spot, spot, cfg)) / spot
                            * (1 - SAFETY))
        trade = target - shares
        if abs(trade) * spot > 1.0:
            orders.append(Order(u, u, trade, is_stock=True, reason="buy-write: reinvest at the roll"))
            shares = target
        chain = step.raw_chain(u)
        quote = pick_atm(chain.quotes, step.session, Right.CALL, spot) if chain is not None else None
        if quote is None or quote_problem(quote, step.as_of, step.config.screen.max_quote_age_minutes, True):
            return orders
        n = self._size(shares / quote.multiplier)
        if n <= 0:
            return orders
        self.started = True
        orders.append(Order(quote.symbol, u, -n, reason=f"buy-write roll: {n:.4f} calls at strike {quote.strike:g} "
                                                          f"(spot {spot:.2f}), expiry {quote.expiry}"))
        return orders


class BuyAndHold:
    """All capital in the underlying at the first close, held to the end."""

    name = "underlying"
    enforce_entry_caps = False
    uses_chains = False

    def __init__(self, underlying: str, fractional: bool = True) -> None:
        self.underlying = underlying
        self.fractional = fractional
        self.bought = False

    def on_trades(self, step: Step | None, trades: Sequence[TradeRow]) -> None:
        return None

    def decide(self, step: Step) -> list[Order]:
        spot = step.prices.get(self.underlying)
        if self.bought or spot is None or not step.at_close:
            return []
        cash = step.portfolio.cash
        fee = stock_commission(cash / spot, spot, step.config.backtest)
        n = (cash - fee) / spot * (1 - SAFETY)
        n = n if self.fractional else float(int(n))
        self.bought = True
        return [Order(self.underlying, self.underlying, n, is_stock=True, reason="buy and hold")]


BENCHMARKS: dict[str, Callable[[str], Policy]] = {"put_write": PutWrite, "buy_write": BuyWrite,
                                                  "underlying": BuyAndHold}
"""stats.json ``benchmarks`` keys -> policy classes."""


# ----- the LEAN project of the put-write benchmark ---------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
LEAN_PROJECT_FILES = (
    "config.json", "requirements.txt", "algorithms/__init__.py", "algorithms/convert.py", "algorithms/put_write.py",
    "wheelhouse/__init__.py", "wheelhouse/engine/__init__.py", "wheelhouse/engine/monthly.py",
)  # fmt: skip
LEAN_MAIN = '''"""LEAN's entry file of the put-write benchmark project (made by ``make put-write-project``)."""

from AlgorithmImports import *

from algorithms.put_write import PutWriteBenchmarkAlgorithm


class PutWriteAlgorithm(PutWriteBenchmarkAlgorithm):
    """The CBOE PUT-style benchmark, as LEAN loads it."""
'''


def lean_project(out: Path, root: Path = ROOT) -> Path:
    """Write a LEAN project folder running :mod:`algorithms.put_write` (``main.py`` defines exactly one
    algorithm class); the project's ``config.json`` parameters are copied, so dates and cash match the
    strategy's. Run it from the workspace root with ``lean backtest <out>``."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / "main.py").write_text(LEAN_MAIN)
    for rel in LEAN_PROJECT_FILES:
        dst = out / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, dst)
    for src in sorted((root / "domain").rglob("*.py")):
        if "__pycache__" not in src.parts:
            dst = out / src.relative_to(root)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    return out


# ----- comparison with the published CBOE PUT figures ------------------------------------------------------
PUBLISHED_WINDOW = (date(2006, 1, 1), date(2015, 12, 31))
PUBLISHED_PUT = {"cagr": 0.066, "annual_volatility": 0.115, "max_drawdown": -0.327}
"""CBOE S&P 500 PutWrite Index (PUT), 2006-2015, as Bondarenko (2016) reports it."""


def compare_put_write(config_path: str = "config.json", overrides: Sequence[str] = ()) -> str:
    """Run the three benchmarks on the default data (1999-2018) and compare the put-write with the published
    PUT figures over 2006-2015; returns a Markdown report (also the figures behind the gap)."""
    import numpy as np
    import pandas as pd

    from domain.config import load_config_json
    from wheelhouse.engine.run import BacktestRun
    from wheelhouse.engine.simulator import Simulator
    from wheelhouse.engine.sources import DataAdapter
    from wheelhouse.report.stats import performance, window

    config = load_config_json(config_path)
    changes = dict(item.partition("=")[::2] for item in overrides)
    if changes:
        config = config.replace(**changes)
    source = DataAdapter.open(None, config).for_benchmarks()
    g = config.general
    start, end = PUBLISHED_WINDOW
    lines = [f"Data: {source.description}", "",
             f"| {start.year}-{end.year} | CAGR | volatility | max drawdown | Sharpe |", "|---|---|---|---|---|",
             f"| CBOE PUT (published) | {PUBLISHED_PUT['cagr']:.1%} | {PUBLISHED_PUT['annual_volatility']:.1%} | "
             f"{PUBLISHED_PUT['max_drawdown']:.1%} | |"]
    rates = None
    results = {}
    for name, cls in BENCHMARKS.items():
        res = Simulator(source, config, cls(g.underlyings[0]), g.start_date, g.end_date).run()
        results[name] = res
        eq = BacktestRun.equity_of(res)
        if rates is None:
            rates = pd.Series([source.rate(d.date()) for d in eq.index], index=eq.index)
        part = window(eq, start, end)
        assert part is not None
        s = performance(part[0], part[1], rates)
        lines.append(f"| {name} (this engine) | {s['cagr']:.1%} | {s['annual_volatility']:.1%} | "
                     f"{s['max_drawdown']:.1%} | {s['sharpe']:.2f} |")
    pw = results["put_write"]
    sells = [t for t in pw.trades if t.action == "sell_to_open" and start <= t.time.date() <= end]
    settled = [t for t in pw.trades if t.action in ("assigned", "expired") and start <= t.time.date() <= end]
    prem = np.array([t.price / (t.strike or 1.0) for t in sells])
    itm = sum(t.action == "assigned" for t in settled)
    assert rates is not None
    inside = rates[(rates.index >= pd.Timestamp(start)) & (rates.index <= pd.Timestamp(end))]
    lines += ["", f"Put-write over the window: {len(sells)} rolls, mean premium {prem.mean():.2%} of the strike "
              f"(median {np.median(prem):.2%}), {itm} of {len(settled)} puts settled in the money; mean T-bill "
              f"rate {inside.mean():.2%}."]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wheelhouse.benchmarks",
                                     description="write the LEAN project of the put-write benchmark, or compare "
                                                 "the offline put-write with the published CBOE PUT figures")
    parser.add_argument("--out", type=Path, default=Path("build") / "PutWrite", help="default: %(default)s")
    parser.add_argument("--compare", action="store_true", help="print the CBOE PUT comparison (docs/benchmarks.md)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="with --compare: override a config.json parameter (e.g. implied_realised_ratio=1.1)")
    args = parser.parse_args(argv)
    if args.compare:
        print(compare_put_write(overrides=args.set))
        return 0
    target = lean_project(args.out)
    print(f"wrote {target}; run it with: lean backtest {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
