"""A book of positions as numpy arrays: the one input of exposures, VaR, stress and the gate's arithmetic.

Every row is one *leg*: a held position or a wanted trade, in its own units (contracts for options, shares for
stock). Per-unit Greeks are the project's pricing (:func:`pricing.greeks.option_greeks`) at each contract's
implied volatility; the volatility comes from, in order:

1. the quote's ``iv`` (already solved by :func:`pricing.chain.analyse_quotes`);
2. :func:`pricing.chain.analyse_arrays` on the quote's mid, when the quote carries no IV (its value and
   Greeks at that IV are kept, so the contract is not priced a second time);
3. ``known_iv[symbol]``: the contract's IV from an earlier step (the gate remembers it), so a step whose
   slice lacks a held contract's quote does not re-price that position from scratch;
4. ``market.forecast_vol`` then ``market.realised_vol`` of the underlying (a position whose quote is
   missing or unsolvable still counts toward risk, priced at the underlying's own volatility);
5. nothing: the leg is priced at zero volatility (its intrinsic forward value and a step delta) and named
   in :attr:`Book.unpriced`, so reports say plainly what was not priced from a market quote.

Underlying prices come from the quote (``underlying_price``), else ``portfolio.prices[underlying]``, else any
other quote on the same underlying; stock legs use ``portfolio.prices[symbol]`` first. The multiplier is the
quote's (or the position's), never a literal.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from numpy.typing import NDArray

from domain.types import AssetKind, MarketContext, OptionQuote, PortfolioState, Position, Right, Style

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Leg:
    """One row of a book. ``quantity`` is contracts (options) or shares (stock), negative = short."""

    symbol: str
    underlying: str
    quantity: float
    kind: AssetKind
    multiplier: float = 1.0
    right: Right | None = None
    strike: float | None = None
    expiry: date | None = None
    style: Style = Style.AMERICAN
    premium: float = 0.0

    @staticmethod
    def of_position(p: Position) -> Leg:
        return Leg(p.symbol, p.underlying, float(p.quantity), p.kind, float(p.multiplier), p.right, p.strike,
                   p.expiry, p.style, float(p.cost_basis))


@dataclass(frozen=True)
class Book:
    """Array form of legs; every array has one entry per leg, in the order of :attr:`symbols`.

    Per-unit Greeks (one contract or one share): ``delta`` in shares of the underlying per unit
    (delta x multiplier), ``gamma`` in shares per $1 per unit, ``vega`` in $ per vol point per unit, ``theta``
    in $ per calendar day per unit, ``price`` the unit's value in $ (option price x multiplier, or the share
    price). ``und`` indexes :attr:`underlyings`.
    """

    as_of: datetime
    symbols: tuple[str, ...]
    underlyings: tuple[str, ...]
    und: IntArray
    is_option: BoolArray
    is_call: BoolArray
    quantity: FloatArray
    multiplier: FloatArray
    spot: FloatArray
    strike: FloatArray
    t: FloatArray
    vol: FloatArray
    rate: float
    div: FloatArray
    price: FloatArray
    delta: FloatArray
    gamma: FloatArray
    vega: FloatArray
    theta: FloatArray
    premium: FloatArray
    from_quote: BoolArray
    unpriced: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.symbols)

    def with_quantity(self, quantity: FloatArray) -> Book:
        """The same legs with other quantities (used to evaluate trades without re-pricing)."""
        from dataclasses import replace

        return replace(self, quantity=np.asarray(quantity, dtype=np.float64))

    def spot_of(self, underlying: str) -> float:
        i = self.underlyings.index(underlying)
        return float(self.spot[self.und == i][0])


def finite(a: FloatArray) -> FloatArray:
    """``np.nan_to_num(a)``; ``a`` itself when every value is finite already (the usual case, and much cheaper
    for the few legs of a book)."""
    return a if np.isfinite(a).all() else np.nan_to_num(a)


def _spot_for(leg: Leg, quote: OptionQuote | None, portfolio: PortfolioState,
              quotes: Mapping[str, OptionQuote]) -> float | None:
    if leg.kind is AssetKind.STOCK:
        if leg.symbol in portfolio.prices and portfolio.prices[leg.symbol] > 0:
            return float(portfolio.prices[leg.symbol])
    elif quote is not None and quote.underlying_price > 0:
        return float(quote.underlying_price)
    if portfolio.prices.get(leg.underlying, 0.0) > 0:
        return float(portfolio.prices[leg.underlying])
    for q in quotes.values():
        if q.underlying == leg.underlying and q.underlying_price > 0:
            return float(q.underlying_price)
    return None


def _given_iv(quote: OptionQuote) -> float | None:
    return float(quote.iv) if quote.iv is not None and np.isfinite(quote.iv) and quote.iv > 0 else None


@dataclass(frozen=True, slots=True)
class SolvedIV:
    """A quote's IV from its mid, with the model's per-share value and Greeks at that IV (``values``: price,
    delta, gamma, vega, theta) and the inputs they were priced at (``inputs``: spot, strike, t, dividend yield,
    call, American)."""

    iv: float
    inputs: tuple[float, float, float, float, bool, bool]
    values: tuple[float, float, float, float, float]


SOLVE_MEMO = 16_384
"""How many IV solves :func:`solve_ivs` remembers, by their exact inputs (oldest forgotten first): a parameter
search runs the same days again with other settings, and meets the same quotes again."""

_solves: dict[bytes, SolvedIV | None] = {}


def solve_ivs(quotes: Sequence[OptionQuote], market: MarketContext) -> dict[str, SolvedIV]:
    """IV from the mid of each quote that carries none, as :func:`pricing.chain.analyse_quotes` solves it (one
    :func:`pricing.chain.analyse_arrays` call per dividend yield, the arrays built the same way); a quote
    without a positive IV is left out.

    Each contract's solve depends only on its own inputs (bid, ask, underlying price, strike, time to expiry,
    rate, dividend yield, call, American), so a solve remembered under the same inputs, bit for bit, is
    used instead of solving again (:data:`SOLVE_MEMO`)."""
    from pricing.bsm import year_fraction

    rate = float(market.rate)
    by_div: dict[float, list[tuple[OptionQuote, bytes]]] = {}
    found: dict[bytes, SolvedIV | None] = {}
    todo: dict[float, dict[bytes, tuple[OptionQuote, float]]] = {}
    for q in quotes:
        if _given_iv(q) is None:
            div = float(market.dividend_yield.get(q.underlying, 0.0))
            t = year_fraction(market.as_of, q.expiry)
            key = struct.pack("<7d2?", q.bid, q.ask, q.underlying_price, q.strike, t, rate, div,
                              q.right is Right.CALL, q.style is Style.AMERICAN)
            by_div.setdefault(div, []).append((q, key))
            if key in _solves:
                found[key] = _solves[key]
            else:
                todo.setdefault(div, {})[key] = (q, t)
    for div, group in todo.items():
        for key, solved in zip(group, _solve(list(group.values()), rate, div), strict=True):
            found[key] = _solves[key] = solved
            if len(_solves) > SOLVE_MEMO:
                del _solves[next(iter(_solves))]
    out: dict[str, SolvedIV] = {}
    for group_keys in by_div.values():
        for q, key in group_keys:
            out.pop(q.symbol, None)
            if (solved := found[key]) is not None:
                out[q.symbol] = solved
    return out


def _solve(group: Sequence[tuple[OptionQuote, float]], rate: float, div: float) -> list[SolvedIV | None]:
    """:func:`pricing.chain.analyse_arrays` of the quotes (each with its time to expiry) in one call."""
    from pricing.chain import analyse_arrays

    n = len(group)
    bid = np.fromiter((q.bid for q, _ in group), dtype=np.float64, count=n)
    ask = np.fromiter((q.ask for q, _ in group), dtype=np.float64, count=n)
    spot = np.fromiter((q.underlying_price for q, _ in group), dtype=np.float64, count=n)
    strike = np.fromiter((q.strike for q, _ in group), dtype=np.float64, count=n)
    t = np.fromiter((t for _, t in group), dtype=np.float64, count=n)
    is_call = np.fromiter((q.right is Right.CALL for q, _ in group), dtype=bool, count=n)
    american = np.fromiter((q.style is Style.AMERICAN for q, _ in group), dtype=bool, count=n)
    res = analyse_arrays(0.5 * (bid + ask), spot, strike, t, rate, div, is_call, american, bid=bid, ask=ask)
    out: list[SolvedIV | None] = []
    for i in range(n):
        iv = None if res.error[i] else float(res.iv[i])
        out.append(None if iv is None or not iv > 0 else SolvedIV(
            iv, (float(spot[i]), float(strike[i]), float(t[i]), div, bool(is_call[i]), bool(american[i])),
            (float(res.price[i]), float(res.delta[i]), float(res.gamma[i]), float(res.vega[i]), float(res.theta[i]))))
    return out


def option_quotes(legs: Sequence[Leg], quotes: Mapping[str, OptionQuote]) -> list[OptionQuote]:
    """The quotes of the option legs that have one, in leg order."""
    return [q for leg in legs if leg.kind is AssetKind.OPTION and (q := quotes.get(leg.symbol))]


def build_book(legs: Sequence[Leg], portfolio: PortfolioState, quotes: Mapping[str, OptionQuote],
               market: MarketContext, known_iv: Mapping[str, float] | None = None,
               solved: Mapping[str, SolvedIV] | None = None) -> Book:
    """Price every leg at ``market.as_of`` (see the module docstring for where each input comes from).

    ``solved``: :func:`solve_ivs` at ``market`` of quotes that include every option leg's quote in ``quotes``,
    when the caller has it already (the gate solves a step's held and wanted contracts in one call); by
    default the legs' quotes are solved here."""
    from pricing.bsm import year_fraction

    as_of = market.as_of
    n = len(legs)
    underlyings = tuple(dict.fromkeys(leg.underlying for leg in legs))
    quantity, multiplier, spots, strike, t, vols, divs, premium = ([0.0] * n for _ in range(8))
    is_option, is_call, american, from_quote = ([False] * n for _ in range(4))
    unpriced: list[str] = []
    if solved is None:
        solved = solve_ivs(option_quotes(legs, quotes), market)
    priced: dict[int, tuple[float, float, float, float, float]] = {}  # leg -> values of its IV solve
    for i, leg in enumerate(legs):
        quote = quotes.get(leg.symbol)
        div = float(market.dividend_yield.get(leg.underlying, 0.0))
        spot = _spot_for(leg, quote, portfolio, quotes)
        if spot is None:
            unpriced.append(f"{leg.symbol}: no underlying price")
            spot = float(leg.strike or leg.premium or 0.0)
        quantity[i], spots[i], divs[i], premium[i] = leg.quantity, spot, div, leg.premium
        if leg.kind is not AssetKind.OPTION:
            multiplier[i] = 1.0
            continue
        is_option[i] = True
        is_call[i] = leg.right is Right.CALL
        american[i] = leg.style is Style.AMERICAN
        multiplier[i] = float(quote.multiplier if quote is not None else leg.multiplier)
        strike[i] = float(leg.strike or 0.0)
        t[i] = year_fraction(as_of, leg.expiry) if leg.expiry is not None else 0.0
        given = _given_iv(quote) if quote is not None else None
        sol = solved.get(quote.symbol) if quote is not None and given is None else None
        vol = given or (sol.iv if sol is not None else None)
        from_quote[i] = vol is not None
        if sol is not None and sol.inputs == (spot, strike[i], t[i], div, is_call[i], american[i]):
            priced[i] = sol.values  # the solve priced this very contract at this IV already
        if vol is None:
            vol = ((known_iv or {}).get(leg.symbol) or market.forecast_vol.get(leg.underlying)
                   or market.realised_vol.get(leg.underlying))
            why = "no quote" if quote is None else "quote IV unsolvable"
            if vol is None:
                unpriced.append(f"{leg.symbol}: {why} and no volatility for {leg.underlying}")
                vol = 0.0
        vols[i] = vol
    cols = dict(zip(("quantity", "multiplier", "spot", "strike", "t", "vol", "div", "premium"),
                    np.array([quantity, multiplier, spots, strike, t, vols, divs, premium], dtype=np.float64),
                    strict=True))
    opt, call, amer, quoted = np.array([is_option, is_call, american, from_quote], dtype=bool)
    m = cols["multiplier"]
    # price, delta, gamma, vega, theta: the option's per share x multiplier (NaN as 0), else the share's own
    greeks = np.where(opt, finite(_greeks(cols, market.rate, opt, call, amer, priced)) * m,
                      np.array([cols["spot"], np.ones(n), np.zeros(n), np.zeros(n), np.zeros(n)]))
    return Book(
        as_of=as_of,
        symbols=tuple(leg.symbol for leg in legs),
        underlyings=underlyings,
        und=np.array([underlyings.index(leg.underlying) for leg in legs], dtype=np.int64),
        is_option=opt,
        is_call=call,
        quantity=cols["quantity"],
        multiplier=m,
        spot=cols["spot"],
        strike=cols["strike"],
        t=cols["t"],
        vol=cols["vol"],
        rate=float(market.rate),
        div=cols["div"],
        price=greeks[0],
        delta=greeks[1],
        gamma=greeks[2],
        vega=greeks[3],
        theta=greeks[4],
        premium=cols["premium"],
        from_quote=quoted,
        unpriced=tuple(unpriced),
    )


def _greeks(cols: dict[str, FloatArray], rate: float, is_option: BoolArray, is_call: BoolArray,
            american: BoolArray, priced: Mapping[int, tuple[float, float, float, float, float]]) -> FloatArray:
    """Per-share price, delta, gamma, vega, theta (rows) of every option leg: :func:`pricing.greeks.option_greeks`,
    except the legs in ``priced`` (values the IV solve computed at the same inputs); zeros for stock legs
    (the book takes their price and Greeks from the share itself)."""
    from pricing.greeks import option_greeks

    n = len(is_call)
    rest = np.array([i for i in range(n) if is_option[i] and i not in priced], dtype=np.int64)
    out = np.zeros((5, n))
    if rest.size:
        g = option_greeks(cols["spot"][rest], cols["strike"][rest], cols["t"][rest], rate, cols["div"][rest],
                          cols["vol"][rest], is_call[rest], american[rest])
        out[:, rest] = (g.price, g.delta, g.gamma, g.vega, g.theta)
    for i, values in priced.items():
        out[:, i] = values
    return out


def portfolio_book(portfolio: PortfolioState, quotes: Mapping[str, OptionQuote], market: MarketContext) -> Book:
    """The book of every held position."""
    return build_book([Leg.of_position(p) for p in portfolio.positions], portfolio, quotes, market)
