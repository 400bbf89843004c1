# Set-up is two commands on a fresh machine with Python 3.11+ and make:
#   make demo   — create .venv, install, generate a sample company, import it, print the summary
#   make test   — create .venv, install (Debian packages the tests use included), run every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_HOME ?= demo-home
PYTEST_ARGS ?=

.PHONY: demo test bench lint typecheck system-deps clean docs

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Debian packages the test suite uses (PostgreSQL server binaries); installed only if missing.
system-deps:
	bash scripts/system-deps.sh

demo: $(STAMP)
	rm -rf $(DEMO_HOME)
	$(BIN)/tenure demo --home $(DEMO_HOME) --accounts 2000 --seed 1

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[bench]'
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/python -m tenure.settings > docs/settings.md
	$(BIN)/python -m tenure.metrics.docs > docs/metrics.md

clean:
	rm -rf $(VENV) $(DEMO_HOME) bench-data .pytest_cache .ruff_cache .mypy_cache
