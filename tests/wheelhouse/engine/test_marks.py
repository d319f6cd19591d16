"""Marks of held options: quote mids with solved IV and Greeks; an analysis is reused only for the same inputs."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain.types import AssetKind, OptionQuote, Position, Right
from pricing.chain import analyse_quotes
from wheelhouse.engine import marks
from wheelhouse.engine.marks import MarkBook

CLOSE = datetime(2020, 3, 2, 16, 0)
NEXT = datetime(2020, 3, 3, 16, 0)


def quote(bid: float, ask: float, as_of: datetime = CLOSE, strike: float = 100.0, spot: float = 98.0) -> OptionQuote:
    return OptionQuote(f"XYZ   200417P{round(strike * 1000):08d}", "XYZ", Right.PUT, strike, date(2020, 4, 17), bid,
                       ask, spot, as_of)


def held(q: OptionQuote) -> Position:
    return Position(symbol=q.symbol, underlying=q.underlying, quantity=-1.0, cost_basis=q.mid, kind=AssetKind.OPTION,
                    right=q.right, strike=q.strike, expiry=q.expiry, multiplier=q.multiplier)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Sizes of the batches sent to ``analyse_quotes``."""
    sizes: list[int] = []

    def counted(quotes: list[OptionQuote], *args: object) -> list[OptionQuote]:
        sizes.append(len(quotes))
        return analyse_quotes(quotes, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(marks, "analyse_quotes", counted)
    return sizes


def expected_iv(q: OptionQuote, as_of: datetime, rate: float, div: float) -> float | None:
    return analyse_quotes([q], as_of, rate, div)[0].iv


def test_marks_are_the_analysed_mids(calls: list[int]) -> None:
    a, b = quote(4.0, 4.2), quote(1.0, 1.1, strike=90.0)
    m = MarkBook().mark([held(a), held(b)], {a.symbol: a, b.symbol: b}, {"XYZ": 98.0}, CLOSE, 0.02, 0.01)
    assert [m[q.symbol].price for q in (a, b)] == [a.mid, b.mid]
    assert [m[q.symbol].iv for q in (a, b)] == [expected_iv(q, CLOSE, 0.02, 0.01) for q in (a, b)]
    assert calls == [2]


def test_the_same_quote_at_the_same_time_is_analysed_once(calls: list[int]) -> None:
    book, a, b = MarkBook(), quote(4.0, 4.2), quote(1.0, 1.1, strike=90.0)
    first = book.mark([held(a)], {a.symbol: a}, {"XYZ": 98.0}, CLOSE, 0.02, 0.01)
    second = book.mark([held(a), held(b)], {a.symbol: a, b.symbol: b}, {"XYZ": 98.0}, CLOSE, 0.02, 0.01)
    assert calls == [1, 1]  # only the new contract the second time
    assert second[a.symbol] == first[a.symbol]
    assert second[b.symbol].iv == expected_iv(b, CLOSE, 0.02, 0.01)


@pytest.mark.parametrize("change", ["quote", "time", "rate", "div"])
def test_an_analysis_is_not_reused_for_other_inputs(change: str, calls: list[int]) -> None:
    book, a = MarkBook(), quote(4.0, 4.2)
    book.mark([held(a)], {a.symbol: a}, {"XYZ": 98.0}, CLOSE, 0.02, 0.01)
    q, as_of, rate, div = a, CLOSE, 0.02, 0.01
    if change == "quote":
        q = quote(5.0, 5.2)  # the same contract, requoted
    elif change == "time":
        as_of = NEXT
    elif change == "rate":
        rate = 0.05
    else:
        div = 0.03
    m = book.mark([held(q)], {q.symbol: q}, {"XYZ": 98.0}, as_of, rate, div)
    assert calls == [1, 1]
    assert m[q.symbol].iv == expected_iv(q, as_of, rate, div) != expected_iv(a, CLOSE, 0.02, 0.01)
    assert book.last_iv[q.symbol] == m[q.symbol].iv
