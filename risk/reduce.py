"""The REDUCING close order: which positions the gate closes, and how much, to get back inside the limits.

Order (repeated until every measure is inside its limit or nothing more can help):

1. Take the breached measure furthest past its limit (relative to the limit).
2. Candidates are held positions whose closing moves that measure toward zero and pushes no other measure
   past its limit (nor further past it). Short options come before stock: they carry the gamma and vega and
   are what the strategy sells; shares are sold only when options cannot fix the breach, and only shares not
   covering an open short call (a covered call is never left naked).
3. Within each group, the largest contribution to the breached measure first; ties by symbol.
4. Close the fewest contracts (or shares) that bring the measure back inside, or the whole position.

Exposures are linear in the quantities at today's Greeks, so the effect of each close is exact.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from risk.book import Book
from risk.limits import TOL, allowed_units

FloatArray = NDArray[np.float64]


def sellable_shares(book: Book, remaining: FloatArray, i: int) -> float:
    """Shares of stock leg ``i`` not committed to the open short calls on its underlying."""
    same = book.und == book.und[i]
    calls = same & book.is_option & book.is_call & (remaining < 0)
    committed = float(np.sum(-remaining[calls] * book.multiplier[calls]))
    return max(0.0, float(remaining[i]) - committed)


def plan_reductions(book: Book, units: FloatArray, current: FloatArray, limits: FloatArray,
                    remaining: FloatArray) -> tuple[FloatArray, FloatArray, list[int]]:
    """Trades (signed units per leg) that bring ``current`` inside ``limits`` in the documented order.

    ``units`` is (legs, measures), the exposure of +1 unit of each leg; ``remaining`` the signed quantity
    still held per leg after earlier exits. Returns (trades, exposure after them, indices of measures left breached).
    """
    rem = np.array(remaining, dtype=np.float64)
    x = np.array(current, dtype=np.float64)
    trades = np.zeros(len(book))
    for _ in range(4 * len(book) + 8):
        over = (np.abs(x) - limits) / limits
        j = int(np.argmax(over))
        if over[j] <= TOL:
            break
        if not _close_one(book, units, x, limits, rem, trades, j):
            break
    left = [j for j in range(len(x)) if abs(x[j]) > limits[j] + TOL]
    return trades, x, left


def _close_one(book: Book, units: FloatArray, x: FloatArray, limits: FloatArray, rem: FloatArray,
               trades: FloatArray, j: int) -> bool:
    sign = np.sign(x[j])
    order = sorted(
        (i for i in range(len(book)) if rem[i] != 0),
        key=lambda i: (not book.is_option[i], -abs(rem[i] * units[i, j]), book.symbols[i]),
    )
    for i in order:
        step = -np.sign(rem[i]) * units[i]  # closing one unit
        if step[j] * sign >= 0:
            continue
        cap = abs(rem[i]) if book.is_option[i] else (sellable_shares(book, rem, i) if rem[i] > 0 else abs(rem[i]))
        need = math.ceil((abs(x[j]) - limits[j]) / abs(step[j]) - 1e-9)
        k = allowed_units(x, step, limits, int(min(need, math.floor(cap))))
        if k <= 0:
            continue
        delta = -np.sign(rem[i]) * k
        trades[i] += delta
        rem[i] += delta
        x += k * step
        return True
    return False
