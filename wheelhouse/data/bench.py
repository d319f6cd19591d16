"""Speed of the data layer: ``python -m wheelhouse.data.bench [--lean-data DIR]``.

Prints the default data's set-up time and the cost of one day's model chain (arrays, and the full
``ChainSnapshot``), each beside a reference measured in the same run: pricing the same contracts one by one
with a pure-Python Black-Scholes formula. With ``--lean-data``, also GOOG's 2015-12-24 minute chain from
LEAN's sample, cold (zips parsed) and warm (cached).
"""

from __future__ import annotations

import argparse
import math
import time
from datetime import date, datetime
from pathlib import Path

from wheelhouse.data.default import DefaultData


def _naive_bsm(spot: float, strike: float, t: float, rate: float, vol: float, call: bool) -> float:
    if t <= 0:
        return max(spot - strike, 0.0) if call else max(strike - spot, 0.0)
    sd = vol * math.sqrt(t)
    d1 = (math.log(spot / strike) + (rate + 0.5 * vol * vol) * t) / sd
    n1, n2 = 0.5 * (1 + math.erf(d1 / math.sqrt(2))), 0.5 * (1 + math.erf((d1 - sd) / math.sqrt(2)))
    call_value = spot * n1 - strike * math.exp(-rate * t) * n2
    return call_value if call else call_value - spot + strike * math.exp(-rate * t)


def bench_default(step: int = 5) -> list[str]:
    """Model chains on every ``step``-th trading day 1999-2018."""
    t0 = time.perf_counter()
    data = DefaultData()
    setup = time.perf_counter() - t0
    days = data.trading_days(date(1999, 1, 1), date(2018, 12, 31))[::step]
    stamps = [datetime.combine(d, datetime.min.time()).replace(hour=16) for d in days]
    data.chain(data.underlying, stamps[0])  # compile the pricing kernel outside the timing
    t0 = time.perf_counter()
    grids = [data.chain_arrays(s) for s in stamps]
    arrays = (time.perf_counter() - t0) / len(stamps)
    t0 = time.perf_counter()
    quotes = sum(len(data.chain(data.underlying, s)) for s in stamps)
    full = (time.perf_counter() - t0) / len(stamps)
    t0 = time.perf_counter()
    for st, g in grids:
        for k, dte, iv, call in zip(g["strike"].tolist(), g["dte"].tolist(), g["iv"].tolist(), g["is_call"].tolist(),
                                    strict=True):
            _naive_bsm(st.spot, k, dte / 365.0, st.rate, iv, call)
    naive = (time.perf_counter() - t0) / len(stamps)
    per_day = quotes / len(stamps)
    return [
        f"default data set-up (load, GARCH path, calendars): {setup:.2f} s",
        f"model chain, {len(stamps)} days, {per_day:.0f} quotes/day: arrays {arrays * 1e3:.2f} ms/day, "
        f"ChainSnapshot {full * 1e3:.2f} ms/day",
        f"reference, pure-Python BSM of the same contracts: {naive * 1e3:.2f} ms/day; "
        f"arrays / reference = {arrays / naive:.2f}, ChainSnapshot / reference = {full / naive:.2f}",
        f"projected chains for all {len(days) * step} days: {full * len(days) * step:.1f} s",
    ]


def bench_lean(folder: Path) -> list[str]:
    """GOOG 2015-12-24 minute chain from LEAN's sample, cold then warm."""
    from wheelhouse.data.chain import chain_snapshot

    as_of = datetime(2015, 12, 24, 12, 0)
    t0 = time.perf_counter()
    chain = chain_snapshot(folder, "GOOG", as_of, "minute")
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    chain_snapshot(folder, "GOOG", as_of.replace(minute=30), "minute")
    warm = time.perf_counter() - t0
    return [f"LEAN minute chain GOOG 2015-12-24 ({len(chain)} contracts): cold {cold:.2f} s, warm {warm * 1e3:.0f} ms "
            f"(warm / cold = {warm / cold:.2f})"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wheelhouse.data.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--lean-data", type=Path, default=None, help="LEAN data folder (LEAN's sample)")
    parser.add_argument("--step", type=int, default=5, help="time every STEP-th trading day (default 5)")
    args = parser.parse_args(argv)
    for line in bench_default(args.step):
        print(line)
    if args.lean_data is not None:
        for line in bench_lean(args.lean_data):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
