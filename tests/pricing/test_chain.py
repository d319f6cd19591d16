"""Chain analytics on domain quotes and DataFrames, including LEAN's own sample quotes."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from domain.types import OptionQuote, Right, Style
from pricing.american import american
from pricing.bsm import bsm, year_fraction
from pricing.chain import analyse_frame, analyse_quotes

AS_OF = datetime(2024, 1, 2, 10, 0)
EXPIRY = date(2024, 2, 16)


def _quote(right: Right, strike: float, bid: float, ask: float, style: Style = Style.AMERICAN) -> OptionQuote:
    return OptionQuote(
        symbol=f"X {right.value}{strike}", underlying="X", right=right, strike=strike, expiry=EXPIRY,
        bid=bid, ask=ask, underlying_price=100.0, quote_time=AS_OF, style=style,
    )  # fmt: skip


def test_year_fraction_is_calendar_days_over_365() -> None:
    assert year_fraction(date(2024, 1, 2), date(2024, 2, 16)) == 45 / 365
    assert year_fraction(datetime(2024, 1, 2, 15, 59), date(2024, 2, 16)) == 45 / 365
    assert year_fraction(datetime(2024, 2, 16, 10, 0), date(2024, 2, 16)) == 6 / (365 * 24)
    assert year_fraction(date(2024, 2, 16), date(2024, 2, 16)) == 0.0
    assert year_fraction(datetime(2024, 2, 16, 17, 0), date(2024, 2, 16)) == 0.0
    assert year_fraction(date(2024, 2, 17), date(2024, 2, 16)) == 0.0


def test_quotes_get_iv_and_greeks_or_none() -> None:
    t = year_fraction(AS_OF, EXPIRY)
    put_price = float(american(100.0, 95.0, t, 0.05, 0.01, 0.25, False).price)
    call_price = float(bsm(100.0, 105.0, t, 0.05, 0.01, 0.3, True).price)
    quotes = [
        _quote(Right.PUT, 95.0, put_price - 0.05, put_price + 0.05),
        _quote(Right.CALL, 105.0, call_price - 0.05, call_price + 0.05, Style.EUROPEAN),
        _quote(Right.CALL, 95.0, 1.20, 1.10),  # crossed
        _quote(Right.CALL, 95.0, 0.0, 0.0),  # no market
        _quote(Right.CALL, 95.0, 4.0, 4.1),  # below intrinsic (5)
    ]
    out = analyse_quotes(quotes, AS_OF, 0.05, 0.01)
    assert out[0].iv == pytest.approx(0.25, abs=1e-9) and out[0].greeks is not None
    assert out[0].greeks.delta == pytest.approx(float(american(100.0, 95.0, t, 0.05, 0.01, 0.25, False).delta))
    assert out[1].iv == pytest.approx(0.3, abs=1e-9)
    assert out[1].greeks is not None and out[1].greeks.vega == pytest.approx(
        float(bsm(100, 105, t, 0.05, 0.01, 0.3, True).vega)
    )
    assert all(q.iv is None and q.greeks is None for q in out[2:])
    assert [q.symbol for q in out] == [q.symbol for q in quotes]
    assert analyse_quotes([], AS_OF, 0.05, 0.0) == []


def test_frame_reports_reasons() -> None:
    df = pd.DataFrame({
        "underlying_price": [100.0, 100.0, 100.0],
        "strike": [95.0, 95.0, 95.0],
        "right": ["P", "C", "C"],
        "t": [45 / 365] * 3,
        "bid": [1.1, 1.2, 4.0],
        "ask": [1.2, 1.1, 4.1],
        "style": ["american", "american", "european"],
    })  # fmt: skip
    out = analyse_frame(df, rate=0.05, div=0.01)
    assert list(out["iv_error"]) == ["", "crossed_quote", "below_intrinsic"]
    assert np.isfinite(out["delta"][0]) and np.isnan(out["delta"][1:]).all()
    with pytest.raises(KeyError):
        analyse_frame(df.drop(columns=["strike"]), rate=0.05, div=0.0)


def _lean_quotes(root: Path) -> pd.DataFrame:
    """GOOG minute quotes of 2015-12-24, 10:00, from LEAN's sample data (prices in deci-cents)."""
    rows = []
    with zipfile.ZipFile(root / "option/usa/minute/goog/20151224_quote_american.zip") as zf:
        for name in zf.namelist():
            # e.g. 20151224_goog_minute_quote_american_call_7500000_20160115.csv
            parts = name[:-4].split("_")
            right, strike, expiry = parts[5], int(parts[6]) / 10_000, parts[7]
            data = pd.read_csv(io.BytesIO(zf.read(name)), header=None)
            at = data[data[0] == 10 * 3600 * 1000]
            if at.empty:
                continue
            bid, ask = at.iloc[0, 4] / 10_000, at.iloc[0, 9] / 10_000
            rows.append((right, strike, expiry, bid, ask))
    return pd.DataFrame(rows, columns=["right", "strike", "expiry", "bid", "ask"])


def test_lean_sample_chain_solves(lean_data: Path) -> None:
    quotes = _lean_quotes(lean_data)
    if quotes.empty:
        pytest.skip("no GOOG quotes at 10:00 in the sample")
    with zipfile.ZipFile(lean_data / "equity/usa/minute/goog/20151224_trade.zip") as zf:
        bars = pd.read_csv(io.BytesIO(zf.read(zf.namelist()[0])), header=None)
    spot = float(bars.loc[bars[0] == 10 * 3600 * 1000, 4].iloc[0]) / 10_000  # close of the 10:00 bar
    df = quotes.assign(underlying_price=spot, as_of="2015-12-24 10:00", right=quotes["right"].str[0].str.upper())
    df = df[(df["bid"] > 0) & (df["ask"] > df["bid"])]
    out = analyse_frame(df, rate=0.0025, div=0.0)
    # Not the contracts expiring that day: six hours out, deep in-the-money quotes pin down no volatility.
    near = out[((out["strike"] / spot - 1).abs() < 0.1) & (out["expiry"] != "20151224")]
    assert len(near) > 50
    solved = near[near["iv_error"] == ""]
    assert len(solved) >= 0.9 * len(near)
    assert solved["iv"].between(0.1, 0.8).all()
    assert (out.loc[out["iv_error"] == "", "delta"].abs() <= 1.0).all()
