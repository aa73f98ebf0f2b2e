# elite: two commands on a fresh machine. `make run` serves the demo school; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PASSWORD := elite-demo-2026

# The first interpreter that is Python 3.12 or newer. pyenv honours .python-version (3.13) here.
PYTHON ?= $(shell for p in python3 python3.13 python3.12; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; \
	then echo $$p; break; fi; done)

.PHONY: help run test lint format demo serve migrate chromium clean bench backup restore

help:
	@echo "make run     set up .venv, migrate, load the demo school and serve it on http://$(HOST):$(PORT)"
	@echo "make test    lint, migration check and the full test suite (DATABASE_URL picks the database)"
	@echo "             ELITE_TEST_TODAY=2028-02-29 make test runs the suite as if it were that day (noon, Chicago)"
	@echo "make lint | make format | make demo (reset demo data) | make serve (gunicorn, DEBUG off)"
	@echo "make backup [OUTPUT=path]   the database and the uploaded evidence in one .tar.gz (var/backups/)"
	@echo "make restore FILE=path [YES=1]   put a backup back and migrate it; YES=1 to replace existing data"

$(VENV)/.python-ok:
	@if [ -z "$(PYTHON)" ]; then \
		echo "elite needs Python 3.12 or newer (3.13 preferred, see .python-version);" \
		     "found $$(python3 --version 2>&1 || echo 'no python3')." \
		     "Install Python 3.13 (for example 'pyenv install 3.13' or your system's python3.13 package) and run make again."; \
		exit 1; fi
	@[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
		echo "$(VENV) holds $$($(PY) --version); elite needs 3.12 or newer. Remove $(VENV) and run make again."; exit 1; }
	@touch $@

# Reinstall only when the requirement files change.
$(VENV)/.runtime-installed: requirements.txt $(VENV)/.python-ok
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements.txt $(VENV)/.runtime-installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

migrate: $(VENV)/.runtime-installed
	@DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input
	@DJANGO_DEBUG=1 $(PY) manage.py createcachetable

# The job runner (e-mail, the minute jobs) runs beside the server and stops with it.
run: migrate
	@DJANGO_DEBUG=1 DEMO_PASSWORD=$(DEMO_PASSWORD) $(PY) manage.py seed_demo
	@DJANGO_DEBUG=1 $(PY) manage.py work & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

demo: migrate
	@DJANGO_DEBUG=1 DEMO_PASSWORD=$(DEMO_PASSWORD) $(PY) manage.py seed_demo --reset

serve: migrate
	@$(PY) manage.py collectstatic --no-input --verbosity 0
	@$(PY) manage.py work & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DJANGO_HTTPS=$${DJANGO_HTTPS:-0} $(BIN)/gunicorn elite.wsgi --workers 2 --worker-class sync --bind $(HOST):$(PORT) --access-logfile -

# Backups (README, "Backup and restore"): the database and MEDIA_ROOT in one .tar.gz, and back.
backup: $(VENV)/.runtime-installed
	@$(PY) manage.py backup $(if $(OUTPUT),--output "$(OUTPUT)")

restore: $(VENV)/.runtime-installed
	@if [ -z "$(FILE)" ]; then echo "Say which backup to restore: make restore FILE=var/backups/elite-backup-....tar.gz"; exit 1; fi
	@$(PY) manage.py restore "$(FILE)" $(if $(filter 1 yes,$(YES)),--yes)

# Debian's Chromium for the browser tests; installed when missing and we are root (never a downloaded browser).
chromium:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$${REQUIRE_BROWSER:-0}" = 1 ]; then echo "REQUIRE_BROWSER=1 but /usr/bin/chromium is missing."; exit 1; fi; \
		echo "*** /usr/bin/chromium is missing: the browser tests will be SKIPPED. Install Debian's chromium package. ***"; fi

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: $(VENV)/.dev-installed chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache test-db*.sqlite3 .test-media

# Load figures: `make bench` on the demo data (about 8 minutes), `make bench SCALE=1` on the 100k-student data set.
bench: $(VENV)/.runtime-installed
	$(PY) bench/run.py $(if $(filter 1,$(SCALE)),--scale,)
