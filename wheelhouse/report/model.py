"""What a report is made of, whichever engine produced the run (the offline engine or LEAN)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

TRADE_COLUMNS = (
    "time", "underlying", "symbol", "right", "strike", "expiry", "action", "quantity", "price", "fees", "cash",
    "reserved_cash", "reason",
)  # fmt: skip
"""``trades.csv`` columns (the file contract)."""

EQUITY_COLUMNS = ("date", "equity", "cash", "reserved_cash", "positions", "net_delta", "gamma_exposure",
                  "vega_exposure")
"""``equity.csv`` columns (the file contract)."""

BENCHMARK_NAMES = ("put_write", "buy_write", "underlying")
"""``stats.json`` ``benchmarks`` keys."""


@dataclass
class ReportData:
    """One run ready to render.

    ``daily``: one row per session indexed by date, with at least ``equity`` (the offline engine adds
    cash, exposures, ``theta``, ``vix``, ``pnl_<part>`` attribution and ``sector:<name>`` exposure columns).
    ``trades``: :data:`TRADE_COLUMNS` plus ``premium`` (USD received by a sale to open) where known.
    ``closed``: finished option round trips (``closed`` date, ``pnl``, ``premium``).
    ``benchmarks``: name -> equity series; ``stats``: the ``stats.json`` document (benchmarks included).
    ``underlying``: the first underlying's closes, for the regime split. ``limits``: risk limits drawn on
    the exposure charts (``max_net_delta``, ``max_gamma_exposure``, ``max_vega_exposure``).
    """

    title: str
    source: str
    data_description: str
    model_priced: bool
    start_value: float
    daily: pd.DataFrame
    trades: pd.DataFrame
    stats: dict[str, object]
    closed: pd.DataFrame | None = None
    benchmarks: dict[str, pd.Series] = field(default_factory=dict)
    underlying: pd.Series | None = None
    limits: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def equity(self) -> pd.Series:
        return self.daily["equity"]
