"""The kernels give the same numbers as plain Python (NUMBA_DISABLE_JIT=1), and ``import pricing`` is light."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, numpy as np
from pricing.bsm import bsm
from pricing.iv import implied_vol
from pricing.american import american, FAST
s = np.array([100.0, 100.0, 80.0]); k = np.array([95.0, 110.0, 100.0]); t = np.array([0.1, 0.5, 1.0])
call = np.array([True, False, False])
e = bsm(s, k, t, 0.05, 0.01, 0.3, call)
iv = implied_vol(e.price, s, k, t, 0.05, 0.01, call).iv
a = american(s, k, t, 0.05, 0.01, 0.3, call, FAST)
aiv = implied_vol(a.price, s, k, t, 0.05, 0.01, call, True).iv
print(json.dumps({"e": e.price.tolist() + e.delta.tolist() + e.prob_touch.tolist(), "iv": iv.tolist(),
                  "a": a.price.tolist() + a.delta.tolist() + a.vega.tolist(), "aiv": aiv.tolist()}))
"""


def _run(env_extra: dict[str, str]) -> dict[str, list[float]]:
    return json.loads(_run_text(SCRIPT, env_extra))  # type: ignore[no-any-return]


def test_python_and_compiled_kernels_agree() -> None:
    compiled = _run({})
    python = _run({"NUMBA_DISABLE_JIT": "1"})
    for key in compiled:
        np.testing.assert_allclose(python[key], compiled[key], rtol=1e-10, atol=1e-12, err_msg=key)


def test_import_pricing_does_not_load_numba() -> None:
    code = "import sys, pricing, pricing.vol; print('numba' in sys.modules, 'arch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.slow
def test_fresh_compile_and_cached_kernels_give_identical_bits(tmp_path: Path) -> None:
    """A first run compiles the kernels, a second loads them from the cache: bit-identical results (with
    LLVM fast-math on, 15% of these values differed in the last bits)."""
    script = SCRIPT.replace("print(json.dumps({", "print(json.dumps({k: [float(x).hex() for x in v] for k, v in {")
    script = script.replace('"aiv": aiv.tolist()}))', '"aiv": aiv.tolist()}.items()}))')
    env = {"NUMBA_CACHE_DIR": str(tmp_path)}
    assert _run_text(script, env) == _run_text(script, env)


def _run_text(script: str, env_extra: dict[str, str]) -> str:
    env = {**os.environ, **env_extra, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=300)  # fmt: skip
    return out.stdout.strip().splitlines()[-1]
