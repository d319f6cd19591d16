"""The engine trial: its data cache key covers every setting the data sources read; a short real run answers
with the stats.json keys, returns and benchmarks, the same with and without the cache."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from domain.config import SECTIONS, StrategyConfig
from wheelhouse.research.engine_trial import DATA_SETTINGS, _open, data_key, forget_sources, run_engine
from wheelhouse.research.trial import DataSpec, stats_of


class _Recorder:
    """Stands in for a StrategyConfig and records every (section, setting) read through it."""

    def __init__(self, obj: Any, seen: set[tuple[str, str]], section: str | None = None) -> None:
        self._obj, self._seen, self._section = obj, seen, section

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._obj, name)
        if self._section is None and name in SECTIONS:
            return _Recorder(value, self._seen, name)
        if self._section is not None:
            self._seen.add((self._section, name))
        return value


@pytest.mark.parametrize("folder", [None, "some/lean/folder"])
def test_cache_key_holds_every_setting_the_data_sources_read(folder: str | None,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from wheelhouse.data import default, source
    from wheelhouse.engine import sources

    # Construction does the heavy loading; only which settings from_config reads matters here.
    for cls in (default.DefaultData, source.LeanData):
        monkeypatch.setattr(cls, "__init__", lambda self, *a, **k: None)
    original = sources.DataAdapter.__init__
    monkeypatch.setattr(sources.DataAdapter, "__init__", lambda self, *a, **k: None)
    seen: set[tuple[str, str]] = set()
    sources.DataAdapter.open(folder, _Recorder(StrategyConfig(), seen))  # type: ignore[arg-type]
    monkeypatch.setattr(sources.DataAdapter, "__init__", original)
    assert seen, "the recorder saw nothing: the test no longer exercises the data sources"
    assert seen <= set(DATA_SETTINGS), f"add to DATA_SETTINGS: {sorted(seen - set(DATA_SETTINGS))}"


def test_key_ignores_strategy_settings_but_not_data_settings() -> None:
    base = StrategyConfig()
    assert data_key(None, base) == data_key(None, base.replace(max_trade_pct=0.03, start_date="2005-01-03"))
    assert data_key(None, base) != data_key(None, base.replace(dte_max=60))
    assert data_key(None, base) != data_key("folder", base)


@pytest.mark.slow
def test_short_run_on_the_lean_sample(lean_data: Path) -> None:
    pytest.importorskip("wheelhouse.engine.run")
    spec = DataSpec(folder=str(lean_data), start=date(2015, 12, 22), end=date(2015, 12, 31), benchmarks=("put_write",))
    params = {"underlyings": "GOOG"}
    first = run_engine(params, spec)
    stats = stats_of(first)
    for key in ("cagr", "annual_volatility", "sharpe", "max_drawdown", "drawdown", "total_fees", "premium_collected"):
        assert key in stats
    assert set(first["benchmarks"]) == {"put_write"} and "sharpe" in first["benchmarks"]["put_write"]
    returns = first["returns"]
    assert isinstance(returns, pd.Series) and len(returns) == len(first["risk_free"]) > 0
    assert stats["final_equity"] == pytest.approx(1_000_000 * (1 + returns).prod())
    # A second call reuses the opened data; a fresh open gives the same answer.
    again = run_engine(params, spec)
    forget_sources()
    fresh = run_engine(params, spec)
    for other in (again, fresh):
        assert stats_of(other) == pytest.approx(stats, nan_ok=True)
        pd.testing.assert_series_equal(other["returns"], returns)


def test_affinity_key_follows_the_data_settings() -> None:
    from wheelhouse.research.engine_trial import parameters_data_key
    from wheelhouse.research.trial import backtest_trial

    base = StrategyConfig().to_parameters()
    spec = DataSpec()
    key = parameters_data_key(base, spec)
    assert backtest_trial.affinity(base, spec) == key  # type: ignore[attr-defined]
    assert parameters_data_key({**base, "max_trade_pct": "0.03"}, spec) == key
    assert parameters_data_key({**base, "dte_max": "60"}, spec) != key
    assert parameters_data_key(base, DataSpec(folder="x")) != key


def test_a_second_run_on_the_same_source_answers_the_same_from_the_screen_memo() -> None:
    from wheelhouse.research.engine_trial import data_adapter

    spec = DataSpec(start=date(2010, 3, 1), end=date(2010, 6, 30))
    params = {"unknown_reference_policy": "include"}
    forget_sources()
    first = run_engine(params, spec)
    adapter = data_adapter(None, StrategyConfig.model_validate({}).replace(unknown_reference_policy="include"))
    memo, chains = adapter.screen_memo, adapter.chain_memo
    assert memo is not None and len(memo) == len(first["returns"])  # one chain screened per session
    assert chains is not None and len(chains) == len(first["returns"])  # and read once
    second = run_engine(params, spec)
    assert first["trades"] > 0
    assert stats_of(second) == stats_of(first)
    pd.testing.assert_series_equal(second["returns"], first["returns"])
    pd.testing.assert_series_equal(second["trade_returns"], first["trade_returns"])


def test_the_chain_memo_answers_the_snapshot_it_read_and_stops_adding_when_full() -> None:
    from wheelhouse.engine.sources import ChainMemo, DataAdapter

    config = StrategyConfig.model_validate({})
    adapter = DataAdapter.open(None, config)
    plain = DataAdapter.open(None, config)
    adapter.remember()
    assert adapter.chain_memo is not None
    day = adapter.trading_days(date(2010, 3, 1), date(2010, 3, 31))
    t0, t1 = adapter.steps(day[0])[-1], adapter.steps(day[1])[-1]
    first = adapter.chain(config.general.underlyings[0], t0)
    assert first is not None and first.quotes
    assert adapter.chain(config.general.underlyings[0], t0) is first  # kept
    assert first == plain.chain(config.general.underlyings[0], t0)  # and equal to a fresh read
    other = adapter.chain(config.general.underlyings[0], t1)
    assert other is not None and other != first and len(adapter.chain_memo) == 2
    # a memo with room for one chain keeps the first and adds nothing more
    small = ChainMemo(max_quotes=len(first.quotes))
    small.add("X", t0, first)
    small.add("X", t1, other)
    assert small.get("X", t0) is first and small.get("X", t1) is None and small.quotes == len(first.quotes)


def test_trials_that_differ_in_strategy_settings_share_the_source_and_answer_as_on_a_fresh_one() -> None:
    from wheelhouse.research.engine_trial import data_adapter

    spec = DataSpec(start=date(2010, 3, 1), end=date(2010, 6, 30))
    base = {"unknown_reference_policy": "include"}
    other = {**base, "profit_take_pct": "0.6", "max_trade_pct": "0.03", "csp_delta_min": "-0.35"}
    forget_sources()
    first = run_engine(base, spec)
    adapter = data_adapter(None, StrategyConfig().replace(unknown_reference_policy="include"))
    screened = len(adapter.screen_memo or {})
    warm = run_engine(other, spec)
    assert len(_open) == 1 and data_adapter(None, StrategyConfig().replace(max_trade_pct=0.03)) is adapter
    assert len(adapter.screen_memo or {}) == screened  # every chain came from the memo
    forget_sources()
    fresh = run_engine(other, spec)
    assert stats_of(warm) != stats_of(first)  # the settings matter on this window
    assert stats_of(warm) == stats_of(fresh)
    pd.testing.assert_series_equal(warm["returns"], fresh["returns"])
    pd.testing.assert_series_equal(warm["trade_returns"], fresh["trade_returns"])


def test_a_worker_keeps_the_two_sources_used_last(monkeypatch: pytest.MonkeyPatch) -> None:
    from wheelhouse.engine import sources
    from wheelhouse.research.engine_trial import data_adapter

    opened: list[int] = []

    def fake_open(cls: Any, folder: Any, config: StrategyConfig) -> Any:
        opened.append(config.screen.dte_max)
        return sources.DataAdapter.__new__(cls)

    monkeypatch.setattr(sources.DataAdapter, "open", classmethod(fake_open))
    monkeypatch.setattr(sources.DataAdapter, "remember", lambda self: None)
    forget_sources()
    try:
        a, b, c = (StrategyConfig().replace(dte_max=d) for d in (45, 60, 90))
        first = data_adapter(None, a)
        data_adapter(None, b)
        assert data_adapter(None, a.replace(profit_take_pct=0.7)) is first  # a is now the most recent
        data_adapter(None, c)  # evicts b, the least recent
        assert data_adapter(None, a) is first and len(_open) == 2
        data_adapter(None, b)
        assert opened == [45, 60, 90, 60]
    finally:
        forget_sources()
