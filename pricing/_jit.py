"""numba's ``njit`` when numba is importable, else a no-op decorator, so every kernel also runs as Python.

Kernels are compiled with ``cache=True`` so a fresh process loads machine code instead of compiling. numba
checks a cached function against its own source file only, not the files of the kernels it calls, so a
change to ``_euro_kernels.py`` would leave a stale compiled copy inside the cache of ``_amer_loops.py``.
The cache therefore lives in a directory named after a hash of every kernel source of this package
(``pricing/__pycache__/numba-<hash>``, or under ``NUMBA_CACHE_DIR`` when that is set): any edit moves all
kernels to a fresh directory. ``NUMBA_DISABLE_JIT=1`` runs the kernels as plain Python.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_HERE = Path(__file__).resolve().parent

_FASTMATH: set[str] = set()
"""No LLVM fast-math: with reassociation or contraction a kernel compiled afresh and the same kernel loaded
from the cache (or inlined into another) can differ in the last bit, and the strategy must give the same
orders for the same inputs, bit for bit."""


def _cache_dir() -> str:
    digest = hashlib.sha256()
    for path in sorted(_HERE.glob("_*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    tag = f"numba-{digest.hexdigest()[:16]}"
    base = os.environ.get("NUMBA_CACHE_DIR")
    return str(Path(base) / "wheelhouse-pricing" / tag) if base else str(_HERE / "__pycache__" / tag)


try:
    import numba
    from numba import njit as _njit
    from numba import prange

    HAVE_NUMBA = True
    _CACHE_DIR = _cache_dir()
except ImportError:  # pragma: no cover - numba ships with LEAN's image and the project's requirements
    _njit = None
    HAVE_NUMBA = False
    prange = range


def njit(func: F) -> F:
    """Compile ``func`` in nopython mode with an on-disk cache (see the module docstring)."""
    return _compile(func, parallel=False)


def njit_parallel(func: F) -> F:
    """Like :func:`njit` with ``parallel=True``: ``prange`` loops run on numba's thread pool."""
    return _compile(func, parallel=True)


def _compile(func: F, parallel: bool) -> F:
    """numba picks a function's cache location when it is decorated, so the package's directory is set only
    around the decoration and the process-wide setting is restored afterwards. If that directory cannot be
    written, numba falls back to its usual locations.
    """
    if _njit is None:  # pragma: no cover
        return func
    previous = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = _CACHE_DIR
    try:
        jit = _njit(cache=True, nogil=True, error_model="numpy", fastmath=_FASTMATH, parallel=parallel)
        return jit(func)  # type: ignore[no-any-return]
    finally:
        numba.config.CACHE_DIR = previous


def threads() -> int:
    """Threads numba's parallel loops use (1 without numba)."""
    return int(numba.get_num_threads()) if HAVE_NUMBA else 1
