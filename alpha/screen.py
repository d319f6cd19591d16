"""The screening stage: every contract of a chain judged by every screen, the passing ones scored and ranked.

``screen(snapshot, portfolio, market, config)`` is pure: no clock (``as_of`` is ``market.as_of``), no IO, no
LEAN. The result's ``table`` has one row per contract with the chain columns, the derived values, one
column per screen (:data:`alpha.rules.RULE_NAMES`: ``pass`` / ``fail`` / ``n/a``), ``passed``, ``score``,
the score components and ``reasons``; ``candidates`` are the passing contracts, best score first (ties by
symbol), each with its verdicts.

``reasons`` lists, ``"; "``-joined, each failed screen as ``rule: why``, then warnings (``warn ...``) and
screens that could not be evaluated (``rule n/a: why``).
"""

from __future__ import annotations

import math
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

import numpy as np
import pandas as pd

from alpha.context import ChainContext, chain_context, context_columns
from alpha.rules import FAIL, NA, PASS, RULE_NAMES, RULES, DeferredReasons, without_reasons
from alpha.score import score_arrays
from alpha.validate import CHAIN_COLUMNS, chain_arrays, chain_columns, prepare_columns
from domain.config import StrategyConfig
from domain.config.screen import ScreenConfig
from domain.types import (
    Candidate,
    ChainSnapshot,
    Greeks,
    MarketContext,
    OptionQuote,
    PortfolioState,
    Right,
    Strategy,
    Style,
    Verdict,
)

TABLE_HEAD: tuple[str, ...] = (
    "symbol", "underlying", "right", "strike", "expiry", "style", "bid", "ask", "mid", "underlying_price",
    "volume", "open_interest", "quote_time", "multiplier", "tick_size", "as_of", "strategy", "passed", "score",
)
TABLE_VALUES: tuple[str, ...] = (
    "dte", "spread_pct", "premium_yield", "iv", "delta", "gamma", "vega", "theta", "prob_otm", "atm_iv",
    "iv_percentile", "iv_rank", "vrp", "regime", "regime_level", "uncovered_shares", "cost_basis",
    "max_loss_pct", "free_cash", "sector", "sector_exposure", "credit_rating", "next_earnings", "pcr",
    "sector_pcr_avg", "contracts",
)


@dataclass(frozen=True)
class ScreenResult:
    """Every contract with its verdicts (``table``) and the ranked candidates.

    ``atm_iv`` is each underlying's current 30-day at-the-money IV, for the host to append to its IV history.
    """

    candidates: tuple[Candidate, ...]
    as_of: datetime
    atm_iv: dict[str, float] = field(default_factory=dict)
    parts: _TableParts | None = field(default=None, repr=False, compare=False)

    @cached_property
    def table(self) -> pd.DataFrame:
        """Built on first access: a host that only trades on the candidates never pays for it."""
        return pd.DataFrame() if self.parts is None else self.parts.frame()


@dataclass(frozen=True)
class _TableParts:
    """What the table is made of: the columns (chain, derived, score components) in order, and what the
    screens read, to judge again with the reasons of failures (the screen itself leaves those out)."""

    head: dict[str, np.ndarray]
    tail: dict[str, np.ndarray]
    frame_: dict[str, np.ndarray]
    config: ScreenConfig
    today: pd.Timestamp
    warnings: _Warnings

    def frame(self) -> pd.DataFrame:
        status, why = _judge(self.frame_, self.config, self.today)
        reasons = np.array(_reasons(status, why, self.warnings, len(self.head["symbol"])), dtype=object)
        return pd.DataFrame({**self.head, **status, "reasons": reasons, **self.tail})


Reasons = dict[str, "np.ndarray | DeferredReasons"]


def _judge(f: dict[str, np.ndarray], cfg: ScreenConfig, today: pd.Timestamp,
           ) -> tuple[dict[str, np.ndarray], Reasons]:
    """Each screen's status and reason per contract; ``quote_ok`` first, and n/a for rows with a bad quote."""
    valid = f["valid"]
    status: dict[str, np.ndarray] = {"quote_ok": np.where(valid, PASS, FAIL).astype(object)}
    why: Reasons = {"quote_ok": f["quote_reasons"]}
    for rule in RULES:
        st, reason = rule.fn(f, cfg, today)
        status[rule.name] = np.where(valid, st, NA).astype(object, copy=False)
        why[rule.name] = (reason.where(valid) if isinstance(reason, DeferredReasons)
                          else np.where(valid, reason, "").astype(object, copy=False))
    return status, why


def screen(snapshot: ChainSnapshot, portfolio: PortfolioState, market: MarketContext,
           config: StrategyConfig) -> ScreenResult:
    """Screen one chain snapshot at ``market.as_of``."""
    return screen_many((snapshot,), portfolio, market, config)


@dataclass(frozen=True, eq=False)
class Prepared:
    """What screening a chain needs that depends on its quotes alone (the entry of :func:`screen_many`'s memo):
    the chain's columns, their quote checks and analytics (:func:`alpha.validate.prepare_columns`), the
    chain's part of the context (:func:`alpha.context.chain_context`), and the domain quote of each row
    that became a candidate, made once."""

    chain: dict[str, np.ndarray]
    columns: dict[str, np.ndarray]
    context: ChainContext
    quotes: dict[int, OptionQuote] = field(default_factory=dict)

    def freeze(self) -> None:
        """Make the arrays read-only (an entry is shared by every later screen of the same quotes)."""
        for arrays in (self.chain, self.columns):
            for a in arrays.values():
                a.flags.writeable = False
        self.context.freeze()


def screen_many(snapshots: Sequence[ChainSnapshot], portfolio: PortfolioState, market: MarketContext,
                config: StrategyConfig, memo: MutableMapping[tuple[object, ...], Prepared] | None = None,
                ) -> ScreenResult:
    """Screen several chains (one per underlying) together and rank all candidates in one list.

    ``memo`` (optional) keeps each chain's :class:`Prepared` entry (columns, quote checks, implied vols and
    Greeks, ATM IV) between calls, keyed by the snapshots' (underlying, as_of), the rate, the dividend yields
    and ``max_quote_age_minutes``: these depend on nothing else. The caller promises that an
    (underlying, as_of) pair always names the same quotes, as a data source replayed again does; the stored
    arrays are read-only.
    """
    key: tuple[object, ...] | None = None
    if memo is not None:
        key = (tuple((s.underlying, s.as_of) for s in snapshots), market.as_of, market.rate,
               tuple(sorted(market.dividend_yield.items())), config.general.dividend_yield,
               config.screen.max_quote_age_minutes)
        hit = memo.get(key)
        if hit is not None:
            return _screen(hit.chain, portfolio, market, config, hit)
    chain = chain_columns([q for s in snapshots for q in s.quotes], market.as_of.tzinfo)
    prepared = _prepare(chain, market, config)
    if key is not None and memo is not None:
        prepared.freeze()
        memo[key] = prepared
    return _screen(chain, portfolio, market, config, prepared)


def _prepare(chain: dict[str, np.ndarray], market: MarketContext, config: StrategyConfig) -> Prepared:
    under = chain["underlying"]
    names = sorted({str(u) for u, m in zip(under, pd.isna(under), strict=True) if not m})
    div = {u: market.dividend_yield.get(u, config.general.dividend_yield) for u in names}
    columns = prepare_columns(chain, market.as_of, market.rate, div, config.screen)
    return Prepared(chain, columns, chain_context({**chain, **columns}))


def screen_frame(chain: pd.DataFrame, portfolio: PortfolioState, market: MarketContext,
                 config: StrategyConfig) -> ScreenResult:
    """Screen a chain frame (:data:`alpha.validate.CHAIN_COLUMNS`), which may hold several underlyings."""
    chain = chain.reset_index(drop=True)
    typed = chain_arrays(chain)
    return _screen({c: chain[c].to_numpy() for c in CHAIN_COLUMNS}, portfolio, market, config,
                   _prepare(typed, market, config))


def _screen(raw: dict[str, np.ndarray], portfolio: PortfolioState, market: MarketContext, config: StrategyConfig,
            prepared: Prepared) -> ScreenResult:
    """The screen of a :class:`Prepared` chain; ``raw``: the chain's columns as given, for the table (the
    prepared chain's are typed for computing: :func:`alpha.validate.chain_arrays`). Works on one dict of
    columns; the table is built once."""
    cfg = config.screen
    as_of = market.as_of
    f: dict[str, np.ndarray] = dict(prepared.chain)
    f.update(prepared.columns)
    added, atm = context_columns(f, portfolio, market, config, prepared.context)
    f.update(added)
    n = len(f["symbol"])
    valid = f["valid"]
    today = pd.Timestamp(as_of.date())

    with without_reasons():  # candidates pass every screen: the table judges again, with reasons
        status, why = _judge(f, cfg, today)
    failed = np.zeros(n, dtype=bool)
    for name in RULE_NAMES:
        failed |= status[name] == FAIL
    f["passed"] = valid & ~failed
    f["score"], comp = score_arrays(f, cfg)
    comp = {c: np.where(valid, v, np.nan) for c, v in comp.items()}
    f["contracts"] = _contracts(f, portfolio, cfg.screen_sector_max)
    f["as_of"] = np.full(n, pd.Timestamp(as_of.replace(tzinfo=None)).to_datetime64())
    warnings = _warnings(f, cfg.warn_spread_pct)
    parts = _TableParts({c: raw.get(c, f[c]) for c in TABLE_HEAD}, {**{c: f[c] for c in TABLE_VALUES}, **comp},
                        f, cfg, today, warnings)
    cands = _candidates(f, status, why, warnings, as_of, prepared.quotes)
    return ScreenResult(candidates=cands, as_of=as_of, atm_iv=atm, parts=parts)


def _contracts(f: dict[str, np.ndarray], portfolio: PortfolioState, sector_max: float) -> np.ndarray:
    """Most contracts every size-dependent screen allows (covered lots; cash and sector room for puts)."""
    mult = f["multiplier"]
    notional = f["strike"] * mult
    with np.errstate(invalid="ignore", divide="ignore"):
        lots = np.floor(f["uncovered_shares"] / mult + 1e-9)
        cash = np.floor(f["free_cash"].astype(np.float64) / notional + 1e-9)
        room = np.floor((sector_max * portfolio.total_value - f["sector_exposure_usd"]) / notional + 1e-9)
    n = np.where(f["strategy"] == "cc", lots, np.minimum(cash, room))
    n = np.where(f["passed"], np.nan_to_num(n, nan=0.0), 0.0)
    return np.maximum(n, 0.0).astype(np.int64)


@dataclass(frozen=True)
class _Warnings:
    """Each row's warnings (a valid row's spread above ``warn_spread_pct``), written when read."""

    spread_pct: np.ndarray
    flagged: np.ndarray
    warn: float

    def of(self, i: int) -> tuple[str, ...]:
        return (f"warn spread {self.spread_pct[i]:.2%} of mid > {self.warn:.2%}",) if self.flagged[i] else ()


def _warnings(f: dict[str, np.ndarray], warn: float) -> _Warnings:
    sp = f["spread_pct"]
    with np.errstate(invalid="ignore"):
        return _Warnings(sp, f["valid"] & (sp > warn), warn)


def _reasons(status: dict[str, np.ndarray], why: dict[str, np.ndarray], warns: _Warnings,
             n: int) -> list[str]:
    fails: list[list[str]] = [[] for _ in range(n)]
    notes: list[list[str]] = [[] for _ in range(n)]
    for name in RULE_NAMES:
        st = status[name]
        for i in np.flatnonzero(st == FAIL):
            fails[i].append(f"{name}: {why[name][i]}")
        for i in np.flatnonzero((st == NA) & (why[name] != "")):
            notes[i].append(f"{name} n/a: {why[name][i]}")
    return ["; ".join(fails[i] + list(warns.of(i)) + notes[i]) for i in range(n)]


_QUOTE_FLOATS = ("delta", "gamma", "vega", "theta", "rho", "strike", "bid", "ask", "underlying_price", "multiplier",
                 "tick_size", "volume", "open_interest", "last", "iv")


def _quotes(f: dict[str, np.ndarray], rows: list[int], made: dict[int, OptionQuote]) -> list[OptionQuote]:
    """The domain quotes of the given rows (with their analytics); ``made`` holds those made already, by row,
    and receives the new ones."""
    new = [i for i in rows if i not in made]
    if new:
        made.update(zip(new, _make_quotes(f, new), strict=True))
    return [made[i] for i in rows]


def _make_quotes(f: dict[str, np.ndarray], rows: list[int]) -> list[OptionQuote]:
    x = {k: np.asarray(f[k], dtype=np.float64)[rows].tolist() for k in _QUOTE_FLOATS}
    out: list[OptionQuote] = []
    for j, i in enumerate(rows):
        greeks = Greeks(delta=x["delta"][j], gamma=x["gamma"][j], vega=x["vega"][j], theta=x["theta"][j],
                        rho=x["rho"][j])
        last = x["last"][j]
        out.append(OptionQuote(
            symbol=str(f["symbol"][i]), underlying=str(f["underlying"][i]), right=Right(f["right"][i]),
            strike=x["strike"][j], expiry=pd.Timestamp(f["expiry"][i]).date(), bid=x["bid"][j], ask=x["ask"][j],
            underlying_price=x["underlying_price"][j], quote_time=pd.Timestamp(f["quote_time"][i]).to_pydatetime(),
            style=Style(f["style"][i]), multiplier=int(x["multiplier"][j]), tick_size=x["tick_size"][j],
            volume=x["volume"][j], open_interest=x["open_interest"][j], last=last if pd.notna(last) else None,
            iv=x["iv"][j], greeks=greeks,
        ))
    return out


def _candidates(f: dict[str, np.ndarray], status: dict[str, np.ndarray], why: Reasons, warnings: _Warnings,
                as_of: datetime, quotes_made: dict[int, OptionQuote]) -> tuple[Candidate, ...]:
    score, symbol = f["score"], f["symbol"]
    # best score first, ties by symbol; Python's sort is stable, as the mergesort it stands for
    order = sorted(np.flatnonzero(f["passed"]).tolist(), key=lambda i: (-score[i], symbol[i]))
    if not order:
        return ()
    applies = {code: [r.name for r in RULES if r.applies in ("both", code)] for code in ("cc", "csp")}
    st = {name: status[name][order].tolist() for name in RULE_NAMES}
    col = {k: f[k][order].tolist() for k in ("strategy", "score", "premium_yield", "sector", "contracts")}
    ivp, ivr = (np.asarray(f[k], dtype=np.float64)[order].tolist() for k in ("iv_percentile", "iv_rank"))
    # Candidates with the same verdicts share them (and their notes): verdicts are immutable
    made: dict[tuple[str, tuple[str, ...], tuple[str, ...]], tuple[tuple[Verdict, ...], tuple[str, ...]]] = {}
    quotes = _quotes(f, order, quotes_made)
    out: list[Candidate] = []
    for j, i in enumerate(order):
        code = col["strategy"][j]
        names = applies[code]
        statuses = tuple(st[name][j] for name in names)
        # a pass has no reason (and a candidate fails no screen): only the n/a ones are read
        reasons = tuple("" if s == PASS else why[name][i] for name, s in zip(names, statuses, strict=True))
        key = (code, statuses, reasons)
        shared = made.get(key)
        if shared is None:
            shared = made[key] = (
                (Verdict("quote_ok", PASS),) + tuple(Verdict(n, s, r) for n, s, r in zip(names, statuses, reasons,
                                                                                            strict=True)),
                tuple(f"{n} n/a: {r}" for n, s, r in zip(names, statuses, reasons, strict=True) if s == NA and r))
        verdicts, notes = shared
        sector = str(col["sector"][j])
        out.append(Candidate(
            quote=quotes[j], strategy=Strategy.COVERED_CALL if code == "cc" else Strategy.CASH_SECURED_PUT,
            score=float(col["score"][j]), as_of=as_of, verdicts=verdicts,
            premium_yield=float(col["premium_yield"][j]), iv_percentile=ivp[j] if math.isfinite(ivp[j]) else None,
            iv_rank=ivr[j] if math.isfinite(ivr[j]) else None,
            sector=None if sector.startswith("unknown:") else sector, contracts=int(col["contracts"][j]),
            notes=warnings.of(i) + notes,
        ))
    return tuple(out)
