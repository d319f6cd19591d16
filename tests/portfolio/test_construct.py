"""Construction: a hand-computed book, every drop reason, and hypothesis invariants over random books."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from domain.config import StrategyConfig
from domain.types import AssetKind, Candidate, PortfolioState, Reference, ReviewAction, Right
from portfolio.caps import position_cap
from portfolio.construct import construct
from tests.factories import AS_OF, approve, candidate, market, option_position, portfolio, stock

CFG = StrategyConfig()


def liquid(*args: object, **kw: object) -> Candidate:
    kw.setdefault("bid", 1.00)
    kw.setdefault("ask", 1.02)
    return candidate(*args, **kw)  # type: ignore[arg-type]


def test_hand_computed_book() -> None:
    a = liquid(strike=40.0, underlying="AAA", score=9.0)             # 4,000 a contract -> 1
    b = liquid(strike=20.0, underlying="BBB", score=9.5)             # 2,000 a contract -> 2
    b2 = liquid(strike=19.0, underlying="BBB", score=9.2)            # same underlying, ranked lower
    c = liquid(strike=60.0, underlying="CCC", score=9.0)             # 6,000 > 5,000 cap
    d = liquid(strike=30.0, underlying="DDD", score=6.0)             # final below 7.5
    e = liquid(Right.CALL, strike=95.0, underlying="EEE", score=9.0, underlying_price=97.0)  # below basis 100
    f = liquid(strike=30.0, underlying="FFF", score=9.0)             # rejected by review
    g = liquid(strike=30.0, underlying="GGG", score=9.0)             # no decision at all
    h = liquid(Right.PUT, strike=30.0, underlying="HHH", score=9.0, expiry=date(2015, 12, 24))  # expires today
    decisions = {x.id: approve(x) for x in (a, b, b2, c, d, e, h)}
    decisions[f.id] = approve(f, action=ReviewAction.REJECT, size_multiplier=0.0)
    book = portfolio(100_000.0, positions=(stock("EEE", 100.0, 100.0),), prices={"EEE": 97.0})
    result = construct([a, b, b2, c, d, e, f, g, h], decisions, book, market(), CFG)

    assert [(t.underlying, t.quantity) for t in result.targets] == [("BBB", -2), ("AAA", -1)]
    bt = result.targets[0]
    assert (bt.symbol, bt.strike, bt.right, bt.multiplier, bt.limit_price, bt.candidate_id) == (
        b.quote.symbol, 20.0, Right.PUT, 100, None, b.id)
    reasons = dict(result.dropped)
    assert "below threshold" in reasons[d.id]
    assert "exceeds the budget" in reasons[c.id]
    assert "higher-ranked candidate on BBB" in reasons[b2.id]
    assert "below cost basis 100.00" in reasons[e.id]
    assert "rejected by review" in reasons[f.id]
    assert "no review decision" in reasons[g.id]
    assert "expires" in reasons[h.id]
    # Every scored candidate records its three parts; the target's score is the final score.
    parts = result.scores[b.id]
    assert bt.score == pytest.approx(parts.final)
    assert parts.final == pytest.approx(0.7 * 9.5 + 0.2 * 9.0 + 0.1 * parts.risk)
    assert set(result.scores) == {a.id, b.id, b2.id, c.id, d.id, e.id}


def test_covered_calls_only_against_uncovered_shares() -> None:
    # 350 shares, one call already written: 250 uncovered -> 2 contracts (cap: 5% of 1,000,000 = 50,000).
    book = portfolio(500_000.0, total_value=1_000_000.0, prices={"EEE": 100.0},
                     positions=(stock("EEE", 350.0, 90.0), option_position(Right.CALL, 110.0, -1, underlying="EEE")))
    c = liquid(Right.CALL, strike=105.0, underlying="EEE", underlying_price=100.0)
    result = construct([c], {c.id: approve(c)}, book, market(), CFG)
    assert [t.quantity for t in result.targets] == [-2]
    # No shares at all: no room.
    empty = construct([c], {c.id: approve(c)}, portfolio(1_000_000.0), market(), CFG)
    assert "uncovered shares" in dict(empty.dropped)[c.id]
    # Below the basis only when allowed; the wheel's adjusted basis can be passed in.
    low = liquid(Right.CALL, strike=85.0, underlying="EEE", underlying_price=100.0)
    assert construct([low], {low.id: approve(low)}, book, market(), CFG).targets == ()
    allowed = CFG.replace(cc_allow_below_cost_basis=True)
    assert len(construct([low], {low.id: approve(low)}, book, market(), allowed).targets) == 1
    assert len(construct([low], {low.id: approve(low)}, book, market(), CFG, cost_basis={"EEE": 84.0}).targets) == 1


def test_caps_cut_and_block() -> None:
    # Free cash 3,000 only: a put needing 2,000 a contract gets 1, cut by free cash.
    book = portfolio(3_000.0, total_value=100_000.0)
    c = liquid(strike=20.0, underlying="AAA")
    result = construct([c], {c.id: approve(c)}, book, market(), CFG)
    assert result.targets[0].quantity == -1
    assert "cut to 1 by free cash" in result.targets[0].reason
    # Ten open positions: an eleventh underlying is blocked at VIX 20, allowed at VIX 14 (cap 12),
    # and a put on an already-held underlying is maintenance, not a new position.
    held = tuple(option_position(Right.PUT, 10.0, -1, underlying=f"U{i}") for i in range(10))
    full = portfolio(1_000_000.0, positions=held)
    new = liquid(strike=20.0, underlying="NEW")
    more = liquid(strike=10.0, underlying="U3")
    sectors = {u: Reference(u, sector=f"sector-{u}") for u in [f"U{i}" for i in range(10)] + ["NEW"]}
    r = construct([new, more], {new.id: approve(new), more.id: approve(more)}, full,
                  market(vix=20.0, reference=sectors), CFG)
    assert [t.underlying for t in r.targets] == ["U3"]
    assert "position cap reached (10 of 10)" in dict(r.dropped)[new.id]
    r = construct([new], {new.id: approve(new)}, full, market(vix=14.0, reference=sectors), CFG)
    assert [t.underlying for t in r.targets] == ["NEW"]
    # Unknown sectors share one bucket: ten unknown-sector positions block a new unknown one.
    r = construct([new], {new.id: approve(new)}, full, market(vix=14.0), CFG)
    assert "sector UNKNOWN already holds 10 positions" in dict(r.dropped)[new.id]
    # Sector exposure: Energy already 24,000 of a 100,000 book; cap 25,000 -> 1,000 left -> 0 of 2,000.
    energy = portfolio(100_000.0, positions=(option_position(Right.PUT, 80.0, -3, underlying="OIL"),))
    mkt = market(reference={"OIL": Reference("OIL", sector="Energy"), "GAS": Reference("GAS", sector="Energy")})
    gas = liquid(strike=20.0, underlying="GAS")
    r = construct([gas], {gas.id: approve(gas)}, energy, mkt, CFG.replace(trade_threshold=5.0))
    assert "sector Energy exposure cap" in dict(r.dropped)[gas.id]


# ---------- invariants over random books and candidate lists ----------

UNDERLYINGS = [f"S{i:02d}" for i in range(10)]
SECTORS = {u: f"sector{i % 3}" for i, u in enumerate(UNDERLYINGS)}
REFERENCE = {u: Reference(u, sector=s) for u, s in SECTORS.items()}


@st.composite
def books(draw: st.DrawFn) -> PortfolioState:
    positions = []
    prices: dict[str, float] = {}
    for u in draw(st.lists(st.sampled_from(UNDERLYINGS), max_size=12, unique=True)):
        kind = draw(st.sampled_from(["put", "shares", "shares+call"]))
        price = draw(st.floats(5.0, 150.0))
        prices[u] = price
        if kind == "put":
            positions.append(option_position(Right.PUT, round(price * 0.9, 1), -draw(st.integers(1, 5)), underlying=u))
        else:
            lots = draw(st.integers(1, 6))
            positions.append(stock(u, 100.0 * lots, price * draw(st.floats(0.8, 1.2))))
            if kind == "shares+call":
                positions.append(option_position(Right.CALL, round(price * 1.1, 1), -draw(st.integers(1, lots)),
                                                 underlying=u))
    cash = draw(st.floats(0.0, 50_000.0) | st.floats(0.0, 5_000_000.0))
    stock_value = sum(p.quantity * prices[p.underlying] for p in positions if p.kind is AssetKind.STOCK)
    other = draw(st.sampled_from([0.0]) | st.floats(0.0, 1_000_000.0))  # assets the strategy does not manage
    return PortfolioState(cash=cash, total_value=cash + stock_value + other, positions=tuple(positions), as_of=AS_OF,
                          prices=prices)


@st.composite
def candidate_lists(draw: st.DrawFn) -> list[Candidate]:
    out = []
    for _ in range(draw(st.integers(0, 25))):
        u = draw(st.sampled_from(UNDERLYINGS))
        right = draw(st.sampled_from([Right.PUT, Right.CALL]))
        spot = draw(st.floats(5.0, 150.0))
        strike = round(spot * draw(st.floats(0.7, 1.3)), 1)
        mid = max(0.05, round(spot * 0.02, 2))
        out.append(candidate(right, strike=strike, underlying=u, underlying_price=spot, bid=mid,
                             ask=round(mid * draw(st.floats(1.0, 1.08)), 2), score=draw(st.floats(6.0, 10.0)),
                             multiplier=draw(st.sampled_from([10, 100]))))
    return out


def caps_by_regime(data: st.DataObject) -> dict[str, int]:
    """Position caps high-VIX <= normal <= low-VIX, small enough to bind on a ten-name universe."""
    high = data.draw(st.integers(1, 8))
    normal = high + data.draw(st.integers(0, 2))
    return {"max_positions_high_vix": high, "max_positions": normal,
            "max_positions_low_vix": normal + data.draw(st.integers(0, 2))}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books(), candidate_lists(), st.floats(8.0, 60.0), st.floats(0.05, 1.0), st.data())
def test_no_target_breaches_a_cap(book: PortfolioState, cands: list[Candidate], vix: float, fraction: float,
                                  data: st.DataObject) -> None:
    cfg = CFG.replace(capital_fraction=fraction, trade_threshold=6.0,
                      max_trade_pct=data.draw(st.sampled_from([0.05]) | st.floats(0.01, 0.3)),
                      sector_max_exposure=data.draw(st.sampled_from([0.25]) | st.floats(0.05, 0.6)),
                      max_margin_use=data.draw(st.sampled_from([0.5]) | st.floats(0.1, 1.0)),
                      max_positions_per_sector=data.draw(st.integers(1, 5)),
                      **caps_by_regime(data))
    decisions = {c.id: approve(c, confidence=data.draw(st.floats(4.0, 10.0)),
                               size_multiplier=data.draw(st.sampled_from([1.0, 0.5, 0.0]) | st.floats(0.2, 1.0)))
                 for c in cands}
    mkt = market(vix=vix, reference=REFERENCE)
    result = construct(cands, decisions, book, mkt, cfg)
    event(f"targets: {min(len(result.targets), 3)}")
    for t in result.targets:
        if "cut to" in t.reason:
            event(t.reason.split(" by ")[-1].split(" (")[0][:20])
    p = cfg.portfolio
    capital = fraction * book.total_value
    by_id = {c.id: c for c in cands}

    def exposure(positions: list[tuple[str, float]]) -> dict[str, float]:
        out: dict[str, float] = {}
        for u, v in positions:
            out[SECTORS[u]] = out.get(SECTORS[u], 0.0) + v
        return out

    before = [(x.underlying, x.reserved_cash() if x.is_option else x.quantity * book.prices[x.underlying])
              for x in book.positions]
    open_before = {x.underlying for x in book.positions if x.is_option}
    new_puts: list[tuple[str, float]] = []
    calls: dict[str, float] = {}
    for t in result.targets:
        c = by_id[t.candidate_id or ""]
        assert t.quantity < 0 and isinstance(t.quantity, int)
        assert result.scores[c.id].final >= p.trade_threshold - 1e-9
        per = c.quote.strike * c.quote.multiplier if t.right is Right.PUT else c.quote.underlying_price * c.quote.multiplier
        assert -t.quantity * per <= p.max_trade_pct * book.total_value * fraction + 1e-6  # the 5% cap
        if t.right is Right.PUT:
            new_puts.append((t.underlying, -t.quantity * per))
        else:
            calls[t.underlying] = calls.get(t.underlying, 0.0) - t.quantity * t.multiplier
    assert len({t.underlying for t in result.targets}) == len(result.targets)
    for u, shares in calls.items():  # calls only against uncovered shares
        assert shares <= book.uncovered_shares(u) + 1e-9
    opened = {t.underlying for t in result.targets} - open_before
    if opened:  # position cap and positions per sector
        after = open_before | opened
        assert len(after) <= position_cap(vix, cfg)
        for s in {SECTORS[u] for u in opened}:
            assert sum(SECTORS[u] == s for u in after) <= p.max_positions_per_sector
    if new_puts:  # sector exposure, margin use and the cash reservation
        sectors_after = exposure(before + new_puts)
        for s in {SECTORS[u] for u, _ in new_puts}:
            assert sectors_after[s] <= p.sector_max_exposure * capital + 1e-6
        assert sum(v for _, v in before + new_puts) <= p.max_margin_use * capital + 1e-6
        assert book.free_cash() - sum(v for _, v in new_puts) >= -1e-6
    assert all(math.isfinite(r.notional) for r in result.records)


def test_nothing_trades_on_a_worthless_book() -> None:
    c = liquid()
    r = construct([c], {c.id: approve(c)}, portfolio(0.0), market(), CFG)
    assert r.targets == () and dict(r.dropped)[c.id] == "portfolio value is not positive"
