"""Reference sources: CSV (point in time), HTTP (local server, on-disk cache, key kept secret), chained, LEAN codes."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from alpha.reference import (
    ChainedReferenceSource,
    CsvReferenceSource,
    HttpReferenceSource,
    ReferenceDataError,
    load_reference,
    morningstar_sector,
    normalise_rating,
)
from domain.types import Reference

KEY = "sk-test-very-secret-0123456789"
DAY = date(2015, 12, 24)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_csv_source_reads_typed_values(tmp_path: Path) -> None:
    src = CsvReferenceSource(write(tmp_path / "ref.csv", (
        "underlying,sector,credit_rating,next_earnings,put_call_ratio\n"
        "goog,Communication Services,AA,2016-02-01,0.8\n"
        "XYZ,,, ,\n")))
    assert src.get("GOOG", DAY) == Reference("GOOG", "Communication Services", "AA", date(2016, 2, 1), 0.8)
    assert src.get("XYZ", DAY) == Reference("XYZ")
    assert src.get("NOPE", DAY) == Reference("NOPE")
    assert src.underlyings() == ("GOOG", "XYZ")


def test_csv_source_is_point_in_time(tmp_path: Path) -> None:
    src = CsvReferenceSource(write(tmp_path / "ref.csv", (
        "date,underlying,sector,credit_rating,next_earnings,put_call_ratio\n"
        "2015-10-01,XYZ,Energy,A,2015-10-29,0.7\n"
        "2015-11-01,XYZ,Energy,A-,2016-01-28,0.9\n")))
    assert src.get("XYZ", date(2015, 9, 30)) == Reference("XYZ")
    assert src.get("XYZ", date(2015, 10, 15)).next_earnings == date(2015, 10, 29)
    assert src.get("XYZ", DAY).credit_rating == "A-"


@pytest.mark.parametrize(("text", "message"), [
    ("underlying,sector\nXYZ,Energy\n", "missing column(s) credit_rating, next_earnings, put_call_ratio"),
    ("underlying,sector,credit_rating,next_earnings,put_call_ratio\nXYZ,Energy,A,next week,0.5\n",
     "line 2 next_earnings: 'next week' is not a date"),
    ("underlying,sector,credit_rating,next_earnings,put_call_ratio\nXYZ,Energy,A,,lots\n",
     "put_call_ratio 'lots' is not a number"),
    ("underlying,sector,credit_rating,next_earnings,put_call_ratio\nXYZ,Energy,A,,-1\n", "must be a finite number"),
    ("underlying,sector,credit_rating,next_earnings,put_call_ratio\n,Energy,A,,1\n", "line 2: underlying is empty"),
    ("underlying,sector,credit_rating,next_earnings,put_call_ratio\nXYZ,E,A,,1\nXYZ,E,A,,1\n", "two rows"),
])
def test_csv_source_names_bad_values(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ReferenceDataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        CsvReferenceSource(write(tmp_path / "ref.csv", text))


def test_csv_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="no such file"):
        CsvReferenceSource(tmp_path / "nope.csv")


@pytest.mark.parametrize(("given", "rating"), [
    ("AA", "AA"), (" bbb+ ", "BBB+"), ("Baa1", "BBB+"), ("BAA3", "BBB-"), ("Aa2", "AA"), ("A1", "A+"),
    ("Caa1", "CCC+"), ("NR", None), ("", None), (None, None), ("junk", None), (3, None),
])
def test_ratings_are_normalised_to_the_sp_scale(given: object, rating: str | None) -> None:
    assert normalise_rating(given) == rating


@pytest.mark.parametrize(("code", "sector"), [
    (101, "Materials"), (102, "Consumer Discretionary"), (103, "Financials"), (104, "Real Estate"),
    (205, "Consumer Staples"), (206, "Health Care"), (207, "Utilities"), (308, "Communication Services"),
    (309, "Energy"), (310, "Industrials"), (311, "Information Technology"), (0, None), (999, None), (None, None),
])
def test_morningstar_sector_codes(code: int | None, sector: str | None) -> None:
    assert morningstar_sector(code) == sector


def test_morningstar_codes_match_lean_stubs() -> None:
    import re
    import sysconfig

    # read the stub text: importing the stubs package would run LEAN's loader
    path = Path(sysconfig.get_paths()["purelib"]) / "QuantConnect" / "Data" / "Fundamental" / "__init__.pyi"
    if not path.is_file():
        pytest.skip("quantconnect-stubs not installed")
    text = path.read_text()
    block = text.split("class MorningstarSectorCode(")[1].split("\nclass ")[0]
    codes = {int(v) for v in re.findall(r"^\s+[A-Z_]+: int = (\d+)", block, flags=re.M)}
    assert codes == {101, 102, 103, 104, 205, 206, 207, 308, 309, 310, 311}
    assert all(morningstar_sector(c) for c in codes)


class Provider(BaseHTTPRequestHandler):
    """A local stand-in for a reference-data vendor; records what it was asked."""

    requests: list[dict[str, object]] = []
    answers: dict[str, tuple[int, object]] = {}

    def do_GET(self) -> None:
        url = urlparse(self.path)
        ticker = url.path.rsplit("/", 1)[-1]
        Provider.requests.append({"ticker": ticker, "query": parse_qs(url.query), "key": self.headers.get("X-API-Key")})
        if self.headers.get("X-API-Key") != KEY:
            status, body = 401, {"error": "bad key"}
        else:
            status, body = Provider.answers.get(ticker, (404, {"error": "unknown"}))
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def server() -> Iterator[str]:
    Provider.requests = []
    Provider.answers = {
        "GOOG": (200, {"sector": "Communication Services", "credit_rating": "AA", "next_earnings": "2016-02-01",
                       "put_call_ratio": 0.8, "echo_key": KEY}),
        "BAD": (200, {"next_earnings": "whenever"}),
        "LIST": (200, [1, 2]),
        "DOWN": (503, {"error": "maintenance"}),
    }
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/v1/reference"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_http_source_fetches_caches_and_hides_the_key(server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("WHEELHOUSE_REFERENCE_API_KEY", KEY)
    caplog.set_level(logging.DEBUG)
    src = HttpReferenceSource(server, tmp_path / "cache", timeout=5)
    expected = Reference("GOOG", "Communication Services", "AA", date(2016, 2, 1), 0.8)
    assert src.get("goog", DAY) == expected
    assert Provider.requests == [{"ticker": "GOOG", "query": {"as_of": ["2015-12-24"]}, "key": KEY}]
    assert src.get("GOOG", DAY) == expected  # from the cache: no second request
    assert len(Provider.requests) == 1
    cached = list((tmp_path / "cache").iterdir())
    assert [p.name for p in cached] == ["GOOG_20151224.json"]
    assert KEY not in cached[0].read_text() and "echo_key" not in cached[0].read_text()
    assert KEY not in repr(src)
    for bad in ("DOWN", "BAD", "LIST", "NONE"):
        assert src.get(bad, DAY) == Reference(bad)
    assert len(list((tmp_path / "cache").iterdir())) == 1  # failures are not cached
    assert "HTTP 503" in caplog.text and "HTTP 404" in caplog.text
    assert KEY not in caplog.text


def test_http_source_wrong_key_is_unknown(server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("REF_KEY", "wrong-key-abc")
    caplog.set_level(logging.DEBUG)
    src = HttpReferenceSource(server, tmp_path, key_env="REF_KEY")
    assert src.get("GOOG", DAY) == Reference("GOOG")
    assert "HTTP 401" in caplog.text and "wrong-key-abc" not in caplog.text


def test_http_source_unreachable_is_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            caplog: pytest.LogCaptureFixture) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("WHEELHOUSE_REFERENCE_API_KEY", KEY)
    src = HttpReferenceSource(f"http://127.0.0.1:{port}", tmp_path, timeout=2)
    assert src.get("GOOG", DAY) == Reference("GOOG")
    assert "ConnectionError" in caplog.text and KEY not in caplog.text


def test_http_source_needs_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WHEELHOUSE_REFERENCE_API_KEY", raising=False)
    with pytest.raises(ReferenceDataError, match="WHEELHOUSE_REFERENCE_API_KEY"):
        HttpReferenceSource("http://127.0.0.1:1", tmp_path)


class Fixed:
    def __init__(self, ref: Reference) -> None:
        self.ref = ref
        self.asked: list[tuple[str, date]] = []

    def get(self, underlying: str, as_of: date) -> Reference:
        self.asked.append((underlying, as_of))
        return Reference(underlying, **{k: getattr(self.ref, k) for k in ("sector", "credit_rating", "next_earnings",
                                                                          "put_call_ratio")})


def test_chained_source_takes_the_first_known_value_per_field() -> None:
    lean = Fixed(Reference("X", sector="Energy"))
    csv = Fixed(Reference("X", sector="Utilities", credit_rating="A", put_call_ratio=0.5))
    ref = ChainedReferenceSource([lean, csv]).get("xyz", DAY)
    assert ref == Reference("XYZ", sector="Energy", credit_rating="A", put_call_ratio=0.5)
    assert load_reference(ChainedReferenceSource([csv]), ["abc"], DAY) == {
        "ABC": Reference("ABC", "Utilities", "A", None, 0.5)}
