"""``make bench``: every package's speed and accuracy benchmarks, one after another.

Each entry of :data:`BENCHES` names a zero-argument callable as ``"module:function"``; it prints its own
report, or returns its lines (ratios against a reference measured in the same run). ``python -m wheelhouse.bench NAME ...`` runs
only the named entries.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable, Sequence

BENCHES: dict[str, str] = {
    "pricing": "pricing.bench:bench_pricing",
    "engine": "wheelhouse.engine.bench:bench_engine",
    "risk": "risk.bench:main",
    "data": "wheelhouse.data.bench:bench_default",
}


def _load(target: str) -> Callable[[], object]:
    module, _, name = target.partition(":")
    fn: Callable[[], object] = getattr(importlib.import_module(module), name)
    return fn


def main(argv: Sequence[str] | None = None) -> int:
    names = list(argv if argv is not None else sys.argv[1:]) or list(BENCHES)
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(f"error: unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHES)}", file=sys.stderr)
        return 2
    for name in names:
        print(f"== {name} ==", flush=True)
        t0 = time.perf_counter()
        result = _load(BENCHES[name])()
        if isinstance(result, list):  # some benches return their report lines instead of printing them
            print("\n".join(str(line) for line in result), flush=True)
        print(f"({name}: {time.perf_counter() - t0:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
