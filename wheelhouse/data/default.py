"""The bundled default data, used when no LEAN data folder is given.

* Underlying: the S&P 500 index daily history 1999-01-04..2018-12-31 shipped with ``arch``
  (``arch.data.sp500``), divided by ``scale`` (10 by default, so it trades at SPY-like prices) and named
  after the configured underlying (``SPY`` by default). It is a price index: no dividends, no splits.
* Volatility: the VIX shipped with ``arch`` (``arch.data.vix``, 2014-01-03..2018-12-31) where it has a
  value; a GARCH forecast (``volmodel``) times ``implied_realised_ratio`` elsewhere.
* Risk-free rate: the one-month T-bill return of the Fama-French factors shipped with ``arch``
  (``arch.data.frenchdata``, monthly, known at the start of each month), as a continuously compounded
  annual rate ``12 ln(1 + RF/100)``; the last month is carried forward.
* Chains: model-priced every trading day from the close (``chain_model``), stamped at 16:00.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from domain.types import ChainSnapshot, OptionQuote, Right, Style
from wheelhouse.data.chain import osi_symbol
from wheelhouse.data.chain_model import ChainModel, DayState, chain_grid, expiry_calendar, price_contracts
from wheelhouse.data.equity import CorporateEvent
from wheelhouse.data.errors import DataError
from wheelhouse.data.reference import SymbolProperties
from wheelhouse.data.volmodel import TRADING_DAYS, Model, forecast_path

if TYPE_CHECKING:
    from domain.config import StrategyConfig

CLOSE = time(16, 0)
SOURCE = "arch.data.sp500"


def load_sp500() -> pd.DataFrame:
    """``arch``'s S&P 500 daily bars (Open, High, Low, Close, Adj Close, Volume) indexed by date."""
    from arch.data import sp500

    return sp500.load()


def load_vix() -> pd.Series:
    """``arch``'s daily VIX closes (index points), holidays dropped."""
    from arch.data import vix

    return vix.load()["vix"].dropna()


def load_tbill() -> pd.Series:
    """Monthly one-month T-bill rate (continuous, annual decimal) from ``arch``'s Fama-French data,
    indexed by the first day of the month it applies to."""
    from arch.data import frenchdata

    ff = frenchdata.load()
    # The stored index is the integer YYYYMM read as nanoseconds since 1970.
    yyyymm = np.asarray(ff.index.asi8, dtype=np.int64)
    months = pd.to_datetime({"year": yyyymm // 100, "month": yyyymm % 100, "day": 1})
    return pd.Series(12.0 * np.log1p(ff["RF"].to_numpy() / 100.0), index=pd.DatetimeIndex(months), name="rate")


@lru_cache(maxsize=2)
def _sp500_forecast(model: Model) -> pd.DataFrame:
    """The GARCH path of the bundled S&P 500 (scale-free: log returns), computed once per process."""
    return forecast_path(load_sp500()["Close"], model)


@dataclass
class DefaultData:
    """Default market data with model-priced chains; construct with :meth:`from_config` or directly."""

    underlying: str = "SPY"
    scale: float = 10.0
    implied_realised_ratio: float = 1.2
    vol_model: str = "garch"
    dte_min: int = 30
    dte_max: int = 90
    dividend_yield: float = 0.0
    use_vix: bool = True
    model: ChainModel = field(default_factory=ChainModel)

    model_priced = True
    resolution = "daily"

    def __post_init__(self) -> None:
        self.underlying = self.underlying.upper()
        sp = load_sp500()
        close = sp["Close"] / self.scale
        self._dates = pd.DatetimeIndex(sp.index).normalize()
        self._closes = pd.DatetimeIndex(self._dates + pd.Timedelta(hours=16))
        self._days, self._close_times = self._dates.to_numpy(), self._closes.to_numpy()
        self._bars = self._make_bars(sp)
        # 'har' needs intraday realised variance, which daily closes lack: GARCH stands in for it.
        self.forecast_model: Model = "gjr" if self.vol_model == "gjr" else "garch"
        path = _sp500_forecast(self.forecast_model)
        ratio = self.implied_realised_ratio
        vix = load_vix().reindex(self._dates) / 100.0 if self.use_vix else pd.Series(np.nan, index=self._dates)
        self.forecast = path
        self.vix_used = vix.notna().to_numpy()
        self.vs30 = np.where(self.vix_used, vix.to_numpy(), ratio * path["vol_h"].to_numpy())
        self.theta = (ratio * path["long_run_vol"].to_numpy()) ** 2
        self.kappa = -TRADING_DAYS * np.log(path["persistence"].to_numpy())
        tbill = load_tbill()
        pos = np.searchsorted(tbill.index.to_numpy(), self._dates.to_numpy(), side="right") - 1
        self.rates = tbill.to_numpy()[np.clip(pos, 0, None)]
        self._spot = close.to_numpy()
        last = (self._dates[-1] + pd.Timedelta(days=self.dte_max + 400)).date()
        self._expiries = expiry_calendar(self._dates, last, self.model.weeklies_from)
        self._expiry_days = self._expiries["expiry"].to_numpy().astype("datetime64[D]").astype(np.int64)
        self._monthly = self._expiries["monthly"].to_numpy(dtype=bool)

    @classmethod
    def from_config(cls, config: StrategyConfig, model: ChainModel | None = None) -> DefaultData:
        """Default data for a strategy config: it holds one series, named after the one configured underlying."""
        names = config.general.underlyings
        if len(names) != 1:
            raise DataError(SOURCE, f"the default data holds one underlying; underlyings lists {', '.join(names)}")
        return cls(
            underlying=names[0],
            implied_realised_ratio=config.backtest.implied_realised_ratio,
            vol_model=config.general.vol_forecast_model,
            dte_min=config.screen.dte_min,
            dte_max=config.screen.dte_max,
            dividend_yield=config.general.dividend_yield,
            model=model or ChainModel(),
        )

    # --- description -------------------------------------------------------------------------------------
    @property
    def description(self) -> str:
        first, last = self._dates[0].date(), self._dates[-1].date()
        vix_days = int(self.vix_used.sum())
        return (f"bundled default data: S&P 500 index ({SOURCE}) / {self.scale:g} as {self.underlying}, "
                f"{first}..{last}; option chains MODEL-PRICED (implied vol from the VIX on {vix_days} days, "
                f"else {self.forecast_model.upper()} forecast x {self.implied_realised_ratio:g})")

    @property
    def underlyings(self) -> tuple[str, ...]:
        return (self.underlying,)

    # --- calendar and underlying ---------------------------------------------------------------------------
    def trading_days(self, start: date, end: date) -> list[date]:
        """Days with a bar in the data from ``start`` to ``end``, both included."""
        sel = self._dates[(self._dates >= pd.Timestamp(start)) & (self._dates <= pd.Timestamp(end))]
        return [d.date() for d in sel]

    def session_close(self, day: date) -> datetime:
        return datetime.combine(day, CLOSE)

    def daily_bars(self, ticker: str) -> pd.DataFrame:
        """Same columns as the LEAN reader's ``daily_bars``; adjusted equals raw (no dividends or splits)."""
        self._check(ticker)
        return self._bars

    def events(self, ticker: str) -> tuple[CorporateEvent, ...]:
        self._check(ticker)
        return ()

    def risk_free_rate(self, day: date) -> float:
        pos = int(np.searchsorted(self._days, np.datetime64(day, "ns"), side="right")) - 1
        return float(self.rates[max(pos, 0)])

    def underlying_price(self, ticker: str, as_of: datetime) -> float:
        self._check(ticker)
        return float(self._spot[self._index(as_of)])

    def volatility_index(self, as_of: datetime) -> float:
        """VIX close of the last session closed by ``as_of``; the model's VIX equivalent (vs30 x 100) where
        the VIX is absent."""
        return float(100.0 * self.vs30[self._index(as_of)])

    def contract_spec(self, underlying: str) -> SymbolProperties:
        self._check(underlying)
        return SymbolProperties("usa", self.underlying, "option", float(self.model.multiplier), self.model.tick, 1.0)

    # --- chains --------------------------------------------------------------------------------------------
    def state(self, as_of: datetime) -> DayState:
        """The model's inputs after the last close at or before ``as_of``."""
        i = self._index(as_of)
        return DayState(self._dates[i].date(), float(self._spot[i]), float(self.rates[i]), self.dividend_yield,
                        float(self.vs30[i]), float(self.theta[i]), float(self.kappa[i]))

    def chain_arrays(self, as_of: datetime) -> tuple[DayState, dict[str, np.ndarray]]:
        """The model chain as arrays (``is_call, strike, expiry, dte, monthly, iv, mid, bid, ask,
        open_interest, volume``), for research and calibration."""
        st = self.state(as_of)
        return st, chain_grid(self.model, st, self._expiry_days, self._monthly, self.dte_min, self.dte_max)

    def chain(self, underlying: str, as_of: datetime) -> ChainSnapshot:
        """Model-priced out-of-the-money chain for expiries ``dte_min..dte_max`` days out."""
        self._check(underlying)
        st, g = self.chain_arrays(as_of)
        qt = datetime.combine(st.day, CLOSE)
        name, mult, tick = self.underlying, self.model.multiplier, self.model.tick
        # OSI symbols built from per-expiry prefixes: formatting dates per quote costs more than pricing.
        uniq, inverse = np.unique(g["expiry"], return_inverse=True)
        exp_dates: list[date] = uniq.tolist()
        prefixes = [f"{name:<6}{d:%y%m%d}" for d in exp_dates]
        milli = np.round(g["strike"] * 1000).astype(np.int64).tolist()
        quotes = tuple(
            OptionQuote(
                symbol=f"{prefixes[e]}{'C' if call else 'P'}{m:08d}", underlying=name,
                right=Right.CALL if call else Right.PUT, strike=k, expiry=exp_dates[e], bid=b, ask=a,
                underlying_price=st.spot, quote_time=qt, style=Style.AMERICAN, multiplier=mult, tick_size=tick,
                volume=v, open_interest=oi,
            )
            for call, k, e, m, b, a, v, oi in zip(
                g["is_call"].tolist(), g["strike"].tolist(), inverse.tolist(), milli, g["bid"].tolist(),
                g["ask"].tolist(), g["volume"].tolist(), g["open_interest"].tolist(), strict=True,
            )
        )
        return ChainSnapshot(underlying=name, underlying_price=st.spot, as_of=as_of, quotes=quotes)

    def quote(self, underlying: str, right: Right, strike: float, expiry: date, as_of: datetime) -> OptionQuote:
        """The model quote of any one contract (for marking a held position at any strike)."""
        self._check(underlying)
        st = self.state(as_of)
        dte = (expiry - st.day).days
        if dte < 0:
            raise DataError(SOURCE, f"{self.underlying} {right.value} {strike} expired on {expiry}, before {st.day}")
        hit = np.flatnonzero(self._expiry_days == np.datetime64(expiry, "D").astype(np.int64))
        monthly = bool(hit.size and self._monthly[hit[0]])
        p = price_contracts(self.model, st, np.array([right is Right.CALL]), np.array([float(strike)]),
                            np.array([dte], dtype=np.int64), np.array([monthly]))
        return OptionQuote(
            symbol=osi_symbol(self.underlying, expiry, right.value, strike), underlying=self.underlying, right=right,
            strike=float(strike), expiry=expiry, bid=float(p["bid"][0]), ask=float(p["ask"][0]),
            underlying_price=st.spot, quote_time=datetime.combine(st.day, CLOSE), style=Style.AMERICAN,
            multiplier=self.model.multiplier, tick_size=self.model.tick, volume=float(p["volume"][0]),
            open_interest=float(p["open_interest"][0]),
        )

    # --- helpers -------------------------------------------------------------------------------------------
    def _index(self, as_of: datetime) -> int:
        i = int(np.searchsorted(self._close_times, np.datetime64(as_of, "ns"), side="right")) - 1
        if i < 0:
            raise DataError(SOURCE, f"no close at or before {as_of}; the data starts {self._dates[0].date()}")
        return i

    def _check(self, ticker: str) -> None:
        if ticker.upper() != self.underlying:
            raise DataError(SOURCE, f"the default data holds only {self.underlying} (the S&P 500 index / "
                                    f"{self.scale:g}); no data for {ticker.upper()}: pass a LEAN data folder")

    def _make_bars(self, sp: pd.DataFrame) -> pd.DataFrame:
        cols = {"Open": "open", "High": "high", "Low": "low", "Close": "close"}
        bars = pd.DataFrame({new: sp[old].to_numpy() / self.scale for old, new in cols.items()}, index=self._dates)
        bars.index.name = "time"
        bars["volume"] = sp["Volume"].to_numpy(dtype=float)
        bars["end_time"] = self._closes
        bars["price_factor"] = 1.0
        bars["split_factor"] = 1.0
        for c in ("open", "high", "low", "close"):
            bars[f"adj_{c}"] = bars[c]
        bars["adj_volume"] = bars["volume"]
        return bars
