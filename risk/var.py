"""One-day Value at Risk three ways, and expected shortfall.

Definitions (losses are positive dollars; ``alpha`` is the confidence, 0.95 for VaR, 0.975 for ES):

* Empirical (historical and Monte Carlo): with ``N`` scenario P&Ls and ``k = ceil(N (1 - alpha))`` tail
  scenarios, VaR is the ``k``-th largest loss (the ``inverted_cdf`` quantile of the P&L at ``1 - alpha``,
  negated) and ES the mean of the ``k`` largest losses.
* Historical simulation: the last ``var_lookback_days`` daily returns of each underlying applied to today's
  book with full revaluation (:mod:`risk.scenarios`).
* Monte Carlo: ``mc_scenarios`` correlated one-day scenarios (seeded), full revaluation.
* Parametric delta-gamma-vega: the P&L ``theta + b'x + x'Gx / 2`` with ``x ~ N(0, cov)`` the underlyings'
  returns, ``b`` each underlying's dollar delta plus its vega moved by ``vol_spot_beta``, ``G`` the dollar
  gammas. Its first four cumulants are exact (eigen-decomposition of the quadratic form); the quantile is
  the Cornish-Fisher expansion and ES the mean of that quantile function over the tail (closed form). With no gamma the
  P&L is normal and both reduce to the closed forms ``z sigma`` and ``sigma phi(z) / (1 - alpha)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import norm

from domain.config import StrategyConfig
from risk.book import Book
from risk.scenarios import (
    EuroGreeks,
    Scenarios,
    covariance,
    euro_greeks,
    historical_scenarios,
    monte_carlo_scenarios,
    revalue_each,
    taylor_ladder,
)

FloatArray = NDArray[np.float64]


def tail_count(n: int, alpha: float) -> int:
    """Number of scenarios in the ``1 - alpha`` tail: ``ceil(n (1 - alpha))``, at least 1."""
    return max(1, math.ceil(n * (1.0 - alpha) - 1e-9))


def var_es(pnl: FloatArray, alpha: float) -> tuple[float, float]:
    """Empirical (VaR, ES) at confidence ``alpha`` of a P&L sample, as positive losses in its units."""
    return var_es_pair(pnl, alpha, alpha)


def var_es_pair(pnl: FloatArray, alpha_var: float, alpha_es: float) -> tuple[float, float]:
    """Empirical VaR at ``alpha_var`` and ES at ``alpha_es`` of one P&L sample, as :func:`var_es` gives them.

    Only the tail is ordered: the ``k`` worst P&Ls (a partition, then a sort of those ``k``) are the first
    ``k`` of the fully sorted sample, in the same order, so VaR and the ES mean are the same numbers.
    """
    pnl = np.asarray(pnl, dtype=np.float64)
    k_var, k_es = tail_count(pnl.size, alpha_var), tail_count(pnl.size, alpha_es)
    k = max(k_var, k_es)
    worst = np.sort(np.partition(pnl, k - 1)[:k]) if k < pnl.size else np.sort(pnl)
    losses = -worst  # largest loss first
    return float(losses[k_var - 1]), float(losses[:k_es].mean())


@dataclass(frozen=True)
class Cumulants:
    mean: float
    var: float
    third: float
    fourth: float

    @property
    def skew(self) -> float:
        return self.third / self.var**1.5 if self.var > 0 else 0.0

    @property
    def excess_kurtosis(self) -> float:
        return self.fourth / self.var**2 if self.var > 0 else 0.0


def quadratic_cumulants(theta: float, b: FloatArray, gamma: FloatArray, cov: FloatArray) -> Cumulants:
    """Cumulants of ``theta + b'x + x' diag(gamma) x / 2`` with ``x ~ N(0, cov)``."""
    w, vec = np.linalg.eigh(cov)
    root = vec * np.sqrt(np.clip(w, 0.0, None))  # x = root @ z, z standard normal
    m = root.T @ np.diag(gamma) @ root
    lam, p = np.linalg.eigh(0.5 * (m + m.T))
    d = p.T @ (root.T @ b)
    return Cumulants(
        mean=float(theta + 0.5 * lam.sum()),
        var=float(np.sum(d * d + 0.5 * lam * lam)),
        third=float(np.sum(3.0 * d * d * lam + lam**3)),
        fourth=float(np.sum(12.0 * d * d * lam * lam + 3.0 * lam**4)),
    )


def cornish_fisher(p: FloatArray | float, c: Cumulants) -> FloatArray:
    """Approximate ``p``-quantile of a distribution with cumulants ``c``."""
    z = _normal_ppf(p) if isinstance(p, float) else norm.ppf(p)
    s, k = c.skew, c.excess_kurtosis
    zc = z + (z * z - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s * s / 36
    return np.asarray(c.mean + math.sqrt(max(c.var, 0.0)) * zc, dtype=np.float64)


def parametric(book: Book, cov: FloatArray, alpha_var: float, alpha_es: float, vol_beta: float,
               base: EuroGreeks | None = None, vega: bool = True, dt: float = 1.0 / 365.0) -> tuple[float, float]:
    """Delta-gamma-vega (VaR at ``alpha_var``, ES at ``alpha_es``) in $ (see the module docstring)."""
    base = base or euro_greeks(book)
    n = book.quantity
    u = len(book.underlyings)
    delta = np.where(book.is_option, base.delta, 1.0)
    per_leg_b = n * delta * book.spot
    if vega:
        per_leg_b = per_leg_b + n * base.vega * 100.0 * book.vol * vol_beta
    b = np.bincount(book.und, weights=per_leg_b, minlength=u).astype(np.float64)
    g = np.bincount(book.und, weights=n * base.gamma * book.spot**2, minlength=u).astype(np.float64)
    c = quadratic_cumulants(float(base.theta @ n) * dt * 365.0, b, g, cov)
    return -float(cornish_fisher(1.0 - alpha_var, c)), cornish_fisher_es(alpha_es, c)


def cornish_fisher_es(alpha: float, c: Cumulants) -> float:
    """Mean loss beyond the ``alpha`` quantile of the Cornish-Fisher distribution, in closed form.

    With ``z`` standard normal and ``a`` its ``1 - alpha`` quantile, the P&L is ``mean + sd x zc(z)`` with
    ``zc`` a cubic, so ES is ``-(mean + sd E[zc(z) | z <= a])`` from the truncated normal moments
    ``E[z^k; z <= a]``: ``Phi(a)``, ``-phi(a)``, ``Phi(a) - a phi(a)``, ``-(a^2 + 2) phi(a)``.
    """
    p = 1.0 - alpha
    a = float(_normal_ppf(p))
    pdf = _normal_pdf(a)
    i0, i1, i2, i3 = p, -pdf, p - a * pdf, -(a * a + 2.0) * pdf
    s, k = c.skew, c.excess_kurtosis
    tail = i1 + s / 6 * (i2 - i0) + k / 24 * (i3 - 3 * i1) - s * s / 36 * (2 * i3 - 5 * i1)
    return -(c.mean + math.sqrt(max(c.var, 0.0)) * tail / p)


@lru_cache(maxsize=32)
def _normal_ppf(p: float) -> float:
    """``scipy.stats.norm.ppf`` of one level (the review asks for the same few levels every time)."""
    return norm.ppf(p)  # type: ignore[no-any-return]


@lru_cache(maxsize=32)
def _normal_pdf(x: float) -> float:
    return float(norm.pdf(x))


@dataclass(frozen=True)
class VarReport:
    """VaR and ES in $ and as shares of ``portfolio_value``; a method that could not run is None with a note."""

    portfolio_value: float
    var: dict[str, float | None]
    expected_shortfall: dict[str, float | None]
    notes: dict[str, str]
    approximation: dict[str, float]

    def as_dict(self) -> dict[str, object]:
        v = self.portfolio_value

        def frac(x: float | None) -> float | None:
            return None if x is None else x / v

        return {
            "var_dollars": self.var,
            "var": {k: frac(x) for k, x in self.var.items()},
            "expected_shortfall_dollars": self.expected_shortfall,
            "expected_shortfall": {k: frac(x) for k, x in self.expected_shortfall.items()},
            "approximation": self.approximation,
            "notes": self.notes,
        }


def fallback_vols(book: Book, extra: dict[str, float]) -> dict[str, float]:
    """Annual vol per underlying where history is missing: ``extra`` first, else the mean IV of its options."""
    out = dict(extra)
    for i, name in enumerate(book.underlyings):
        if name not in out:
            vols = book.vol[(book.und == i) & book.is_option & (book.vol > 0)]
            out[name] = float(vols.mean()) if vols.size else 0.0
    return out


def var_report(book: Book, portfolio_value: float, config: StrategyConfig, closes: pd.DataFrame | None = None,
               fallback_vol: dict[str, float] | None = None, base: EuroGreeks | None = None) -> VarReport:
    """VaR three ways and ES, plus the Taylor approximations' VaR error against full revaluation (MC).

    ``base``: :func:`risk.scenarios.euro_greeks` of ``book`` when the caller has them already."""
    risk = config.risk
    a_var, a_es, beta = risk.var_confidence, risk.es_confidence, risk.vol_spot_beta
    base = base or euro_greeks(book)
    var: dict[str, float | None] = {}
    es: dict[str, float | None] = {}
    notes: dict[str, str] = {}
    hist: Scenarios | None = None
    if closes is None:
        var["historical"] = es["historical"] = None
        notes["historical"] = "no price history given"
    else:
        try:
            hist = historical_scenarios(closes, book.underlyings, risk.var_lookback_days, beta)
        except ValueError as exc:
            var["historical"] = es["historical"] = None
            notes["historical"] = str(exc)
    cov = covariance(closes, book.underlyings, risk.var_lookback_days, fallback_vols(book, fallback_vol or {}))
    scen = monte_carlo_scenarios(cov, risk.mc_scenarios, config.general.seed, beta)
    *hist_pnl, full = revalue_each(book, ([] if hist is None else [hist]) + [scen], base)
    if hist_pnl:
        var["historical"], es["historical"] = var_es_pair(hist_pnl[0], a_var, a_es)
    var["parametric"], es["parametric"] = parametric(book, cov, a_var, a_es, beta, base)
    mc_var, mc_es = var_es_pair(full, a_var, a_es)
    var["monte_carlo"], es["monte_carlo"] = mc_var, mc_es
    return VarReport(portfolio_value, var, es, notes, approximation_errors(book, scen, full, a_var, base, mc_var))


def approximation_errors(book: Book, scen: Scenarios, full: FloatArray, alpha: float,
                         base: EuroGreeks, ref: float | None = None) -> dict[str, float]:
    """Relative VaR error of the Taylor P&L on the same scenarios, with and without vega (and gamma).

    ``ref``: the VaR of ``full`` at ``alpha`` when the caller has it already."""
    ref = var_es(full, alpha)[0] if ref is None else ref
    out = {"full_revaluation_var": ref}
    ladder = taylor_ladder(book, scen, base)
    for name, pnl in zip(("delta_gamma_vega", "delta_gamma", "delta"), ladder, strict=True):
        approx = var_es_pair(pnl, alpha, alpha)[0]
        out[f"{name}_var"] = approx
        out[f"{name}_error"] = (approx - ref) / ref if ref else 0.0
    return out
