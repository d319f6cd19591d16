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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from alpha.context import add_context
from alpha.rules import FAIL, NA, PASS, RULE_NAMES, RULES
from alpha.score import score
from alpha.validate import chain_frame, prepare
from domain.config import StrategyConfig
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

    table: pd.DataFrame
    candidates: tuple[Candidate, ...]
    as_of: datetime
    atm_iv: dict[str, float] = field(default_factory=dict)


def screen(snapshot: ChainSnapshot, portfolio: PortfolioState, market: MarketContext,
           config: StrategyConfig) -> ScreenResult:
    """Screen one chain snapshot at ``market.as_of``."""
    return screen_many((snapshot,), portfolio, market, config)


def screen_many(snapshots: Sequence[ChainSnapshot], portfolio: PortfolioState, market: MarketContext,
                config: StrategyConfig) -> ScreenResult:
    """Screen several chains (one per underlying) together and rank all candidates in one list."""
    quotes = [q for s in snapshots for q in s.quotes]
    return screen_frame(chain_frame(quotes, market.as_of.tzinfo), portfolio, market, config)


def screen_frame(chain: pd.DataFrame, portfolio: PortfolioState, market: MarketContext,
                 config: StrategyConfig) -> ScreenResult:
    """Screen a chain frame (:data:`alpha.validate.CHAIN_COLUMNS`), which may hold several underlyings."""
    cfg = config.screen
    as_of = market.as_of
    names = sorted(set(chain["underlying"].dropna().astype(str)))
    div = {u: market.dividend_yield.get(u, config.general.dividend_yield) for u in names}
    f = prepare(chain, as_of, market.rate, div, cfg)
    f, atm = add_context(f, portfolio, market, config)
    valid = f["valid"].to_numpy(dtype=bool)
    today = pd.Timestamp(as_of.date())

    clash = set(RULE_NAMES) & set(f.columns)
    if clash:  # a screen column would overwrite an input column
        raise RuntimeError(f"screen names clash with frame columns: {sorted(clash)}")
    f["quote_ok"] = np.where(valid, PASS, FAIL)
    why: dict[str, np.ndarray] = {"quote_ok": f["quote_reasons"].to_numpy(dtype=object)}
    for rule in RULES:
        status, reason = rule.fn(f, cfg, today)
        status = np.where(valid, status, NA)
        reason = np.where(valid, reason, "")
        f[rule.name] = status
        why[rule.name] = reason
    rule_cols = f[list(RULE_NAMES)].to_numpy(dtype=object)
    f["passed"] = valid & ~(rule_cols == FAIL).any(axis=1)
    f["score"], comp = score(f, cfg)
    for c in comp.columns:
        f[c] = comp[c].where(valid)
    f["contracts"] = _contracts(f, portfolio, cfg.screen_sector_max)
    f["as_of"] = pd.Timestamp(as_of.replace(tzinfo=None))
    f["reasons"] = _reasons(f, why, cfg.warn_spread_pct)
    f["warnings"] = _warnings(f, cfg.warn_spread_pct)

    table = f[list(TABLE_HEAD) + list(RULE_NAMES) + ["reasons"] + list(TABLE_VALUES) + list(comp.columns)]
    cands = _candidates(f, why, as_of)
    return ScreenResult(table=table.reset_index(drop=True), candidates=cands, as_of=as_of, atm_iv=atm)


def _contracts(f: pd.DataFrame, portfolio: PortfolioState, sector_max: float) -> np.ndarray:
    """Most contracts every size-dependent screen allows (covered lots; cash and sector room for puts)."""
    mult = f["multiplier"].to_numpy(np.float64)
    notional = f["strike"].to_numpy(np.float64) * mult
    with np.errstate(invalid="ignore", divide="ignore"):
        lots = np.floor(f["uncovered_shares"].to_numpy(np.float64) / mult + 1e-9)
        cash = np.floor(f["free_cash"].to_numpy(np.float64) / notional + 1e-9)
        room = np.floor((sector_max * portfolio.total_value - f["sector_exposure_usd"].to_numpy(np.float64))
                        / notional + 1e-9)
    n = np.where(f["strategy"] == "cc", lots, np.minimum(cash, room))
    n = np.where(f["passed"].to_numpy(dtype=bool), np.nan_to_num(n, nan=0.0), 0.0)
    return np.maximum(n, 0.0).astype(np.int64)


def _warnings(f: pd.DataFrame, warn: float) -> list[tuple[str, ...]]:
    sp = f["spread_pct"].to_numpy(np.float64)
    valid = f["valid"].to_numpy(dtype=bool)
    return [(f"warn spread {s:.2%} of mid > {warn:.2%}",) if v and s > warn else () for s, v in zip(sp, valid,
                                                                                                   strict=True)]


def _reasons(f: pd.DataFrame, why: dict[str, np.ndarray], warn: float) -> list[str]:
    n = len(f)
    fails: list[list[str]] = [[] for _ in range(n)]
    notes: list[list[str]] = [[] for _ in range(n)]
    for name in RULE_NAMES:
        st = f[name].to_numpy(dtype=object)
        for i in np.flatnonzero(st == FAIL):
            fails[i].append(f"{name}: {why[name][i]}")
        for i in np.flatnonzero((st == NA) & (why[name] != "")):
            notes[i].append(f"{name} n/a: {why[name][i]}")
    warns = _warnings(f, warn)
    return ["; ".join(fails[i] + list(warns[i]) + notes[i]) for i in range(n)]


def _quote(row: pd.Series) -> OptionQuote:
    greeks = Greeks(delta=float(row["delta"]), gamma=float(row["gamma"]), vega=float(row["vega"]),
                    theta=float(row["theta"]), rho=float(row["rho"]))
    last = float(row["last"]) if pd.notna(row["last"]) else None
    return OptionQuote(
        symbol=str(row["symbol"]), underlying=str(row["underlying"]), right=Right(row["right"]),
        strike=float(row["strike"]), expiry=row["expiry"].date(), bid=float(row["bid"]), ask=float(row["ask"]),
        underlying_price=float(row["underlying_price"]), quote_time=row["quote_time"].to_pydatetime(),
        style=Style(row["style"]), multiplier=int(row["multiplier"]), tick_size=float(row["tick_size"]),
        volume=float(row["volume"]), open_interest=float(row["open_interest"]), last=last,
        iv=float(row["iv"]), greeks=greeks,
    )


def _opt(x: object) -> float | None:
    return float(x) if isinstance(x, int | float) and math.isfinite(x) else None  # type: ignore[arg-type]


def _candidates(f: pd.DataFrame, why: dict[str, np.ndarray], as_of: datetime) -> tuple[Candidate, ...]:
    passed = f[f["passed"].to_numpy(dtype=bool)]
    order = passed.assign(_neg=-passed["score"]).sort_values(["_neg", "symbol"], kind="mergesort").index
    out: list[Candidate] = []
    for i in order:
        row = f.loc[i]
        strategy = Strategy.COVERED_CALL if row["strategy"] == "cc" else Strategy.CASH_SECURED_PUT
        verdicts = tuple(
            Verdict(rule=r.name, status=str(row[r.name]), reason=str(why[r.name][i]))
            for r in RULES if r.applies in ("both", row["strategy"])
        )
        notes = tuple(row["warnings"]) + tuple(f"{v.rule} n/a: {v.reason}" for v in verdicts
                                                if v.status == NA and v.reason)
        sector = str(row["sector"])
        out.append(Candidate(
            quote=_quote(row), strategy=strategy, score=float(row["score"]), as_of=as_of,
            verdicts=(Verdict("quote_ok", PASS),) + verdicts, premium_yield=float(row["premium_yield"]),
            iv_percentile=_opt(row["iv_percentile"]), iv_rank=_opt(row["iv_rank"]),
            sector=None if sector.startswith("unknown:") else sector, contracts=int(row["contracts"]),
            notes=notes,
        ))
    return tuple(out)
