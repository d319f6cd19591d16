"""Market data for the offline engine: a LEAN data-folder reader and the bundled default data.

Conventions: timestamps are exchange time (America/New_York), tz-naive; prices are dollars; a bar may be
used at ``as_of`` only when its ``end_time <= as_of``; missing or malformed required files raise
:class:`DataError` (a ``ValueError`` whose message names the path and what was expected there).

The engine's entry point (``wheelhouse.data.source``)::

    data = open_data(folder_or_None, config)     # LeanData(folder) or DefaultData (model-priced chains)
    data.description, data.model_priced          # report header; True for the default data
    data.trading_days(start, end) -> list[date]
    data.session_close(day) -> datetime          # as_of of a daily step (13:00 on early closes)
    data.daily_bars(ticker) -> DataFrame         # raw open..volume, price/split factors, adj_*, end_time
    data.events(ticker) -> tuple[CorporateEvent] # splits and dividends (ex_date, dividend, split_factor)
    data.risk_free_rate(day) -> float            # annual decimal
    data.underlying_price(ticker, as_of) -> float
    data.volatility_index(as_of) -> float | None # VIX points (model proxy where the default data has none)
    data.contract_spec(underlying) -> SymbolProperties   # multiplier, tick_size, lot_size
    data.chain(underlying, as_of) -> ChainSnapshot
    data.quote(underlying, right, strike, expiry, as_of) -> OptionQuote | None   # mark a held contract
    LeanData.chain_days(underlying, start, end)  # days the folder has option quotes for

Lower-level readers of a LEAN folder:

* ``equity``: ``daily_bars``, ``bars`` (hour/daily), ``minute_bars`` (trade/quote), ``factor_file``,
  ``corporate_events``, ``map_file``, ``ticker_on``;
* ``options``: ``option_bars`` (quote/trade/openinterest at minute/hour/daily), ``option_universe``;
* ``reference``: ``market_hours`` (holidays, early closes), ``symbol_properties``, ``interest_rates``,
  ``rate_on``;
* ``chain``: ``chain_snapshot(folder, underlying, as_of, resolution)``, ``chain_frame``, ``osi_symbol``.

Default data: ``default.DefaultData`` (S&P 500 / 10 named after the configured underlying, VIX 2014-2018,
T-bill rate), ``chain_model.ChainModel`` (surface, spreads, open interest), ``volmodel.forecast_path``
(GARCH without look-ahead). ``python -m wheelhouse.data.calibration`` compares the model with the VIX;
``python -m wheelhouse.data.bench`` times the chains. docs/data.md documents formats, model and figures.
"""

from wheelhouse.data.chain import chain_snapshot
from wheelhouse.data.equity import CorporateEvent
from wheelhouse.data.errors import DataError
from wheelhouse.data.reference import SymbolProperties
from wheelhouse.data.source import LeanData, MarketData, open_data

__all__ = [
    "CorporateEvent",
    "DataError",
    "LeanData",
    "MarketData",
    "SymbolProperties",
    "chain_snapshot",
    "open_data",
]
