# Every target installs what it needs into .venv first; a fresh machine needs only Python 3.11 and make.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ADAPTERS := main.py algorithms alpha/lean_adapter.py llm/lean_adapter.py portfolio/lean_adapter.py \
            risk/lean_adapter.py execution/lean_adapter.py
PROJECT ?= Wheelhouse

.PHONY: help venv test lint typecheck pytest backtest put-write-project bench cloud-package clean

help:
	@echo "make test           lint, type check against quantconnect-stubs, pytest"
	@echo "make backtest       run the strategy offline on the default data and write the report"
	@echo "make put-write-project  build/PutWrite/: the put-write benchmark as a LEAN project"
	@echo "make bench          speed and accuracy benchmarks (ratios against reference libraries)"
	@echo "make cloud-package  build build/$(PROJECT)/ for 'lean cloud push --project build/$(PROJECT)'"

$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (set PYTHON=...)" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy $(ADAPTERS)

pytest: $(STAMP)
	$(PY) -m pytest -q -n 2

test: lint typecheck pytest

# The default data's underlying is the S&P 500 index: it has no earnings dates and no issuer rating, which
# unknown_reference_policy=exclude would treat as unknown and exclude (docs/engine.md).
backtest: $(STAMP)
	$(PY) -m wheelhouse backtest --set unknown_reference_policy=include

# A separate LEAN project for the put-write benchmark (the root main.py holds the strategy).
put-write-project: $(STAMP)
	$(PY) -m wheelhouse.benchmarks --out build/PutWrite

bench: $(STAMP)
	$(PY) -m wheelhouse.bench

cloud-package: $(STAMP)
	$(PY) -m wheelhouse.package --name $(PROJECT) --out build

clean:
	rm -rf build .mypy_cache .pytest_cache .ruff_cache
