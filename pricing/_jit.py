"""numba's ``njit`` when numba is importable, else a no-op decorator, so every kernel also runs as Python.

Kernels are compiled with ``cache=True`` (the machine code is kept in ``__pycache__`` or numba's user cache)
so a fresh process loads them instead of compiling. ``NUMBA_DISABLE_JIT=1`` runs them as plain Python, which
is how tests check the kernels' logic without the compiler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

try:
    from numba import njit as _njit

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - numba ships with LEAN's image and the project's requirements
    _njit = None
    HAVE_NUMBA = False


def njit(func: F) -> F:
    """Compile ``func`` in nopython mode with an on-disk cache; identity without numba."""
    if _njit is None:  # pragma: no cover
        return func
    return _njit(cache=True, nogil=True)(func)  # type: ignore[no-any-return]
