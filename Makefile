# lms-sandbox: `make run` serves every API on 127.0.0.1:8000, `make test` runs the test suite.
# Both bootstrap .venv from nothing; it is re-installed whenever pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
ARGS   ?=

.DEFAULT_GOAL := help
.PHONY: help run test check lint format typecheck lint-specs bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-11s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "lms-sandbox needs Python 3.11+, found " + sys.version.split()[0] + "; run make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)  ## serve every API on $(HOST):$(PORT) (extra options: make run ARGS="--seed 7")
	$(BIN)/lms-sandbox serve --host $(HOST) --port $(PORT) $(ARGS)

test: $(STAMP)  ## run the whole test suite
	$(BIN)/python -m pytest $(ARGS)

lint: $(STAMP)  ## ruff format check and lint
	$(BIN)/ruff format --check mockserver contracts tests
	$(BIN)/ruff check mockserver contracts tests

format: $(STAMP)  ## apply ruff formatting and safe fixes
	$(BIN)/ruff format mockserver contracts tests
	$(BIN)/ruff check --fix mockserver contracts tests

typecheck: $(STAMP)  ## mypy (strict) on mockserver and contracts
	$(BIN)/mypy

lint-specs: $(STAMP)  ## validate every OpenAPI document in specs/
	$(BIN)/lms-sandbox lint-specs

check: lint typecheck lint-specs test  ## everything: lint, types, specs, tests

bench: $(STAMP)  ## benchmarks (throughput, start-up, memory); never part of the tests
	$(BIN)/python tests/bench/run.py $(ARGS)

clean:  ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist
