# Ouvert: `make run` serves the portal, `make test` runs the whole suite.
# Only Python 3.11+ is needed; every target creates and fills .venv when missing.
# Stamp files under .venv (and node_modules) make a second run skip what is already done.

PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

BIN := $(VENV)/bin
OUVERT := $(BIN)/ouvert
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet
NODE_STAMP := $(if $(wildcard package.json),node_modules/.ouvert-installed)

.DEFAULT_GOAL := help
.PHONY: help run bootstrap test test-sqlite test-postgres lint bench

help:
	@echo "make run     install, migrate, load the demo catalog if empty, serve on http://$(HOST):$(PORT)/"
	@echo "make test    install with test tools, then the whole suite (SQLite, then PostgreSQL if"
	@echo "             OUVERT_TEST_DATABASE_URL is set)"
	@echo "make lint    ruff"
	@echo "make bench   run every bench/*.py"
	@echo "Variables: PYTHON=$(PYTHON) PORT=$(PORT) HOST=$(HOST) OUVERT_HOME=$${OUVERT_HOME:-./var}"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Ouvert needs Python 3.11 or later; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "Installing Ouvert into $(VENV)..."
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	@echo "Installing Ouvert and its test tools into $(VENV)..."
	$(PIP) install -e '.[test]'
	@touch $@ $(VENV)/.installed

node_modules/.ouvert-installed: package.json $(wildcard package-lock.json)
	@if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
	@touch $@

bootstrap: $(VENV)/.installed
	$(OUVERT) bootstrap

# `ouvert serve` also runs a background task worker (OUVERT_TASKS=database, the default) and
# stops it with the server; `ouvert serve --no-worker` runs the web server alone.
run: bootstrap
	$(OUVERT) serve --host $(HOST) --port $(PORT)

# Runs SQLite first, then PostgreSQL (in this order unless make -j).
test: test-sqlite test-postgres

test-sqlite: $(VENV)/.installed-test $(NODE_STAMP)
	$(OUVERT) compiletranslations
	$(BIN)/pytest -q $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-test $(NODE_STAMP)
	@if [ -n "$${OUVERT_TEST_DATABASE_URL:-}" ]; then \
		echo "Running the suite on PostgreSQL (OUVERT_TEST_DATABASE_URL), browser tests excluded..."; \
		OUVERT_TEST_ON_POSTGRES=1 $(BIN)/pytest -q -m "not browser" $(PYTEST_ARGS); \
	elif [ "$${OUVERT_REQUIRE_POSTGRES:-}" = "1" ]; then \
		echo "ERROR: OUVERT_REQUIRE_POSTGRES=1 but OUVERT_TEST_DATABASE_URL is not set." >&2; exit 1; \
	else \
		echo "NOTE: PostgreSQL tests skipped: set OUVERT_TEST_DATABASE_URL=postgres://user@host:5432/name to run them."; \
	fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

bench: $(VENV)/.installed-test
	@found=0; for script in bench/*.py; do \
		[ -e "$$script" ] || continue; \
		case "$$script" in bench/_*) continue ;; esac; found=1; \
		echo "== $$script"; $(BIN)/python "$$script" || exit 1; \
	done; [ $$found = 1 ] || echo "No benchmarks yet (see bench/README.md)."
