"""Review-test builders: candidates, market and config with tiny timeouts (test-local, not shared)."""

from __future__ import annotations

from datetime import date, datetime

from domain.config import StrategyConfig
from domain.types import Candidate, Greeks, MarketContext, Reference, Right, Strategy, Verdict
from tests.factories import AS_OF, quote

TICKERS = ("GOOG", "AAPL", "IBM", "BAC", "AIG")


def candidate(underlying: str = "GOOG", strike: float = 700.0, right: Right = Right.PUT, spot: float = 750.0,
              score: float = 8.0, delta: float = -0.25, iv: float = 0.30, as_of: datetime = AS_OF,
              **kw: object) -> Candidate:
    q = quote(right=right, strike=strike, bid=9.8, ask=10.2, underlying_price=spot, underlying=underlying,
              iv=iv, greeks=Greeks(delta=delta))
    strategy = Strategy.CASH_SECURED_PUT if right is Right.PUT else Strategy.COVERED_CALL
    verdicts = (Verdict("delta_range", "pass", f"delta {delta}"), Verdict("earnings_clear", "pass",
                                                                          "no earnings before 2016-01-29"))
    fields: dict[str, object] = {"verdicts": verdicts, "premium_yield": 0.15, "iv_rank": 0.6, "contracts": 2}
    fields.update(kw)
    return Candidate(quote=q, strategy=strategy, score=score, as_of=as_of, **fields)  # type: ignore[arg-type]


def five() -> list[Candidate]:
    return [candidate(t, strike=100.0 - i, spot=105.0, score=8.5 - 0.4 * i) for i, t in enumerate(TICKERS)]


def market(vix: float = 18.0, **kw: object) -> MarketContext:
    ref = {t: Reference(t, sector="Technology", next_earnings=date(2016, 1, 28)) for t in TICKERS}
    fields: dict[str, object] = {"rate": 0.01, "vix": vix, "reference": ref,
                                 "realised_vol": {t: 0.25 for t in TICKERS}}
    fields.update(kw)
    return MarketContext(as_of=AS_OF, **fields)  # type: ignore[arg-type]


def config(**changes: object) -> StrategyConfig:
    base: dict[str, object] = {"review_timeout_seconds": 0.5, "review_max_retries": 1}
    base.update(changes)
    return StrategyConfig().replace(**base)
