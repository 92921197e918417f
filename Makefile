# The two commands: `make run` (the product, with demo data) and `make test` (the whole suite).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
# The first Python 3.12+ on PATH (with pyenv, .python-version makes `python3` resolve to 3.12.1).
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { echo $$p; break; }; done)

# Compiled translations are build output: made from the .po files by msgfmt (Debian's gettext).
MESSAGES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))

.PHONY: help run test faults lint bench clean

help:
	@echo "make run    set up, start the embedded PostgreSQL (.pgdata/), migrate, load demo data, start web (http://127.0.0.1:8000; WEB_PORT=8001 for another port) + Celery worker + beat"
	@echo "make test   set up and run the whole test suite against PostgreSQL and Redis on localhost, pages in Debian's Chromium (installed if missing)"
	@echo "make faults the fault tests alone (tests marked faults: workers killed, Redis stopped and hung, PostgreSQL restarted, two beats)"
	@echo "make lint   ruff check + format check + makemigrations --check"
	@echo "make bench  run the benchmarks in bench/"

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: Python 3.12 or newer is needed (Django 6). Install python3.12 (apt-get install python3.12 python3.12-venv, or pyenv install 3.12) and retry." >&2; \
		exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

locale/%.mo: locale/%.po
	@command -v msgfmt >/dev/null || { echo "Installing gettext (msgfmt) to compile translations" >&2; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }
	msgfmt --check -o $@ $<

run: $(VENV)/.runtime-installed $(MESSAGES)
	@bash .ci/services.sh redis
	@# One shell, so that the embedded PostgreSQL (core/embedded_database.py; unless DATABASE_URL names another
	@# server) is stopped however the rest ends, Ctrl-C included. Links in emails and the stores' form links
	@# seed_demo prints lead to this web process unless SITE_URL says otherwise.
	@set -e; \
	export DEBUG=$${DEBUG:-True} WEB_PORT=$${WEB_PORT:-8000}; \
	export SITE_URL=$${SITE_URL:-http://127.0.0.1:$$WEB_PORT}; \
	if [ -z "$${DATABASE_URL:-}" ]; then \
		trap '$(BIN)/python -m core.embedded_database stop' EXIT; \
		$(BIN)/python -m core.embedded_database start; \
	fi; \
	$(BIN)/python manage.py migrate --noinput; \
	$(BIN)/python manage.py seed_demo; \
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

test: $(VENV)/.dev-installed $(MESSAGES)
	@bash .ci/services.sh postgres redis
	@bash .ci/browser.sh
	$(BIN)/python -m pytest --create-db $(PYTEST_ARGS)

faults: $(VENV)/.dev-installed $(MESSAGES)
	@bash .ci/services.sh postgres redis
	$(BIN)/python -m pytest --create-db -m faults $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@bash .ci/services.sh postgres
	@# Against the tests' PostgreSQL, in its maintenance database, which every server has: makemigrations only
	@# reads which migrations a database has applied.
	DJANGO_SETTINGS_MODULE=config.settings_test DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
		$(BIN)/python manage.py makemigrations --check --dry-run

bench: $(VENV)/.dev-installed $(MESSAGES)
	@bash .ci/services.sh postgres redis
	@# Creates vs django-helpdesk (made in bench/.venv-helpdesk/ on first use) on 2 sync workers: at
	@# concurrency 8 (throughput), then at concurrency 1 (latency); the SQL count once; then at concurrency 8 on a
	@# database analyzed while small (a new chain's first evening).
	$(BIN)/python bench/complaint_create.py --workers 2 --concurrency 8
	$(BIN)/python bench/complaint_create.py --workers 2 --concurrency 1 --requests 400 --sql-creates 0
	$(BIN)/python bench/complaint_create.py --workers 2 --concurrency 8 --requests 2000 --sql-creates 0 --no-peer --analyzed-small
	$(BIN)/python bench/grants.py
	$(BIN)/python bench/deadline_sweep.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/metrics.py
	$(BIN)/python bench/internals.py
	$(BIN)/python bench/redis_outage.py

clean:
	rm -rf $(VENV) .pytest_cache staticfiles $(MESSAGES)
