# Frontdesk — the commands that matter. Everything runs inside ./.venv, created on demand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres lint typecheck check install clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Start Frontdesk on SQLite at http://$(HOST):$(PORT) (creates ./data on first run).
run: $(STAMP)
	$(BIN)/frontdesk serve --host $(HOST) --port $(PORT)

## Run the whole test suite (SQLite unless DATABASE_URL points elsewhere).
test: $(STAMP)
	FRONTDESK_DATA_DIR=$${FRONTDESK_DATA_DIR:-$(CURDIR)/.test-data} \
		$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
