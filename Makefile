# Frontdesk — the commands that matter. Everything runs inside ./.venv, created on demand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast test-faults lint typecheck check install browser services ldap clean messages

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

## Debian's Chromium for the browser tests (never a browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## PostgreSQL and Redis, which the tests use for real (installed and started if missing).
services:
	@scripts/ensure-services

## The directory sign-in's extra (python-ldap builds against OpenLDAP's headers) and OpenLDAP's
## slapd, which the tests start on a free port with a throw-away directory.
ldap: $(STAMP)
	@command -v /usr/sbin/slapd >/dev/null 2>&1 && test -f /usr/include/ldap.h || { \
		echo "Installing OpenLDAP (slapd, headers) from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			slapd libldap-dev libsasl2-dev >/dev/null; }
	@$(BIN)/python -c "import django_auth_ldap" 2>/dev/null || \
		$(BIN)/python -m pip install --quiet -e '.[dev,ldap]'

## Run the whole test suite (SQLite unless DATABASE_URL points elsewhere), but for the slow
## fault tests of `make test-faults`; the quick fault tests run here.
test: $(STAMP) browser services ldap
	FRONTDESK_DATA_DIR=$${FRONTDESK_DATA_DIR:-$(CURDIR)/.test-data} \
		$(BIN)/python -m pytest -n 2 --dist loadfile -m "not faults" $(PYTEST_ARGS)

## Everything but the browser, scale-out and fuzz tests (markers set in tests/conftest.py):
## the quick check while working, under a minute.
test-fast: $(STAMP) services ldap
	FRONTDESK_DATA_DIR=$${FRONTDESK_DATA_DIR:-$(CURDIR)/.test-data} \
		$(BIN)/python -m pytest -n 2 --dist loadfile -m "not browser and not scaleout and not fuzz and not faults" \
		$(PYTEST_ARGS)

## The slow fault tests (marker `faults`): serve stopped 20 times per signal, live streams
## opened and closed in cycles, a migration on a million PostgreSQL tickets while reads go on.
## Minutes, not seconds; CI runs them after `make test`.
test-faults: $(STAMP) services ldap
	FRONTDESK_DATA_DIR=$${FRONTDESK_DATA_DIR:-$(CURDIR)/.test-data} \
		$(BIN)/python -m pytest -n 2 --dist loadfile -m faults $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

## The Spanish catalogue: collect the strings into its .po, then compile the .mo that is
## committed with it (docs/translating.md). Needs gettext (apt-get install gettext).
messages: $(STAMP)
	cd src/frontdesk && ../../$(BIN)/frontdesk makemessages -l es --no-wrap -e html,txt,py -i "static/*"
	msgfmt --check -o src/frontdesk/locale/es/LC_MESSAGES/django.mo src/frontdesk/locale/es/LC_MESSAGES/django.po

check: lint typecheck test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
