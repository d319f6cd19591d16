"""The :class:`MarketContext` of each step, built only from data stamped at or before ``as_of``.

* ``rate``: the source's risk-free rate for the day (or ``risk_free_rate`` when ``use_rate_file`` is off).
* ``vix``: the source's VIX close of the *previous* session when the step is before the close, of the day at
  the close; without a VIX series, a proxy in VIX units: 21-session realised volatility of the first
  underlying x ``implied_realised_ratio`` x 100 (the same ratio the model-priced chains use).
* ``iv_history``: per underlying, the 30-day at-the-money implied volatility the screen measured on each
  session so far (``ScreenResult.atm_iv``, as the LEAN alpha adapter records it; at most
  ``iv_lookback_days`` values, oldest first).
* ``realised_vol``: 21-session close-to-close volatility; ``forecast_vol``: the source's own forecast when
  it has one (the default data's GARCH path), else ``pricing.vol.forecast_vol`` with ``vol_forecast_model``
  over the last ``FORECAST_HISTORY`` returns, refitted every ``FORECAST_REFIT_SESSIONS`` sessions.
* ``dividend_yield``: ``dividend_yield`` for every underlying; ``reference`` from the source;
  ``holiday_week``: a weekday of this week is not a session.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Callable, Mapping
from datetime import date, datetime

import numpy as np
import pandas as pd

from domain.config import StrategyConfig
from domain.types import MarketContext, Reference
from wheelhouse.engine.market import MarketData, holiday_week, realised_vols

FORECAST_REFIT_SESSIONS = 21
FORECAST_HISTORY = 1000


class ContextBuilder:
    """Keeps the rolling histories and builds one :class:`MarketContext` per step."""

    def __init__(self, data: MarketData, config: StrategyConfig, underlyings: tuple[str, ...],
                 trading: frozenset[date], forecaster: Callable[[np.ndarray], float | None] | None = None) -> None:
        self.data = data
        self.config = config
        self.underlyings = underlyings
        self.trading = trading
        self._sessions = sorted(trading)
        self.forecaster = forecaster
        lookback = config.general.iv_lookback_days
        self.iv_history: dict[str, deque[float]] = {u: deque(maxlen=lookback) for u in underlyings}
        self._closes = {u: data.closes(u) for u in underlyings}
        self._close_values = {u: s.to_numpy(dtype=float) for u, s in self._closes.items()}
        self._close_days = {u: np.array([d.toordinal() for d in _dates(s.index)]) for u, s in self._closes.items()}
        # Built once per run, read at every step: the date index of the closes, the realised volatility after
        # each close, and whether every underlying has the same sessions (history frames need no alignment).
        self._close_index = {u: pd.DatetimeIndex([date.fromordinal(int(o)) for o in ords])
                             for u, ords in self._close_days.items()}
        self._realised = {u: realised_vols(v) for u, v in self._close_values.items()}
        first = self._close_days[underlyings[0]] if underlyings else None
        self._one_calendar = bool(underlyings) and len(set(underlyings)) == len(underlyings) and all(
            np.array_equal(ords, first) for ords in self._close_days.values())
        self._columns = pd.Index(list(underlyings))
        self._forecast: dict[str, float] = {}
        self._forecast_age: dict[str, int] = {}
        self._last_recorded: dict[str, date] = {}
        self._rate: tuple[date, StrategyConfig, MarketData, float] | None = None  # the last rate and its inputs

    def rate(self, day: date) -> float:
        """The source's risk-free rate for ``day`` (``risk_free_rate`` when ``use_rate_file`` is off). The last
        value is kept: the simulator asks for the same day several times in a row."""
        last = self._rate
        if last is None or last[0] != day or last[1] is not self.config or last[2] is not self.data:
            cfg = self.config.general
            last = self._rate = (day, self.config, self.data,
                                 self.data.rate(day) if cfg.use_rate_file else cfg.risk_free_rate)
        return last[3]

    def _known(self, underlying: str, day: date, inclusive: bool) -> int:
        """How many closes are known on ``day`` (including its own when ``inclusive``)."""
        ords = self._close_days[underlying]
        return int(np.searchsorted(ords, day.toordinal(), side="right" if inclusive else "left"))

    def history(self, underlying: str, day: date, inclusive: bool) -> np.ndarray:
        """Closes up to ``day`` (including it when ``inclusive``)."""
        return self._close_values[underlying][:self._known(underlying, day, inclusive)]

    def realised_vol(self, underlying: str, day: date, inclusive: bool) -> float | None:
        """``market.realised_vol`` of :meth:`history` (looked up in the table built with the builder)."""
        n = self._known(underlying, day, inclusive)
        rv = float(self._realised[underlying][n - 1]) if n else math.nan
        return rv if math.isfinite(rv) else None

    def record_iv(self, atm_iv: Mapping[str, float], day: date) -> None:
        """Append the session's 30-day ATM IV per underlying (the first reading of a session counts)."""
        for u, iv in atm_iv.items():
            if u in self.iv_history and self._last_recorded.get(u) != day and math.isfinite(iv) and iv > 0:
                self.iv_history[u].append(float(iv))
                self._last_recorded[u] = day

    def history_frame(self, day: date, sessions: int, inclusive: bool) -> pd.DataFrame:
        """Closes of the last ``sessions`` sessions up to ``day`` (rows: dates, columns: underlyings; NaN where
        an underlying's window has no close on a row's date). A new frame each call, with its own copy of the values."""
        spans = {}
        for u in self.underlyings:
            n = self._known(u, day, inclusive)
            spans[u] = (max(0, n - sessions), n)
        if self._one_calendar:
            lo, n = spans[self.underlyings[0]]
            values = np.column_stack([self._close_values[u][lo:n] for u in self.underlyings])
            # Slices are new index objects (a reader renaming one renames nothing here).
            return pd.DataFrame(values, index=self._close_index[self.underlyings[0]][lo:n], columns=self._columns[:])
        return pd.DataFrame({u: pd.Series(self._close_values[u][lo:n], index=self._close_index[u][lo:n])
                             for u, (lo, n) in spans.items()})

    def vix(self, as_of: datetime, at_close: bool) -> float | None:
        day = as_of.date()
        # Before the close only the previous session's VIX close is known.
        value = self.data.vix(day) if at_close else self._previous_vix(day)
        if value is not None and math.isfinite(value):
            return float(value)
        rv = self.realised_vol(self.underlyings[0], day, inclusive=at_close)
        return None if rv is None else rv * self.config.backtest.implied_realised_ratio * 100.0

    def _previous_vix(self, day: date) -> float | None:
        i = bisect.bisect_left(self._sessions, day)
        return self.data.vix(self._sessions[i - 1]) if i > 0 else None

    def build(self, as_of: datetime, at_close: bool,
              references: Mapping[str, Reference | None]) -> MarketContext:
        day = as_of.date()
        cfg = self.config.general
        realised: dict[str, float] = {}
        forecast: dict[str, float] = {}
        for u in self.underlyings:
            rv = self.realised_vol(u, day, inclusive=at_close)
            if rv is not None:
                realised[u] = rv
            own = getattr(self.data, "forecast_vol", None)
            f = own(u, day, at_close) if callable(own) else None
            if f is None:
                f = self._forecast_for(u, self.history(u, day, inclusive=at_close))
            if f is not None:
                forecast[u] = f
        return MarketContext(
            as_of=as_of,
            rate=self.rate(day),
            vix=self.vix(as_of, at_close),
            dividend_yield={u: cfg.dividend_yield for u in self.underlyings},
            iv_history={u: tuple(h) for u, h in self.iv_history.items()},
            realised_vol=realised,
            forecast_vol=forecast,
            reference={u: r for u, r in references.items() if r is not None},
            holiday_week=holiday_week(day, self.trading),
        )

    def _forecast_for(self, underlying: str, closes: np.ndarray) -> float | None:
        """The last fit, refitted once ``FORECAST_REFIT_SESSIONS`` more closes are known."""
        if self.forecaster is None:
            self.forecaster = self._fit
        fitted = self._forecast_age.get(underlying)
        if fitted is None or len(closes) - fitted >= FORECAST_REFIT_SESSIONS:
            value = self.forecaster(closes)
            if value is not None:
                self._forecast[underlying] = value
            self._forecast_age[underlying] = len(closes)
        return self._forecast.get(underlying)

    def _fit(self, closes: np.ndarray) -> float | None:
        """``pricing.vol.forecast_vol`` over the last returns (None with too little history or no fit)."""
        from pricing.vol import forecast_vol

        tail = np.asarray(closes[-(FORECAST_HISTORY + 1):], dtype=float)
        if len(tail) < 150 or np.any(tail <= 0):
            return None
        try:
            return float(forecast_vol(np.diff(np.log(tail)), model=self.config.general.vol_forecast_model).vol)
        except (ValueError, np.linalg.LinAlgError):
            return None


def _dates(index: object) -> list[date]:
    out = []
    for d in index:  # type: ignore[attr-defined]
        out.append(d.date() if isinstance(d, datetime) else d)
    return out
