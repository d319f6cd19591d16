"""Speed and accuracy of the pricing package against QuantLib, measured in the same process.

Run through ``make bench`` (``python -m wheelhouse.bench``). Times are CPU seconds of this process
(``time.process_time``), best of three, so other work on a shared machine disturbs the ratios little;
those kernels run on one thread, like the QuantLib loops they are compared with. One extra line times
American pricing on all of numba's threads by the wall clock (it depends on how busy the machine is).
QuantLib is a development dependency; without it the ratios are skipped.
"""

from __future__ import annotations

import functools
import os
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

N_BIG = 1_000_000
N_QL = 20_000
N_QL_AMER = 2_000
N_ACCURACY = 300


def _best(fn: Callable[[], Any], repeats: int = 3, clock: Callable[[], float] = time.process_time) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = clock()
        fn()
        best = min(best, clock() - t0)
    return max(best, 1e-9)


def _contracts(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    s = rng.uniform(20.0, 500.0, n)
    return {
        "s": s,
        "k": s * np.exp(rng.uniform(-0.4, 0.4, n)),
        "days": rng.integers(1, 731, n),
        "r": rng.uniform(0.0, 0.08, n),
        "q": rng.uniform(0.0, 0.05, n),
        "v": rng.uniform(0.05, 1.5, n),
        "call": rng.random(n) < 0.5,
    }


class _QuantLib:
    """Per-contract QuantLib loops, written the way a Python user would call the library."""

    def __init__(self) -> None:
        import QuantLib as ql

        self.ql = ql
        self.today = ql.Date(2, 1, 2024)
        ql.Settings.instance().evaluationDate = self.today
        dc = ql.Actual365Fixed()
        self.spot, self.rate, self.div, self.vol = (ql.SimpleQuote(x) for x in (100.0, 0.0, 0.0, 0.2))
        self.process = ql.BlackScholesMertonProcess(
            ql.QuoteHandle(self.spot),
            ql.YieldTermStructureHandle(ql.FlatForward(self.today, ql.QuoteHandle(self.div), dc)),
            ql.YieldTermStructureHandle(ql.FlatForward(self.today, ql.QuoteHandle(self.rate), dc)),
            ql.BlackVolTermStructureHandle(
                ql.BlackConstantVol(self.today, ql.NullCalendar(), ql.QuoteHandle(self.vol), dc)
            ),
        )
        self.european_engine = ql.AnalyticEuropeanEngine(self.process)
        self.qdfp_fast = ql.QdFpAmericanEngine(self.process, ql.QdFpAmericanEngine.fastScheme())
        self.qdfp_high = ql.QdFpAmericanEngine(self.process, ql.QdFpAmericanEngine.highPrecisionScheme())

    def _option(self, i: int, c: dict[str, np.ndarray], american: bool) -> Any:
        ql = self.ql
        self.spot.setValue(float(c["s"][i]))
        self.rate.setValue(float(c["r"][i]))
        self.div.setValue(float(c["q"][i]))
        self.vol.setValue(float(c["v"][i]))
        payoff = ql.PlainVanillaPayoff(ql.Option.Call if c["call"][i] else ql.Option.Put, float(c["k"][i]))
        expiry = self.today + int(c["days"][i])
        exercise = ql.AmericanExercise(self.today, expiry) if american else ql.EuropeanExercise(expiry)
        return ql.VanillaOption(payoff, exercise)

    def european_greeks(self, c: dict[str, np.ndarray], n: int) -> None:
        for i in range(n):
            opt = self._option(i, c, False)
            opt.setPricingEngine(self.european_engine)
            opt.NPV(), opt.delta(), opt.gamma(), opt.vega(), opt.theta(), opt.rho()

    def iv_greeks(self, c: dict[str, np.ndarray], prices: np.ndarray, n: int) -> None:
        for i in range(n):
            opt = self._option(i, c, False)
            opt.setPricingEngine(self.european_engine)
            try:
                iv = opt.impliedVolatility(float(prices[i]), self.process, 1e-8, 100, 1e-4, 5.0)
            except RuntimeError:
                continue
            self.vol.setValue(iv)
            opt.NPV(), opt.delta(), opt.gamma(), opt.vega(), opt.theta(), opt.rho()

    def american(self, c: dict[str, np.ndarray], n: int, high: bool = False) -> np.ndarray:
        out = np.empty(n)
        for i in range(n):
            opt = self._option(i, c, True)
            opt.setPricingEngine(self.qdfp_high if high else self.qdfp_fast)
            out[i] = opt.NPV()
        return out


def _american_grid(n: int, seed: int) -> dict[str, np.ndarray]:
    """The issue's grid: spot 100, strikes 70-140, 1 day to 2 years, r 0-8 %, q 0-6 %, vol 5-150 %."""
    rng = np.random.default_rng(seed)
    return {
        "s": np.full(n, 100.0),
        "k": 100.0 * np.exp(rng.uniform(-0.35, 0.35, n)),
        "days": rng.choice([1, 2, 7, 14, 30, 60, 91, 182, 365, 548, 730], n),
        "r": rng.choice([0.0, 0.01, 0.03, 0.05, 0.08], n),
        "q": rng.choice([0.0, 0.0, 0.01, 0.03, 0.06], n),
        "v": np.exp(rng.uniform(np.log(0.05), np.log(1.5), n)),
        "call": rng.random(n) < 0.4,
    }


def bench_pricing() -> None:
    """Run the pricing benchmarks, printing the report as it comes."""
    from pricing._jit import threads
    from pricing.american import DEFAULT, FAST, american, american_price
    from pricing.bsm import bsm
    from pricing.chain import analyse_arrays

    def say(text: str) -> None:
        print(text, flush=True)

    try:
        ql_loops: _QuantLib | None = _QuantLib()
    except ImportError:
        ql_loops = None
        say("QuantLib is not installed (pip install -r requirements-dev.txt): ratios skipped")

    c = _contracts(N_BIG, 1)
    t = c["days"] / 365.0
    args = (c["s"], c["k"], t, c["r"], c["q"], c["v"], c["call"])
    bsm(*(a[:10] for a in args))  # load the compiled kernels before timing
    ours = N_BIG / _best(lambda: bsm(*args))
    say(f"European price + 5 Greeks:  ours {ours / 1e6:6.2f} M/s (1e6 contracts)")
    if ql_loops is not None:
        ref = N_QL / _best(lambda: ql_loops.european_greeks(c, N_QL), 1)
        say(f"  QuantLib analytic engine loop {ref / 1e3:6.1f} k/s -> ratio {ours / ref:6.0f}x")

    prices = bsm(*args).price
    iv_args = (prices, c["s"], c["k"], t, c["r"], c["q"], c["call"], False)
    analyse_arrays(*(a[:10] if isinstance(a, np.ndarray) else a for a in iv_args))
    ours = N_BIG / _best(lambda: analyse_arrays(*iv_args, touch=False))
    tracemalloc.start()
    res = analyse_arrays(*iv_args, touch=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    vega_ok = bsm(*args).vega >= 1e-4
    err = float(np.nanmax(np.abs(res.iv - c["v"])[vega_ok]))
    say(f"European IV + 5 Greeks:     ours {ours / 1e6:6.2f} M/s (1e6 contracts), peak memory "
        f"{peak / 2**20:5.0f} MiB, max |IV error| {err:.1e} where vega >= 1e-4")  # fmt: skip
    if ql_loops is not None:
        ref = N_QL / _best(lambda: ql_loops.iv_greeks(c, prices, N_QL), 1)
        say(f"  QuantLib impliedVolatility + Greeks loop {ref / 1e3:6.1f} k/s -> ratio {ours / ref:6.0f}x")

    if ql_loops is not None:
        g = _american_grid(N_ACCURACY, 7)
        gt = g["days"] / 365.0
        high = ql_loops.american(g, N_ACCURACY, high=True)
        fast = ql_loops.american(g, N_ACCURACY)
        say(f"American accuracy vs QuantLib QdFp high precision ({N_ACCURACY} contracts on the issue's grid):")
        for name, vals in (
            ("ours DEFAULT", american_price(g["s"], g["k"], gt, g["r"], g["q"], g["v"], g["call"], DEFAULT)),
            ("ours FAST", american_price(g["s"], g["k"], gt, g["r"], g["q"], g["v"], g["call"], FAST)),
            ("QuantLib QdFp fast", fast),
        ):
            e = np.abs(vals - high)
            say(f"  {name:20s} max ${e.max():.5f}  p99 ${np.quantile(e, 0.99):.5f}  mean ${e.mean():.6f}")

    a = _contracts(20_000, 3)
    s_, k_, r_, q_, v_, c_ = a["s"], a["k"], a["r"], a["q"], a["v"], a["call"]
    t_ = a["days"] / 365.0
    american(s_[:5], k_[:5], t_[:5], r_[:5], q_[:5], v_[:5], c_[:5])
    amer_ref: float | None = None
    if ql_loops is not None:
        amer_ref = N_QL_AMER / _best(lambda: ql_loops.american(a, N_QL_AMER))
    for name, scheme in (("DEFAULT", DEFAULT), ("FAST", FAST)):
        run = functools.partial(american_price, s_, k_, t_, r_, q_, v_, c_, scheme, parallel=False)
        ours = s_.size / _best(run)
        line = f"American price, {name:7s}, 1 thread:   ours {ours / 1e3:6.1f} k/s"
        if amer_ref is not None:
            line += f"; QuantLib QdFp fast loop {amer_ref / 1e3:5.1f} k/s -> ratio {ours / amer_ref:5.1f}x"
        say(line)
    if threads() > 1:
        wall_ours = s_.size / _best(lambda: american_price(s_, k_, t_, r_, q_, v_, c_), clock=time.perf_counter)
        line = f"American price, DEFAULT, {threads()} threads, wall clock: ours {wall_ours / 1e3:6.1f} k/s"
        if ql_loops is not None:
            wall_ref = N_QL_AMER / _best(lambda: ql_loops.american(a, N_QL_AMER), clock=time.perf_counter)
            line += f"; QuantLib loop {wall_ref / 1e3:5.1f} k/s -> ratio {wall_ours / wall_ref:5.1f}x"
        say(line + f" (machine load {os.getloadavg()[0]:.1f})")
    n = 5_000
    sub = (s_[:n], k_[:n], t_[:n], r_[:n], q_[:n], v_[:n], c_[:n])
    ours = n / _best(lambda: american(*sub), 1)
    say(f"American price + 5 Greeks (DEFAULT): ours {ours / 1e3:6.1f} k/s")
    pa = american_price(*sub)
    ours = n / _best(lambda: analyse_arrays(pa, s_[:n], k_[:n], t_[:n], r_[:n], q_[:n], c_[:n], True), 1)
    say(f"American IV + 5 Greeks (DEFAULT):    ours {ours / 1e3:6.1f} k/s")
