"""Builders for risk tests: books with hand-set Greeks, markets, quotes with a given IV."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from domain.types import MarketContext
from risk.book import Book

AS_OF = datetime(2015, 12, 24, 10, 0)


@dataclass
class Row:
    """One leg with per-share Greeks (as a quote would carry them); ``kind`` 'C', 'P' or 'S' (stock)."""

    kind: str
    quantity: float
    spot: float
    delta: float = 0.0
    gamma: float = 0.0
    vega: float = 0.0
    theta: float = 0.0
    multiplier: float = 100.0
    underlying: str = "XYZ"
    strike: float = 100.0
    t: float = 30 / 365
    vol: float = 0.25


def make_book(rows: Sequence[Row], rate: float = 0.0) -> Book:
    """A book whose Greeks are exactly the rows' (per share x multiplier), without pricing."""
    unds = tuple(dict.fromkeys(r.underlying for r in rows))
    opt = np.array([r.kind != "S" for r in rows], dtype=bool)
    m = np.array([r.multiplier if r.kind != "S" else 1.0 for r in rows])

    def col(name: str) -> np.ndarray:
        return np.array([getattr(r, name) for r in rows], dtype=np.float64)

    return Book(
        as_of=AS_OF, symbols=tuple(f"{r.underlying}{i}{r.kind}" for i, r in enumerate(rows)), underlyings=unds,
        und=np.array([unds.index(r.underlying) for r in rows], dtype=np.int64), is_option=opt,
        is_call=np.array([r.kind == "C" for r in rows], dtype=bool), quantity=col("quantity"), multiplier=m,
        spot=col("spot"), strike=np.where(opt, col("strike"), 0.0), t=np.where(opt, col("t"), 0.0),
        vol=np.where(opt, col("vol"), 0.0), rate=rate, div=np.zeros(len(rows)), price=np.zeros(len(rows)),
        delta=np.where(opt, col("delta") * m, 1.0), gamma=np.where(opt, col("gamma") * m, 0.0),
        vega=np.where(opt, col("vega") * m, 0.0), theta=np.where(opt, col("theta") * m, 0.0),
        premium=np.zeros(len(rows)), from_quote=opt.copy(),
    )


def market(as_of: datetime = AS_OF, **kw: object) -> MarketContext:
    return MarketContext(as_of=as_of, **kw)  # type: ignore[arg-type]
