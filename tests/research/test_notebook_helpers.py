"""Notebook helpers: QuantBook's option-history frame and the offline snapshot give the same chain frame."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from domain.types import Right
from tests.factories import quote
from wheelhouse.research.notebook import frame_snapshot, project_root, quantbook_chain_frame, snapshot_frame

AS_OF = datetime(2015, 12, 24, 11, 0)


def _lean_history() -> pd.DataFrame:
    # The shape QuantBook.option_history(...).data_frame has: index expiry, strike, type (0 call, 1 put), symbol, time.
    rows = [
        (date(2016, 1, 29), 700.0, 1, "GOOG P700", datetime(2015, 12, 24, 10, 58), 8.1, 8.4, 10.0, 1200.0),
        (date(2016, 1, 29), 700.0, 1, "GOOG P700", datetime(2015, 12, 24, 10, 59), 8.2, 8.5, 12.0, 1200.0),
        (date(2016, 1, 29), 700.0, 1, "GOOG P700", datetime(2015, 12, 24, 11, 1), 9.9, 9.9, 1.0, 1200.0),  # after as_of
        (date(2016, 1, 29), 800.0, 0, "GOOG C800", datetime(2015, 12, 24, 10, 30), None, 6.0, 0.0, 40.0),
        (date(2016, 1, 29), 900.0, 0, "GOOG C900", datetime(2015, 12, 24, 10, 30), None, None, 0.0, 0.0),  # no offer
    ]
    frame = pd.DataFrame(rows, columns=["expiry", "strike", "type", "symbol", "time", "bidclose", "askclose", "volume",
                                        "openinterest"])
    return frame.set_index(["expiry", "strike", "type", "symbol", "time"])


def test_quantbook_frame_keeps_the_last_quote_known_at_as_of() -> None:
    chain = quantbook_chain_frame(_lean_history(), "goog", 749.23, AS_OF)
    assert chain["symbol"].tolist() == ["GOOG  160129C00800000", "GOOG  160129P00700000"]
    put = chain.iloc[1]
    assert (put["right"], put["bid"], put["ask"], put["quote_time"]) == ("P", 8.2, 8.5, datetime(2015, 12, 24, 10, 59))
    call = chain.iloc[0]
    assert call["bid"] == 0.0 and call["open_interest"] == 40.0  # never bid: bid 0, as the offline reader does
    snap = frame_snapshot(chain, AS_OF)
    assert snap.quotes[1].right is Right.PUT and snap.underlying_price == pytest.approx(749.23)


def test_snapshot_frame_round_trip() -> None:
    q = quote(right=Right.CALL, strike=110.0, bid=2.0, ask=2.1)
    from domain.types import ChainSnapshot

    snap = ChainSnapshot("XYZ", 105.0, AS_OF, (q,))
    back = frame_snapshot(snapshot_frame(snap), AS_OF)
    assert back.quotes == (q,)


def test_project_root(tmp_path: Path) -> None:
    here = Path(__file__).resolve()
    assert (project_root(here.parent) / "config.json").is_file()
    with pytest.raises(FileNotFoundError):
        project_root(tmp_path)
