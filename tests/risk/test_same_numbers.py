"""The review's shortcuts give the very same numbers (bit for bit) as the plain computations they replace."""

from __future__ import annotations

import json
from dataclasses import asdict, fields, replace

import numpy as np
import pandas as pd
import pytest

from domain.state import MemoryStore
from risk.memory import GateMemory, load_memory, save_memory
from risk.scenarios import (
    Scenarios,
    _historical_frame,
    common_closes,
    covariance,
    euro_greeks,
    historical_scenarios,
    monte_carlo_scenarios,
    revalue,
    revalue_each,
    taylor_ladder,
    taylor_pnl,
)
from risk.stress import SCENARIOS, StressScenario, run_stress
from risk.var import tail_count, var_es, var_es_pair
from tests.risk.conftest import Row, make_book


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def _book() -> object:
    rows = [Row("P", -5, 100.0, strike=95.0, vol=0.22, t=40 / 365), Row("C", -3, 100.0, strike=108.0, vol=0.18),
            Row("S", 300, 100.0), Row("P", -2, 52.0, strike=50.0, vol=0.35, underlying="ABC", t=3 / 365),
            Row("C", 4, 52.0, strike=60.0, vol=0.0, underlying="ABC"), Row("P", 0, 52.0, strike=45.0, underlying="ABC"),
            Row("S", -100, 52.0, underlying="ABC")]
    return make_book(rows, rate=0.015)


def _plain_var_es(pnl: np.ndarray, alpha: float) -> tuple[float, float]:
    losses = -np.sort(np.asarray(pnl, dtype=np.float64))
    k = tail_count(losses.size, alpha)
    return float(losses[k - 1]), float(losses[:k].mean())


def test_revalue_each_is_revalue_of_each_set() -> None:
    book = _book()
    rng = np.random.default_rng(3)
    sets = [Scenarios(rng.normal(0, 0.05, (n, 2)), rng.normal(0, 0.3, (n, 2)), dt=dt, rate_shift=shift)
            for n, dt, shift in ((1, 0.0, 0.0), (2, 0.0, 0.022), (5, 1 / 365, 0.0), (0, 0.0, 0.0), (3, 7 / 365, -0.01))]
    base = euro_greeks(book)
    together = revalue_each(book, sets, base)
    for s, pnl in zip(sets, together, strict=True):
        assert _same(pnl, revalue(book, s, base))
    big = Scenarios(rng.normal(0, 0.02, (10_000, 2)), rng.normal(0, 0.1, (10_000, 2)))
    one = revalue(book, big, base)
    assert _same(revalue_each(book, [big, sets[0]], base)[0], one)  # too big to share a call: priced alone


def _plain_variants(sc: StressScenario, names: tuple[str, ...], sectors: dict[str, str],
                    weekly: dict[str, float]) -> list[tuple[str | None, np.ndarray, np.ndarray]]:
    """(subject, returns row, vol row) of each choice of a stress scenario, row by row."""
    u = len(names)
    if sc.kind == "market":
        return [(None, np.full(u, sc.equity), np.full(u, sc.vol))]
    if sc.kind == "correlation_one":
        return [(None, np.array([sc.equity * weekly.get(n, 0.0) for n in names]), np.full(u, sc.vol))]
    if sc.kind == "sector":  # one choice per sector in order of first appearance; no sector: its own
        keys = [sectors.get(n) or f"unknown:{n}" for n in names]
        members = [(k, [i for i, x in enumerate(keys) if x == k]) for k in dict.fromkeys(keys)]
    else:
        members = [(n, [i]) for i, n in enumerate(names)]
    out: list[tuple[str | None, np.ndarray, np.ndarray]] = []
    for subject, idx in members:
        r, v = np.zeros(u), np.zeros(u)
        r[idx], v[idx] = sc.equity, sc.vol
        out.append((subject, r, v))
    return out


@pytest.mark.parametrize("sectors", [{"XYZ": "tech"}, {"XYZ": "tech", "ABC": "tech"}, {}])
def test_stress_battery_matches_one_revaluation_per_scenario(sectors: dict[str, str]) -> None:
    book = _book()
    vols = {"XYZ": 0.2, "ABC": 0.4}
    weekly = {k: v * np.sqrt(5.0 / 252.0) for k, v in vols.items()}
    base = euro_greeks(book)
    for res, sc in zip(run_stress(book, 1e6, sectors, vols), SCENARIOS, strict=True):
        variants = _plain_variants(sc, book.underlyings, sectors, weekly)
        pnl = revalue(book, Scenarios(np.array([v[1] for v in variants]), np.array([v[2] for v in variants]),
                                      dt=0.0, rate_shift=sc.rate), base)
        worst = int(np.argmin(pnl))
        assert res.loss == -float(pnl[worst]) and res.subject == variants[worst][0]
        assert res.loss_pct == res.loss / 1e6
    empty = run_stress(replace(book, **{f.name: getattr(book, f.name)[:0] for f in fields(book)
                                        if isinstance(getattr(book, f.name), np.ndarray)},
                               symbols=(), underlyings=()), 1e6)
    assert all(r.loss == 0.0 and not np.signbit(r.loss) and r.subject is None for r in empty)


@pytest.mark.parametrize("n", [1, 20, 39, 40, 41, 252, 10_000])
def test_var_es_pair_matches_the_full_sort(n: int) -> None:
    rng = np.random.default_rng(n)
    pnl = rng.standard_t(3, n) * 1000
    pnl[rng.integers(0, n, n // 5)] = 0.0  # ties
    for a_var, a_es in ((0.95, 0.975), (0.99, 0.95), (0.95, 0.95)):
        v, e = var_es_pair(pnl, a_var, a_es)
        assert v == _plain_var_es(pnl, a_var)[0] and e == _plain_var_es(pnl, a_es)[1]
    assert var_es(pnl, 0.95) == _plain_var_es(pnl, 0.95)


def test_taylor_ladder_is_three_taylor_calls() -> None:
    book = _book()
    rng = np.random.default_rng(5)
    scen = Scenarios(rng.normal(0, 0.02, (500, 2)), rng.normal(0, 0.1, (500, 2)))
    dgv, dg, d = taylor_ladder(book, scen)
    assert _same(dgv, taylor_pnl(book, scen))
    assert _same(dg, taylor_pnl(book, scen, vega=False))
    assert _same(d, taylor_pnl(book, scen, vega=False, gamma=False))


def _closes(with_gaps: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    idx = pd.bdate_range("2015-01-01", periods=300)
    frame = pd.DataFrame({name: start * np.exp(np.cumsum(rng.normal(0, vol, len(idx))))
                          for name, start, vol in (("XYZ", 100, 0.01), ("ABC", 50, 0.02), ("VIX", 20, 0.05))},
                         index=idx)
    if with_gaps:
        frame.iloc[[5, 150, 290], 1] = np.nan
        frame.iloc[[200], 0] = np.nan
    return frame


@pytest.mark.parametrize("unds", [("XYZ",), ("XYZ", "ABC"), ("ABC", "XYZ", "VIX"), ()])
@pytest.mark.parametrize("vix", [True, False])
def test_historical_scenarios_match_the_pandas_route(unds: tuple[str, ...], vix: bool) -> None:
    closes = _closes() if vix else _closes().drop(columns="VIX")
    if "VIX" in unds and not vix:
        return
    cols = list(unds) + (["VIX"] if vix and "VIX" not in unds else [])
    for lookback in (20, 252):
        fast = historical_scenarios(closes, unds, lookback, -5.0)
        slow = _historical_frame(closes, unds, cols, lookback, -5.0, "VIX")
        assert _same(fast.returns, slow.returns) and _same(fast.vol_rel, slow.vol_rel)
        assert fast.returns.flags.c_contiguous == slow.returns.flags.c_contiguous
        assert fast.vol_rel.flags.c_contiguous == slow.vol_rel.flags.c_contiguous
    with pytest.raises(ValueError, match="296 common closes; 300 needed"):
        historical_scenarios(closes[["XYZ", "ABC"]], ("XYZ", "ABC"), 299, -5.0)


def test_common_closes_is_dropna_tail_and_declines_odd_frames() -> None:
    closes = _closes()
    closes["INT"] = np.arange(len(closes))
    got = common_closes(closes, ["ABC", "INT", "XYZ"], 100)
    assert got is not None
    assert _same(got, closes[["ABC", "INT", "XYZ"]].dropna().tail(100).to_numpy(dtype=np.float64))
    assert common_closes(closes.set_axis(["A", "A", "B", "C"], axis=1), ["B"], 10) is None
    assert common_closes(closes.assign(XYZ=closes["XYZ"].astype("Float64")), ["XYZ"], 10) is None
    dup = closes[["XYZ", "ABC", "VIX"]].set_axis(["XYZ", "XYZ", "ABC"], axis=1)  # taken through pandas
    alone = closes[["VIX"]].set_axis(["ABC"], axis=1)
    assert _same(historical_scenarios(dup, ("ABC",), 50, -5.0).returns, historical_scenarios(alone, ("ABC",), 50, -5.0).returns)


def _plain_covariance(closes: pd.DataFrame, underlyings: tuple[str, ...], lookback: int,
                      fallback_vol: dict[str, float]) -> np.ndarray:
    u = len(underlyings)
    have = [x for x in underlyings if x in closes.columns]
    sd = np.array([fallback_vol.get(x, 0.0) / np.sqrt(252) for x in underlyings])
    corr = np.ones((u, u))
    logret = np.log(closes[have].dropna().tail(lookback + 1)).diff().iloc[1:]
    if len(logret) >= 2:
        idx = [underlyings.index(x) for x in have]
        sd[idx] = logret.std(ddof=1).to_numpy()
        corr[np.ix_(idx, idx)] = np.nan_to_num(logret.corr().to_numpy(), nan=1.0)
    np.fill_diagonal(corr, 1.0)
    cov = corr * np.outer(sd, sd)
    w, vec = np.linalg.eigh(0.5 * (cov + cov.T))
    return (vec * np.clip(w, 0.0, None)) @ vec.T


@pytest.mark.parametrize("unds", [("XYZ",), ("XYZ", "ABC"), ("ABC", "NEW", "XYZ", "VIX")])
def test_covariance_matches_the_pandas_route(unds: tuple[str, ...]) -> None:
    closes = _closes()
    for lookback in (20, 100, 252):
        assert _same(covariance(closes, unds, lookback, {"NEW": 0.3}),
                     _plain_covariance(closes, unds, lookback, {"NEW": 0.3}))


def test_monte_carlo_draws_are_kept_and_not_shared_for_writing() -> None:
    cov = np.array([[4e-4]])
    a = monte_carlo_scenarios(cov, 10_000, 7, -5.0)
    b = monte_carlo_scenarios(cov, 10_000, 7, -5.0)
    z = np.random.default_rng(7).standard_normal((10_000, 1))
    w, vec = np.linalg.eigh(cov)
    assert _same(a.returns, np.expm1(z @ (vec * np.sqrt(np.clip(w, 0.0, None))).T))
    a.returns[0, 0] = 1.0  # the caller's arrays are its own
    assert b.returns[0, 0] != 1.0
    assert _same(monte_carlo_scenarios(cov, 10_000, 7, -5.0).returns, b.returns)


def test_saved_memory_is_the_dataclass_as_json() -> None:
    mem = GateMemory(state="REDUCING", values=[("2016-01-04T00:00:00", 1e6), ("2016-01-05T00:00:00", 1.01e6)],
                     entries={"XYZ P": {"vix": 21.5, "spread_pct": None, "time": "2016-01-04", "iv": 0.25}},
                     liquidity_reduced=["XYZ P"], spreads={"2016-01-05": {"XYZ P": [0.01, 0.02]}},
                     last_review="2016-01-01T00:00:00", review_values=[0.1, -0.2, 0.3])
    store = MemoryStore()
    save_memory(store, "k", mem)
    assert store.read("k") == json.dumps(asdict(mem), sort_keys=True)
    assert load_memory(store, "k") == mem


def test_book_keeps_the_iv_solves_prices_and_they_are_option_greeks_at_that_iv() -> None:
    from datetime import date

    from domain.types import AssetKind, Right, Style
    from pricing.bsm import year_fraction
    from pricing.chain import analyse_quotes
    from pricing.greeks import option_greeks
    from risk.book import Leg, build_book
    from tests.factories import portfolio, quote
    from tests.risk.conftest import market

    mkt = market(rate=0.02, dividend_yield={"XYZ": 0.0, "ABC": 0.015})
    quotes = [quote(Right.PUT, 100.0, bid=2.0, ask=2.1, underlying_price=102.0),  # American put: early exercise
              quote(Right.CALL, 110.0, bid=0.8, ask=0.9, underlying_price=102.0),  # no yield: the European value
              quote(Right.PUT, 95.0, bid=1.0, ask=1.1, underlying_price=102.0, style=Style.EUROPEAN),
              quote(Right.CALL, 50.0, bid=1.5, ask=1.6, underlying_price=49.0, underlying="ABC",
                    expiry=date(2016, 3, 18)),
              quote(Right.PUT, 100.0, bid=9.0, ask=8.0, underlying_price=102.0, expiry=date(2016, 2, 19)),  # crossed
              quote(Right.PUT, 90.0, bid=1.2, ask=1.3, underlying_price=102.0, iv=0.31)]  # IV given
    legs = [Leg(q.symbol, q.underlying, -1.0, AssetKind.OPTION, 100.0, q.right, q.strike, q.expiry, q.style)
            for q in quotes]
    legs.append(Leg("XYZ", "XYZ", 100.0, AssetKind.STOCK))
    legs.append(Leg(quotes[0].symbol + "X", "XYZ", 2.0, AssetKind.OPTION, 100.0, Right.PUT, 100.0,
                    quotes[0].expiry))  # no quote: priced at the underlying's vol
    book = build_book(legs, portfolio(prices={"XYZ": 102.0, "ABC": 49.0}), {q.symbol: q for q in quotes},
                      market(rate=0.02, dividend_yield={"XYZ": 0.0, "ABC": 0.015}, forecast_vol={"XYZ": 0.25}))
    ivs = {q.symbol: q.iv for div in (0.0, 0.015) for q in analyse_quotes(
        [x for x in quotes if x.iv is None and mkt.dividend_yield[x.underlying] == div], mkt.as_of, 0.02, div)}
    assert list(book.from_quote) == [True, True, True, True, False, True, False, False]
    for i, leg in enumerate(legs[:6]):
        q = quotes[i]
        vol = q.iv if q.iv is not None else (ivs[q.symbol] or 0.25)
        assert book.vol[i] == vol
        g = option_greeks(102.0 if leg.underlying == "XYZ" else 49.0, leg.strike, year_fraction(mkt.as_of, leg.expiry),
                          0.02, mkt.dividend_yield[leg.underlying], vol, leg.right is Right.CALL,
                          leg.style is Style.AMERICAN)
        for name in ("price", "delta", "gamma", "vega", "theta"):
            assert getattr(book, name)[i] == np.nan_to_num(getattr(g, name)) * 100.0, (i, name)


def test_column_std_is_pandas_std() -> None:
    from risk.scenarios import column_std

    rng = np.random.default_rng(17)
    for trial in range(300):
        n, k = int(rng.integers(0, 60)), int(rng.integers(1, 4))
        x = rng.normal(0, [1e-3, 1.0, 1e5][trial % 3], (n, k))
        if trial % 2 and n:
            x[rng.random((n, k)) < 0.2] = np.nan  # skipped; a column left with one number gives NaN
        if trial % 5 == 0:
            x = np.round(x, 3)
        assert _same(column_std(x), pd.DataFrame(x).std(ddof=1).to_numpy()), trial
    with np.errstate(invalid="ignore"):
        inf = np.array([[1.0, 2.0], [np.inf, 3.0], [2.0, 5.0]])
        assert _same(column_std(inf), pd.DataFrame(inf).std(ddof=1).to_numpy())


def test_a_book_priced_from_a_wider_solve_is_the_same_book() -> None:
    from datetime import date

    from domain.types import AssetKind, Right
    from risk.book import Leg, build_book, option_quotes, solve_ivs
    from tests.factories import portfolio, quote
    from tests.risk.conftest import market

    mkt = market(rate=0.02, dividend_yield={"XYZ": 0.01}, forecast_vol={"XYZ": 0.25})
    quotes = [quote(Right.PUT, 100.0, bid=2.0, ask=2.1, underlying_price=102.0),
              quote(Right.CALL, 110.0, bid=0.8, ask=0.9, underlying_price=102.0),
              quote(Right.PUT, 90.0, bid=0.3, ask=0.35, underlying_price=102.0, expiry=date(2016, 3, 18)),
              quote(Right.PUT, 100.0, bid=9.0, ask=8.0, underlying_price=102.0, expiry=date(2016, 2, 19))]
    by_symbol = {q.symbol: q for q in quotes}
    legs = [Leg(q.symbol, q.underlying, -1.0, AssetKind.OPTION, 100.0, q.right, q.strike, q.expiry)
            for q in quotes[1:]] + [Leg("XYZ", "XYZ", 100.0, AssetKind.STOCK)]
    book = build_book(legs, portfolio(prices={"XYZ": 102.0}), by_symbol, mkt)
    wider = solve_ivs(quotes[:1] + option_quotes(legs, by_symbol), mkt)  # another contract solved in the call
    assert set(wider) == {q.symbol for q in quotes[:3]}  # the crossed quote has no IV
    again = build_book(legs, portfolio(prices={"XYZ": 102.0}), by_symbol, mkt, solved=wider)
    for name, value in vars(book).items():
        other = getattr(again, name)
        assert _same(value, other) if isinstance(value, np.ndarray) else value == other, name


def test_remembered_iv_solves_are_keyed_by_every_input() -> None:
    from dataclasses import replace
    from datetime import timedelta

    import risk.book
    from domain.types import MarketContext, OptionQuote, Right, Style
    from risk.book import SolvedIV, solve_ivs
    from tests.factories import quote
    from tests.risk.conftest import market

    base = quote(Right.PUT, 100.0, bid=2.0, ask=2.1, underlying_price=102.0)
    mkt = market(rate=0.02, dividend_yield={"XYZ": 0.01})
    variants = [(base, mkt), (replace(base, bid=1.9), mkt), (replace(base, ask=2.2), mkt),
                (replace(base, underlying_price=101.0), mkt), (replace(base, strike=101.0), mkt),
                (replace(base, expiry=base.expiry + timedelta(days=7)), mkt),
                (base, replace(mkt, as_of=mkt.as_of + timedelta(days=1))), (base, replace(mkt, rate=0.03)),
                (base, replace(mkt, dividend_yield={"XYZ": 0.02})), (replace(base, right=Right.CALL), mkt),
                (replace(base, style=Style.EUROPEAN), mkt), (replace(base, bid=9.0, ask=8.0), mkt)]

    def fresh(q: OptionQuote, m: MarketContext) -> dict[str, SolvedIV]:
        risk.book._solves.clear()
        return solve_ivs([q], m)

    alone = [fresh(q, m) for q, m in variants]
    assert len({repr(s) for s in alone}) == len(variants) - 1  # every input moves the solve (crossed: none)
    risk.book._solves.clear()
    for (q, m), want in zip(variants * 2, alone * 2, strict=True):  # the second pass reads remembered solves
        assert solve_ivs([q], m) == want


def test_iv_solves_forget_the_oldest_past_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    import risk.book
    from domain.types import Right
    from risk.book import solve_ivs
    from tests.factories import quote
    from tests.risk.conftest import market

    monkeypatch.setattr(risk.book, "SOLVE_MEMO", 3)
    risk.book._solves.clear()
    quotes = [quote(Right.PUT, float(k), bid=1.0, ask=1.1, underlying_price=102.0) for k in (96, 97, 98, 99, 100)]
    got = solve_ivs(quotes, market())
    assert len(got) == 5 and len(risk.book._solves) == 3
    assert solve_ivs(quotes, market()) == got


def _array_form_prices(book: object, opt: np.ndarray, returns: np.ndarray, vol_rel: np.ndarray, dt: np.ndarray,
                       rate: np.ndarray) -> np.ndarray:
    """Scenario prices the plain way: every shocked input an array (legs x scenarios), then ``bsm_price``."""
    from pricing.bsm import bsm_price
    from risk.scenarios import VOL_FLOOR

    def col(a: np.ndarray) -> np.ndarray:
        return a[opt, None]

    und = book.und[opt]  # type: ignore[attr-defined]
    vol = col(book.vol)  # type: ignore[attr-defined]
    spot = col(book.spot) * (1.0 + returns.T[und])  # type: ignore[attr-defined]
    iv = np.where(vol > 0, np.maximum(vol * (1.0 + vol_rel.T[und]), VOL_FLOOR), 0.0)
    t1 = np.maximum(col(book.t) - dt, 0.0)  # type: ignore[attr-defined]
    price = bsm_price(spot, col(book.strike), t1, rate, col(book.div), iv, book.is_call[opt, None])  # type: ignore[attr-defined]
    return np.nan_to_num(np.ascontiguousarray(price.T))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_compiled_scenario_prices_are_the_array_form(dtype: type) -> None:
    from dataclasses import replace

    from risk.scenarios import _option_prices

    book = _book()
    book = replace(book, vol=np.where(np.arange(len(book)) == 1, np.nan, book.vol))  # a leg with a NaN vol
    rng = np.random.default_rng(23)
    n = 3000
    returns = rng.normal(0, 0.3, (n, 2))
    returns[rng.integers(0, n, 40), rng.integers(0, 2, 40)] = -1.5  # a negative spot: no price (0)
    returns[rng.integers(0, n, 20), 0] = np.nan
    returns[rng.integers(0, n, 5), 1] = np.inf
    vol_rel = rng.normal(0, 2.0, (n, 2))  # often below the floor
    vol_rel[rng.integers(0, n, 20), 1] = np.nan
    returns, vol_rel = returns.astype(dtype), vol_rel.astype(dtype)
    dt = rng.choice([0.0, 1 / 365, 10 / 365, -0.0], n)  # 10 days: past a leg's expiry
    rate = rng.choice([0.015, -0.01, 0.08], n)
    opt = np.flatnonzero(book.is_option & (book.quantity != 0))
    want = _array_form_prices(book, opt, returns, vol_rel, dt, rate)
    assert np.isnan(want).sum() == 0 and (want == 0).any()
    got = _option_prices(book, opt, [(returns[:1000], vol_rel[:1000]), (returns[1000:], vol_rel[1000:])], dt, rate)
    assert _same(got, want)
    assert _same(_option_prices(book, opt, [(returns, vol_rel)], dt, rate), want)
