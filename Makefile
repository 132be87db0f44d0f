# Tongxin — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: install run test test-sqlite test-postgres browser-deps lint format bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## make run: the whole system on SQLite with the demo community, web server and task worker.
run: install
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py migrate --noinput -v0
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py demo_seed --if-empty
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py serve

## make test: every test on SQLite, and again on PostgreSQL when DATABASE_URL points at one.
test: install browser-deps
	@$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "DATABASE_URL is not set: skipped the PostgreSQL run."; fi

test-sqlite:
	@echo "== tests on SQLite"
	env -u DATABASE_URL $(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres:
	@echo "== tests on PostgreSQL ($$DATABASE_URL)"
	$(VENV)/bin/pytest $(PYTEST_ARGS)

browser-deps:
	@bash scripts/browser-deps.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy tongxin config
	env -u DATABASE_URL DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run -v0

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## make bench: benchmarks on generated district-scale data (see bench/README.md).
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf var/*.sqlite3* var/static var/bench
