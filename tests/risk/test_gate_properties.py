"""Authority only goes down, shown by hypothesis over random books and targets:

* every allowed target has an input target with the same symbol and id, the same sign and no smaller size;
* every exit closes part or all of a held position and never flips it;
* the allowed targets never push a measure past its limit (nor further past it) from where the book stood,
  before or after the exits.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.config import StrategyConfig
from domain.state import MemoryStore
from domain.types import AssetKind, Right, Target
from risk.book import Leg, build_book
from risk.exposures import unit_exposures
from risk.gate import RiskGate
from risk.limits import bounds, limit_vector
from tests.factories import portfolio, stock
from tests.risk.gate_helpers import SPOT, held, mkt, q

CONTRACTS = [q(Right.PUT, k) for k in (85.0, 90.0, 95.0, 100.0)] + [q(Right.CALL, k) for k in (100.0, 105.0, 115.0)]
QUOTES = {c.symbol: c for c in CONTRACTS}
CFG = StrategyConfig()
LIMITS = limit_vector(CFG.risk)

nonzero = st.integers(-12, 12).filter(lambda n: n != 0)


@st.composite
def cases(draw):  # type: ignore[no-untyped-def]
    idx = draw(st.lists(st.integers(0, len(CONTRACTS) - 1), max_size=4, unique=True))
    positions = [held(CONTRACTS[i], draw(nonzero)) for i in idx]
    shares = draw(st.sampled_from([0, 100, 300, 800]))
    if shares:
        positions.append(stock("XYZ", shares, SPOT))
    targets = []
    for n in range(draw(st.integers(0, 5))):
        c = CONTRACTS[draw(st.integers(0, len(CONTRACTS) - 1))]
        targets.append(Target(c.symbol, "XYZ", draw(st.integers(-40, 40).filter(lambda x: x != 0)),
                              candidate_id=f"t{n}", right=c.right, strike=c.strike, expiry=c.expiry))
    value = draw(st.sampled_from([60_000.0, 150_000.0, 400_000.0]))
    kill = draw(st.sampled_from(["off", "off", "off", "halt", "liquidate"]))
    return positions, targets, value, kill


def rows(value: float) -> dict[str, np.ndarray]:
    legs = [Leg(c.symbol, "XYZ", 1.0, AssetKind.OPTION, 100.0, c.right, c.strike, c.expiry) for c in CONTRACTS]
    legs.append(Leg("XYZ", "XYZ", 1.0, AssetKind.STOCK))
    book = build_book(legs, portfolio(prices={"XYZ": SPOT}), QUOTES, mkt())
    units = unit_exposures(book, value)
    return {leg.symbol: units[i] for i, leg in enumerate(legs)}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_authority_only_goes_down(case) -> None:  # type: ignore[no-untyped-def]
    positions, targets, value, kill = case
    pf = portfolio(value, tuple(positions), prices={"XYZ": SPOT})
    r = RiskGate(CFG.replace(kill_switch=kill), MemoryStore()).apply(targets, pf, QUOTES, mkt())

    inputs = {(t.symbol, t.candidate_id): t.quantity for t in targets}
    for t in r.targets:
        q_in = inputs.pop((t.symbol, t.candidate_id))
        assert t.quantity * q_in > 0 and abs(t.quantity) <= abs(q_in)

    holding = {p.symbol: p.quantity for p in positions}
    assert len({t.symbol for t in r.exits}) == len(r.exits)
    for e in r.exits:
        assert e.quantity * holding[e.symbol] < 0 and abs(e.quantity) <= abs(holding[e.symbol])

    unit = rows(value)
    x0 = sum((p.quantity * unit[p.symbol] for p in positions), np.zeros(3))
    x_post = x0 + sum((e.quantity * unit[e.symbol] for e in r.exits), np.zeros(3))
    added = sum((t.quantity * unit[t.symbol] for t in r.targets), np.zeros(3))
    for start in (x0, x_post):
        lo, hi = bounds(start, LIMITS)
        end = start + added
        assert np.all(end >= lo - 1e-9) and np.all(end <= hi + 1e-9)
    if kill != "off":
        opening = [t for t in r.targets if not (t.symbol in holding and t.quantity * holding[t.symbol] < 0)]
        assert opening == []
    if kill == "liquidate":
        assert {e.symbol for e in r.exits} == set(holding)
