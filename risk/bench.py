"""Risk benchmark: Monte Carlo full revaluation against a plain NumPy anchor measured in the same run, and the
Taylor approximations' VaR error against full revaluation.

The book: 50 option positions on 10 underlyings (short puts and calls, 7-60 days, IV 15-60%), seeded. The
scenarios: 10,000 correlated one-day moves (pairwise correlation 0.5, daily vol = IV / sqrt(252)) with the
configured spot-vol beta. The anchor prices the same 500,000 contract-scenarios with a textbook vectorised
Black-Scholes in NumPy/SciPy (``ndtr``) and sums the P&L; the project's :func:`risk.scenarios.revalue` must
give the same P&L (checked) in the same order of time. Run: ``python -m risk.bench``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np
from scipy.special import ndtr

from domain.config import StrategyConfig
from domain.state import MemoryStore
from domain.types import AssetKind, MarketContext, OptionQuote, PortfolioState, Position, Right, Style
from risk.book import Book, portfolio_book
from risk.gate import RiskGate
from risk.scenarios import Scenarios, euro_greeks, monte_carlo_scenarios, revalue, taylor_pnl
from risk.var import parametric, var_es

AS_OF = datetime(2020, 3, 2, 15, 0)
N_SCENARIOS = 10_000
N_POSITIONS = 50
N_UNDERLYINGS = 10
CORRELATION = 0.5


def bench_book(seed: int = 7) -> tuple[PortfolioState, dict[str, OptionQuote], MarketContext]:
    """The seeded 50-position book (European quotes carrying their IV, so the Greeks are closed-form)."""
    rng = np.random.default_rng(seed)
    positions: list[Position] = []
    quotes: dict[str, OptionQuote] = {}
    prices: dict[str, float] = {}
    for k in range(N_POSITIONS):
        und = f"U{k % N_UNDERLYINGS:02d}"
        spot = prices.setdefault(und, float(rng.uniform(40, 400)))
        right = Right.PUT if rng.random() < 0.7 else Right.CALL
        moneyness = rng.uniform(0.85, 1.0) if right is Right.PUT else rng.uniform(1.0, 1.15)
        strike = round(spot * moneyness, 1)
        expiry = AS_OF.date() + timedelta(days=int(rng.integers(7, 61)))
        iv = float(rng.uniform(0.15, 0.60))
        symbol = f"{und:<6}{expiry:%y%m%d}{right.value}{round(strike * 1000):08d}"
        quotes[symbol] = OptionQuote(symbol, und, right, strike, expiry, 1.0, 1.02, spot, AS_OF,
                                     style=Style.EUROPEAN, iv=iv)
        positions.append(Position(symbol, und, -float(rng.integers(1, 6)), 1.0, AssetKind.OPTION, right, strike,
                                  expiry, 100, Style.EUROPEAN))
    value = 5_000_000.0
    pf = PortfolioState(cash=value, total_value=value, positions=tuple(positions), as_of=AS_OF, prices=prices)
    return pf, quotes, MarketContext(as_of=AS_OF, rate=0.015)


def bench_scenarios(book: Book, beta: float, seed: int = 11) -> Scenarios:
    u = len(book.underlyings)
    vol = np.array([book.vol[book.und == i].mean() for i in range(u)]) / np.sqrt(252)
    corr = np.full((u, u), CORRELATION)
    np.fill_diagonal(corr, 1.0)
    return monte_carlo_scenarios(corr * np.outer(vol, vol), N_SCENARIOS, seed, beta)


def anchor_pnl(book: Book, scen: Scenarios) -> np.ndarray:
    """Plain NumPy/SciPy Black-Scholes revaluation: the reference implementation being timed against."""
    opt = book.is_option
    und = book.und[opt]
    s0, k, v0, q = book.spot[opt], book.strike[opt], book.vol[opt], book.div[opt]
    t0, t1, r = book.t[opt], np.maximum(book.t[opt] - scen.dt, 0.0), book.rate
    w = book.quantity[opt] * book.multiplier[opt]
    call = book.is_call[opt]

    def price(s: np.ndarray, v: np.ndarray, t: np.ndarray) -> np.ndarray:
        sd = v * np.sqrt(t)
        d1 = (np.log(s / k) + (r - q + 0.5 * v * v) * t) / sd
        d2 = d1 - sd
        fwd, disc = s * np.exp(-q * t), k * np.exp(-r * t)
        c = fwd * ndtr(d1) - disc * ndtr(d2)
        return np.where(call, c, c - fwd + disc)

    base = price(s0, v0, t0) @ w
    shocked = price(s0 * (1 + scen.returns[:, und]), np.maximum(v0 * (1 + scen.vol_rel[:, und]), 0.01), t1)
    return shocked @ w - base


def best_of(fn: Callable[[], object], repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_risk() -> dict[str, float]:
    """Timings (seconds), their ratio, P&L agreement and the approximation errors (relative)."""
    config = StrategyConfig()
    pf, quotes, market = bench_book(config.general.seed)
    book = portfolio_book(pf, quotes, market)
    scen = bench_scenarios(book, config.risk.vol_spot_beta)
    base = euro_greeks(book)
    full = revalue(book, scen, base)  # also warms the compiled kernels before timing
    anchor = anchor_pnl(book, scen)
    t_anchor = best_of(lambda: anchor_pnl(book, scen))
    t_full = best_of(lambda: revalue(book, scen, base))
    t_pipeline = best_of(lambda: var_es(revalue(book, bench_scenarios(book, config.risk.vol_spot_beta)), 0.95), 3)
    gate = RiskGate(config, MemoryStore())
    t_gate = best_of(lambda: gate.apply([], pf, quotes, market), 3)
    ref = var_es(full, 0.95)[0]
    out = {
        "positions": float(len(book)),
        "scenarios": float(len(scen)),
        "anchor_seconds": t_anchor,
        "full_revaluation_seconds": t_full,
        "ratio_full_over_anchor": t_full / t_anchor,
        "mc_var_pipeline_seconds": t_pipeline,
        "gate_step_seconds": t_gate,
        "max_abs_pnl_difference_vs_anchor": float(np.max(np.abs(full - anchor))),
        "var95_full": ref,
        "var95_pct_of_value": ref / pf.total_value,
    }
    for name, kw in (("delta_gamma_vega", {}), ("delta_gamma", {"vega": False}),
                     ("delta", {"vega": False, "gamma": False})):
        approx = var_es(taylor_pnl(book, scen, base, **kw), 0.95)[0]
        out[f"{name}_var_error"] = approx / ref - 1.0
    u = len(book.underlyings)
    vol = np.array([book.vol[book.und == i].mean() for i in range(u)]) / np.sqrt(252)
    corr = np.full((u, u), CORRELATION)
    np.fill_diagonal(corr, 1.0)
    cf_var, _ = parametric(book, corr * np.outer(vol, vol), 0.95, 0.975, config.risk.vol_spot_beta, base)
    out["parametric_cornish_fisher_var_error"] = cf_var / ref - 1.0
    return out


def main() -> None:
    r = bench_risk()
    print(f"risk: Monte Carlo full revaluation, {int(r['positions'])} positions x {int(r['scenarios'])} scenarios")
    print(f"  NumPy anchor {r['anchor_seconds'] * 1e3:.1f} ms, project {r['full_revaluation_seconds'] * 1e3:.1f} ms,"
          f" ratio {r['ratio_full_over_anchor']:.2f} (same P&L to {r['max_abs_pnl_difference_vs_anchor']:.1e} $)")
    print(f"  MC VaR pipeline (scenarios + revaluation + quantile) {r['mc_var_pipeline_seconds'] * 1e3:.1f} ms;"
          f" one gate step on the book {r['gate_step_seconds'] * 1e3:.1f} ms")
    print(f"  VaR95 full revaluation {r['var95_full']:,.0f} $ ({r['var95_pct_of_value']:.2%} of value); error of"
          f" delta-gamma-vega {r['delta_gamma_vega_var_error']:+.1%}, delta-gamma (no vega)"
          f" {r['delta_gamma_var_error']:+.1%}, delta only {r['delta_var_error']:+.1%},"
          f" parametric Cornish-Fisher {r['parametric_cornish_fisher_var_error']:+.1%}")


if __name__ == "__main__":
    main()
