"""Request building, anonymisation (look-ahead guard), prompt files, cache keys, contract strictness."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from domain.config import StrategyConfig
from domain.types import Verdict
from llm.anonymise import Anonymiser, scrub
from llm.cache import ReviewCache, cache_key
from llm.client import Usage
from llm.contract import CandidateReview, NewsItem, PastTrade, ReviewResponse, schema_hash
from llm.render import PROMPT_DIR, SECTIONS, load_prompts
from llm.request import _verdict, build_request
from tests.factories import option_position, portfolio, stock
from tests.llm.builders import TICKERS, candidate, five, market
from tests.llm.conftest import decision

NEWS = (NewsItem(underlying="GOOG", source="wire-2015-12-21", text="GOOG beat on 2015-12-20; guidance for Jan 28, 2016 and Q4 '15 raised. "
                 "GOOG  160129P00700000 volume spiked; AAPL also rose."),)
JOURNAL = (PastTrade(underlying="AAPL", strategy="csp", dte_at_entry=35, delta_at_entry=-0.25,
                     outcome="expired", pnl_pct_of_premium=1.0, days_ago=40),)


def rendered(anonymise: bool) -> str:
    book = portfolio(positions=(stock("IBM", 100), option_position(underlying="BAC", strike=15.0)),
                     prices={"IBM": 135.0, "BAC": 17.0})
    request, _ = build_request(five(), book, market(), StrategyConfig(), anonymise=anonymise, news=NEWS,
                               journal=JOURNAL)
    prompts = load_prompts()
    return prompts.system + prompts.user(request)


def test_anonymised_prompt_holds_no_ticker_date_or_price() -> None:
    text = rendered(anonymise=True)
    for ticker in TICKERS:
        assert re.search(rf"\b{ticker}\b", text) is None, ticker
    assert re.search(r"\b(19|20)\d\d\b", text) is None
    assert "2015-12" not in text and "160129" not in text and "Jan 28" not in text
    assert '"strike"' not in text and '"underlying_price"' not in text
    assert "U1 beat on [date]" in text and '"as_of":"T"' in text


def test_live_prompt_keeps_names_and_dates() -> None:
    text = rendered(anonymise=False)
    assert '"underlying":"GOOG"' in text and '"as_of":"2015-12-24"' in text and '"strike":100.0' in text


def test_anonymiser_scrubs_longest_ticker_first() -> None:
    anon = Anonymiser(True, ["GOOG", "GOOGL"])
    assert anon.text("GOOGL and GOOG on March 3rd, 2014 and 3/4/2014") == "U2 and U1 on [date] and [date]"
    assert Anonymiser(False, ["GOOG"]).text("GOOG 2014") == "GOOG 2014"


def test_anonymiser_scrubs_tickers_aliased_after_earlier_text() -> None:
    anon = Anonymiser(True, ["GOOG"])
    assert anon.text("GOOG, AAPL and GOOGL: GOOG  160129P00700000") == "U1, AAPL and GOOGL: [contract]"
    assert anon.alias("AAPL") == "U2" and anon.alias("GOOGL") == "U3"
    assert anon.text("GOOG, AAPL and GOOGL: GOOG  160129P00700000") == "U1, U2 and U3: [contract]"
    other = Anonymiser(True, ["AAPL", "GOOG"])  # same text, other aliases
    assert other.text("GOOG, AAPL and GOOGL") == "U2, U1 and GOOGL"


def test_anonymiser_table_scrubs_exactly_like_text() -> None:
    texts = ["GOOG  160129P00700000 on 2015-12-20", "AAPL, GOOGL and GOOG in '15", "", "nothing to hide"]
    for enabled in (True, False):
        anon = Anonymiser(enabled, ["GOOG"])
        assert [scrub(t, anon.table) for t in texts] == [anon.text(t) for t in texts]
        anon.alias("AAPL")  # a later alias changes the table, and so the text
        assert [scrub(t, anon.table) for t in texts] == [anon.text(t) for t in texts]
    assert Anonymiser(False, ["GOOG"]).table is None and Anonymiser(True).table == ()
    assert Anonymiser(True, ["GOOG", "GOOGL"]).table == (("GOOGL", "U2"), ("GOOG", "U1"))


def test_cached_notes_and_verdicts_equal_the_direct_texts() -> None:
    """Briefs of notes and verdicts, whatever was cached before (other tables, anonymisation off), are the
    texts the anonymiser gives directly."""
    notes = ("GOOG spread 3.1% on 2015-12-20", "AAPL n/a: GOOG  160129P00700000", "x" * 300, "")
    verdicts = (Verdict("quote_ok", "pass"), Verdict("earnings", "n/a", "GOOG reports on Jan 28, 2016"),
                Verdict("spread", "fail", "AAPL " + "y" * 300), Verdict("odd", "other", "GOOG"))
    goog = candidate("GOOG", notes=notes, verdicts=verdicts)
    aapl = candidate("AAPL", notes=notes, verdicts=verdicts)
    books = (portfolio(), portfolio(positions=(stock("AAPL", 100),)))
    for cands in ([goog], [aapl, goog], [goog, aapl], [goog]):
        for book in books:
            for anonymise in (True, False, True):
                request, _ = build_request(cands, book, market(), StrategyConfig(), anonymise=anonymise)
                anon = Anonymiser(anonymise, [c.underlying for c in cands] + [p.underlying for p in book.positions])
                for brief, cand in zip(request.candidates, cands, strict=True):
                    assert brief.notes == tuple(anon.text(n)[:200] for n in cand.notes)
                    assert brief.verdicts == tuple(_verdict(v.rule, v.status, anon.text(v.reason))
                                                   for v in cand.verdicts if v.status != "pass")
    request, _ = build_request([goog], portfolio(), market(), StrategyConfig(), anonymise=True)
    assert request.candidates[0].notes[:2] == ("U1 spread 3.1% on [date]", "AAPL n/a: [contract]")


def test_request_holds_all_candidates_with_aliases() -> None:
    cands = five()
    request, aliases = build_request(cands, portfolio(), market(), StrategyConfig(), anonymise=True)
    assert [c.id for c in request.candidates] == ["C1", "C2", "C3", "C4", "C5"]
    assert aliases == {f"C{i + 1}": c.id for i, c in enumerate(cands)}
    c1 = request.candidates[0]
    # strike 100, spot 105, bid 9.8, ask 10.2: moneyness 100/105 - 1, premium 10 / 100; earnings 2016-01-28
    # is 35 days after 2015-12-24, inside the 36-day life.
    assert c1.moneyness == pytest.approx(-0.0476, abs=1e-4)
    assert c1.premium_pct_of_strike == pytest.approx(0.1)
    assert (c1.dte, c1.days_to_earnings, c1.realised_vol) == (36, 35, 0.25)
    assert request.screen_rules == ("delta_range", "earnings_clear")
    assert c1.verdicts == ()


def test_prompt_files_and_bundle_agree() -> None:
    from llm.prompts_bundle import TEXTS

    files = {p.stem: p.read_text(encoding="utf-8") for p in PROMPT_DIR.glob("*.md")}
    assert files == TEXTS, "run: python -m llm.render --bundle"
    system = load_prompts().system
    assert all(load_prompts().texts[s].strip() in system for s in SECTIONS)


def test_bundle_gives_the_same_hash(tmp_path: Path) -> None:
    from llm.prompts_bundle import TEXTS

    for name, text in TEXTS.items():
        (tmp_path / f"{name}.md").write_text(text, encoding="utf-8")
    assert load_prompts(str(tmp_path)).hash == load_prompts().hash
    (tmp_path / "system.md").write_text("changed", encoding="utf-8")
    load_prompts.cache_clear()
    assert load_prompts(str(tmp_path)).hash != load_prompts().hash


def test_cache_key_covers_request_model_prompts_and_schema() -> None:
    request, _ = build_request(five(), portfolio(), market(), StrategyConfig(), anonymise=True)
    other, _ = build_request(five(), portfolio(), market(vix=30.0), StrategyConfig(), anonymise=True)
    base = cache_key(request, "m1", "p1", "s1")
    assert base == cache_key(request, "m1", "p1", "s1")
    assert len({base, cache_key(other, "m1", "p1", "s1"), cache_key(request, "m2", "p1", "s1"),
                cache_key(request, "m1", "p2", "s1"), cache_key(request, "m1", "p1", "s2")}) == 5
    assert len(schema_hash()) == 16


def test_folder_store_cache_round_trip_and_damage(tmp_path: Path) -> None:
    from wheelhouse.state import FolderStore, StateKeyError

    store = FolderStore(tmp_path)
    cache = ReviewCache(store)
    resp = ReviewResponse.model_validate({"decisions": [decision("C1")]})
    cache.put("abc", resp, Usage(10, 5), "m")
    entry = cache.get("abc")
    assert entry is not None and entry.response == resp and entry.usage == Usage(10, 5)
    store.save("wheelhouse/review/cache/abc", "{broken")
    assert cache.get("abc") is None
    with pytest.raises(StateKeyError):
        store.save("../escape", "x")


def test_contract_rejects_unknown_fields_and_bounds() -> None:
    good = decision("C1")
    CandidateReview.model_validate(good)
    for bad in ({**good, "strike": 1.0}, {**good, "size_multiplier": 1.01}, {**good, "confidence": 11},
                {**good, "action": "buy"}, {**good, "rationale": "x" * 241}):
        with pytest.raises(ValidationError):
            CandidateReview.model_validate(bad)
    with pytest.raises(ValidationError):
        NewsItem.model_validate({"underlying": "X", "text": "t", "url": "u"})
