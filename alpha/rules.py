"""The screens: named, vectorised predicates over a prepared chain frame, each giving pass / fail / n/a.

Every screen reads columns that :mod:`alpha.screen` adds to the frame (derived values and effective limits)
and returns a status array (``pass``, ``fail``, ``n/a``) and a reason array (why it failed, or why it could
not be evaluated; empty when it passed or does not apply). Bounds, inclusive or not, are exactly as the
docstrings say and as ``docs/screening.md`` lists them. ``applies`` says which contracts a screen judges:
``cc`` (calls, covered-call rules), ``csp`` (puts, cash-secured-put rules) or ``both``.

Reference data that is unknown follows ``unknown_reference_policy`` for the earnings and credit-rating
screens: ``exclude`` fails the contract, ``include`` marks the screen ``n/a`` (not evaluated) and lets it
through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from domain.config.screen import RATINGS, ScreenConfig

PASS, FAIL, NA = "pass", "fail", "n/a"
EPS = 1e-12
"""Values within EPS of a bound count as on it (so 0.35 x 0.8 still equals 0.28 for an inclusive bound)."""

Outcome = tuple[np.ndarray, "np.ndarray | DeferredReasons"]
"""(status, reason) per row: reasons are an array, or :class:`DeferredReasons` under :func:`without_reasons`."""
Frame: TypeAlias = Mapping[str, Any]
"""What a screen reads: a prepared frame, or its columns as arrays (one entry per row in each)."""


@dataclass(frozen=True)
class Rule:
    """One named screen: ``fn(frame, config, today)`` returns (status, reason) arrays."""

    name: str
    applies: str
    description: str
    fn: Callable[[Frame, ScreenConfig, pd.Timestamp], Outcome]


_WRITE_REASONS: ContextVar[bool] = ContextVar("write_reasons", default=True)


@contextmanager
def without_reasons() -> Iterator[None]:
    """Within the block the screens judge as usual but write reasons only when read: a failure's reason is
    left out, and the note of an unknown input comes as :class:`DeferredReasons`, written for the rows read.
    For a caller that keeps only the contracts passing every screen (writing reasons is most of a screen's
    cost)."""
    token = _WRITE_REASONS.set(False)
    try:
        yield
    finally:
        _WRITE_REASONS.reset(token)


class DeferredReasons:
    """A screen's reasons judged :func:`without_reasons`: ``""`` for every row except those whose input was
    unknown, whose note is written when the row is read (``reasons[i]``)."""

    __slots__ = ("_msg", "_unknown")

    def __init__(self, unknown: np.ndarray | None, msg: Callable[[int], str] | None) -> None:
        self._unknown = unknown if msg is not None else None
        self._msg = msg

    def __getitem__(self, i: int) -> str:
        if self._unknown is None or not self._unknown[i]:
            return ""
        assert self._msg is not None
        return self._msg(i)

    def where(self, rows: np.ndarray) -> DeferredReasons:
        """These reasons on ``rows`` (a boolean mask) and ``""`` elsewhere."""
        return DeferredReasons(None if self._unknown is None else self._unknown & rows, self._msg)


def _finish(applies: np.ndarray, ok: np.ndarray, fail_msg: Callable[[int], str], *,
            unknown: np.ndarray | None = None, unknown_status: str = NA,
            unknown_msg: Callable[[int], str] | None = None) -> Outcome:
    """Status and reason arrays: not applicable -> n/a; unknown -> ``unknown_status``; else pass/fail.

    Under :func:`without_reasons` the reasons are :class:`DeferredReasons` instead of an array."""
    status = np.full(len(applies), NA, dtype=object)
    unk = None if unknown is None else np.asarray(unknown, dtype=bool) & applies
    judged = applies if unk is None else applies & ~unk
    status[judged & ok] = PASS
    failed = judged & ~ok
    status[failed] = FAIL
    if unk is not None:
        status[unk] = unknown_status
    if not _WRITE_REASONS.get():
        return status, DeferredReasons(unk, unknown_msg)
    reason = np.full(len(applies), "", dtype=object)
    for i in np.flatnonzero(failed):
        reason[i] = fail_msg(i)
    if unk is not None and unknown_msg is not None:
        for i in np.flatnonzero(unk):
            reason[i] = unknown_msg(i)
    return status, reason


def _applies(f: Frame, who: str) -> np.ndarray:
    strategy = np.asarray(f["strategy"])
    if who == "both":
        return np.ones(len(strategy), dtype=bool)
    return strategy == who


def _policy(config: ScreenConfig) -> tuple[str, str]:
    """(status, suffix) for unknown reference data under the configured policy."""
    if config.unknown_reference_policy == "exclude":
        return FAIL, "excluded: unknown_reference_policy=exclude"
    return NA, "not checked: unknown_reference_policy=include"


def _col(f: Frame, name: str) -> np.ndarray:
    return np.asarray(f[name], dtype=np.float64)


def _dates(f: Frame, name: str) -> np.ndarray:
    return np.asarray(f[name], dtype="datetime64[ns]")


# --- both strategies -------------------------------------------------------------------------------------------

def vol_regime(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """Fails new cash-secured puts when the regime table blocks them (``extreme``); n/a when no reading."""
    applies = _applies(f, "both")
    blocked = (np.asarray(f["strategy"]) == "csp") & ~np.asarray(f["csp_allowed"], dtype=bool)
    lvl = _col(f, "regime_level")
    return _finish(applies, ~blocked,
                   lambda i: f"regime extreme (level {lvl[i]:.1f} > vix_extreme {cfg.vix_extreme:g}): no new puts",
                   unknown=(np.asarray(f["regime"]) == "unknown") & ~blocked,
                   unknown_msg=lambda i: "no VIX or realised-vol reading: normal regime assumed")


def dte_band(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """``dte_lo <= DTE <= dte_hi`` (both inclusive; bounds after baseline and regime)."""
    dte, lo, hi = _col(f, "dte"), _col(f, "dte_lo"), _col(f, "dte_hi")
    ok = (dte >= lo) & (dte <= hi)
    return _finish(_applies(f, "both"), ok, lambda i: f"DTE {dte[i]:.0f} outside {lo[i]:.0f}-{hi[i]:.0f}")


def min_open_interest(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """Open interest strictly above ``min_oi`` (``min_open_interest`` x the regime's scale); unknown fails."""
    oi, lo = _col(f, "open_interest"), _col(f, "min_oi")
    ok = oi > lo
    return _finish(_applies(f, "both"), ok,
                   lambda i: "open interest unknown" if np.isnan(oi[i]) else f"open interest {oi[i]:g} <= {lo[i]:g}")


def max_spread(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """Bid-ask spread over mid at most ``max_spread_pct`` (inclusive); above ``warn_spread_pct`` is a warning."""
    sp = _col(f, "spread_pct")
    ok = sp <= cfg.max_spread_pct + EPS
    return _finish(_applies(f, "both"), ok, lambda i: f"spread {sp[i]:.2%} of mid > {cfg.max_spread_pct:.2%}")


def earnings_blackout(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """No earnings date in ``[as_of, as_of + earnings_blackout_days]`` (both inclusive)."""
    e = _dates(f, "next_earnings")
    start = np.datetime64(today, "ns")
    end = np.datetime64(today + pd.Timedelta(days=cfg.earnings_blackout_days), "ns")
    ok = ~((e >= start) & (e <= end))  # NaT compares False, as in pandas
    st, why = _policy(cfg)
    unknown = ~(e >= start)
    return _finish(_applies(f, "both"), ok,
                   lambda i: f"earnings {pd.Timestamp(e[i]):%Y-%m-%d} within {cfg.earnings_blackout_days} days",
                   unknown=unknown, unknown_status=st, unknown_msg=_earnings_unknown(e, why))


def _earnings_unknown(e: np.ndarray, why: str) -> Callable[[int], str]:
    """Row ``i``'s reason for an unknown earnings date: written once per distinct date (most chains have one)."""
    said: dict[int, str] = {}
    keys = e.view(np.int64)

    def msg(i: int) -> str:
        text = said.get(keys[i])
        if text is None:
            value = pd.Timestamp(e[i])
            text = said[keys[i]] = ("earnings date unknown" if pd.isna(value)
                                    else f"earnings date {value:%Y-%m-%d} is past (stale reference)") + f" ({why})"
        return text
    return msg


def baseline_iv_rank(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """With ``baseline_rules`` on: IV rank strictly above ``baseline_iv_rank_min``; unknown rank fails.

    With the baseline off the screen is n/a for every contract.
    """
    applies = _applies(f, "both") & cfg.baseline_rules
    rank = _col(f, "iv_rank")
    ok = rank > cfg.baseline_iv_rank_min + EPS
    return _finish(applies, ok, lambda i: "IV rank unknown (too little IV history)" if np.isnan(rank[i])
                   else f"IV rank {rank[i]:.1f} <= {cfg.baseline_iv_rank_min:g}")


def _delta(f: Frame, who: str) -> Outcome:
    d, lo, hi = _col(f, "delta"), _col(f, "delta_lo"), _col(f, "delta_hi")
    ok = (d >= lo - EPS) & (d <= hi + EPS)
    return _finish(_applies(f, who), ok,
                   lambda i: f"delta {d[i]:.3f} outside {lo[i]:.3f}..{hi[i]:.3f}" if lo[i] <= hi[i]
                   else f"empty delta band {lo[i]:.3f}..{hi[i]:.3f} (regime/baseline)")


def _yield(f: Frame, who: str, minimum: float, basis: str) -> Outcome:
    y = _col(f, "premium_yield")
    return _finish(_applies(f, who), y > minimum + EPS,
                   lambda i: f"annualised yield {y[i]:.2%} (bid / {basis}) <= {minimum:.2%}")


# --- covered calls ---------------------------------------------------------------------------------------------

def cc_shares(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """Uncovered shares (held, minus shares already promised to short calls) >= multiplier x 1 contract."""
    have, mult = _col(f, "uncovered_shares"), _col(f, "multiplier")
    return _finish(_applies(f, "cc"), have >= mult,
                   lambda i: f"{have[i]:g} uncovered shares < {mult[i]:g} per contract")


def cc_cost_basis(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """Strike >= the shares' average cost basis (inclusive); n/a without shares or when the config allows it."""
    k, b = _col(f, "strike"), _col(f, "cost_basis")
    applies = _applies(f, "cc") & (not cfg.cc_allow_below_cost_basis)
    return _finish(applies, k >= b - EPS, lambda i: f"strike {k[i]:g} below cost basis {b[i]:.2f}",
                   unknown=np.isnan(b), unknown_msg=lambda i: "no shares held: cost basis unknown")


def cc_yield(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """Annualised yield bid / underlying x 365 / DTE strictly above ``cc_min_yield``."""
    return _yield(f, "cc", cfg.cc_min_yield, "underlying")


def cc_delta(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """``delta_lo <= delta <= delta_hi`` (inclusive; ``cc_delta_min..cc_delta_max`` after baseline/regime)."""
    return _delta(f, "cc")


def cc_iv_percentile(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """``cc_iv_pct_min <= IV percentile <= cc_iv_pct_max`` (inclusive); n/a when the IV history is too short."""
    p = _col(f, "iv_percentile")
    ok = (p >= cfg.cc_iv_pct_min - EPS) & (p <= cfg.cc_iv_pct_max + EPS)
    return _finish(_applies(f, "cc"), ok,
                   lambda i: f"IV percentile {p[i]:.1f} outside {cfg.cc_iv_pct_min:g}-{cfg.cc_iv_pct_max:g}",
                   unknown=np.isnan(p), unknown_msg=lambda i: "IV percentile unknown (too little IV history)")


def cc_max_loss(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """Maximum loss potential over position value strictly below ``cc_max_loss_pct``; n/a without shares.

    Maximum loss potential of writing the call, per share: ``max(0, cost_basis - strike - bid)``, the loss
    against cost basis that assignment would lock in (shares delivered at the strike, premium kept). Position
    value per share: the underlying price. See ``docs/screening.md`` for why the shares' own downside is
    not counted here.
    """
    loss = _col(f, "max_loss_pct")
    return _finish(_applies(f, "cc"), loss < cfg.cc_max_loss_pct - EPS,
                   lambda i: f"max loss potential {loss[i]:.2%} of position >= {cfg.cc_max_loss_pct:.2%}",
                   unknown=np.isnan(loss), unknown_msg=lambda i: "no shares held: loss potential unknown")


# --- cash-secured puts -----------------------------------------------------------------------------------------

def csp_cash(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """Free cash (cash minus what open short puts reserve) >= strike x multiplier x 1 contract."""
    free, need = _col(f, "free_cash"), _col(f, "strike") * _col(f, "multiplier")
    return _finish(_applies(f, "csp"), free >= need - EPS * np.maximum(need, 1.0),
                   lambda i: f"free cash {free[i]:,.0f} < {need[i]:,.0f} to secure one contract")


def csp_yield(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """Annualised yield bid / strike x 365 / DTE strictly above ``csp_min_yield``."""
    return _yield(f, "csp", cfg.csp_min_yield, "strike")


def csp_delta(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """``delta_lo <= delta <= delta_hi`` (inclusive; ``csp_delta_min..csp_delta_max`` after baseline/regime)."""
    return _delta(f, "csp")


def csp_put_call_ratio(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """Put/call ratio strictly below its sector's average; n/a when that cannot be computed.

    Sector average: the mean put/call ratio of the underlyings in ``market.reference`` sharing the sector
    (this one included), computable when the underlying's own ratio and sector are known and at least two
    underlyings of the sector have a ratio.
    """
    pcr, avg, n = _col(f, "pcr"), _col(f, "sector_pcr_avg"), _col(f, "sector_pcr_n")
    unknown = np.isnan(pcr) | np.isnan(avg) | (n < 2)

    def why(i: int) -> str:
        if np.isnan(pcr[i]):
            return "put/call ratio unknown"
        return "sector average put/call ratio not computable (sector unknown or fewer than 2 underlyings)"

    return _finish(_applies(f, "csp"), pcr < avg - EPS,
                   lambda i: f"put/call ratio {pcr[i]:.2f} >= sector average {avg[i]:.2f}",
                   unknown=unknown, unknown_msg=why)


def csp_earnings(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """No earnings date in ``[as_of, expiry + earnings_buffer_days]`` (both inclusive)."""
    e, exp = _dates(f, "next_earnings"), _dates(f, "expiry")
    start = np.datetime64(today, "ns")
    end = exp + np.timedelta64(cfg.earnings_buffer_days, "D")
    ok = ~((e >= start) & (e <= end))  # NaT compares False, as in pandas
    st, why = _policy(cfg)
    return _finish(_applies(f, "csp"), ok,
                   lambda i: f"earnings {pd.Timestamp(e[i]):%Y-%m-%d} before expiry + {cfg.earnings_buffer_days} days",
                   unknown=~(e >= start), unknown_status=st, unknown_msg=_earnings_unknown(e, why))


def csp_credit_rating(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """Issuer rating at or above ``min_credit_rating`` on the S&P scale (Moody's mapped); unknown: policy."""
    rank = {r: i for i, r in enumerate(RATINGS)}
    rating = np.asarray(f["credit_rating"], dtype=object)
    pos = np.array([rank.get(r, np.nan) if isinstance(r, str) else np.nan for r in rating], dtype=np.float64)
    st, why = _policy(cfg)
    return _finish(_applies(f, "csp"), pos <= rank[cfg.min_credit_rating],
                   lambda i: f"credit rating {rating[i]} below {cfg.min_credit_rating}",
                   unknown=np.isnan(pos), unknown_status=st,
                   unknown_msg=lambda i: f"credit rating unknown ({why})")


def csp_sector_exposure(f: Frame, cfg: ScreenConfig, today: pd.Timestamp) -> Outcome:
    """Sector exposure after one more contract over portfolio value at most ``screen_sector_max`` (inclusive)."""
    x = _col(f, "sector_exposure")
    sector = np.asarray(f["sector"], dtype=object)
    return _finish(_applies(f, "csp"), x <= cfg.screen_sector_max + EPS,
                   lambda i: "portfolio value not positive" if np.isnan(x[i])
                   else f"sector {sector[i]} exposure {x[i]:.1%} after trade > {cfg.screen_sector_max:.1%}")


RULES: tuple[Rule, ...] = (
    Rule("vol_regime", "both", "volatility regime allows the entry", vol_regime),
    Rule("dte_band", "both", "days to expiry within the band", dte_band),
    Rule("min_open_interest", "both", "open interest above the minimum", min_open_interest),
    Rule("max_spread", "both", "bid-ask spread over mid at most the maximum", max_spread),
    Rule("earnings_blackout", "both", "no earnings within the blackout days", earnings_blackout),
    Rule("baseline_iv_rank", "both", "baseline: IV rank above the minimum", baseline_iv_rank),
    Rule("cc_shares", "cc", "enough uncovered shares for one contract", cc_shares),
    Rule("cc_cost_basis", "cc", "strike at or above the cost basis", cc_cost_basis),
    Rule("cc_yield", "cc", "annualised yield on the underlying above the minimum", cc_yield),
    Rule("cc_delta", "cc", "delta within the covered-call band", cc_delta),
    Rule("cc_iv_percentile", "cc", "IV percentile within the band", cc_iv_percentile),
    Rule("cc_max_loss", "cc", "maximum loss potential below the limit", cc_max_loss),
    Rule("csp_cash", "csp", "free cash secures one contract", csp_cash),
    Rule("csp_yield", "csp", "annualised yield on the strike above the minimum", csp_yield),
    Rule("csp_delta", "csp", "delta within the put band", csp_delta),
    Rule("csp_put_call_ratio", "csp", "put/call ratio below the sector average", csp_put_call_ratio),
    Rule("csp_earnings", "csp", "no earnings before expiry plus the buffer", csp_earnings),
    Rule("csp_credit_rating", "csp", "credit rating at or above the minimum", csp_credit_rating),
    Rule("csp_sector_exposure", "csp", "sector exposure after the trade within the cap", csp_sector_exposure),
)
"""Every screen in column order (the ``quote_ok`` validation column comes first in the table)."""

RULE_NAMES: tuple[str, ...] = ("quote_ok",) + tuple(r.name for r in RULES)
