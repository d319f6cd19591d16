"""Broadcasting helpers shared by the vectorised entry points."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def flat_broadcast(
    floats: tuple[ArrayLike, ...], bools: tuple[ArrayLike, ...] = ()
) -> tuple[tuple[int, ...], list[NDArray[np.float64]], list[NDArray[np.bool_]]]:
    """Broadcast every argument to one shape and return it with flat contiguous float64 / bool copies."""
    fs = [np.asarray(a, dtype=np.float64) for a in floats]
    bs = [np.asarray(a, dtype=np.bool_) for a in bools]
    shape = np.broadcast_shapes(*(a.shape for a in fs), *(a.shape for a in bs))
    flat_f = [np.ascontiguousarray(np.broadcast_to(a, shape)).reshape(-1) for a in fs]
    flat_b = [np.ascontiguousarray(np.broadcast_to(a, shape)).reshape(-1) for a in bs]
    return shape, flat_f, flat_b
