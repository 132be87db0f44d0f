# Tongxin — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: install run dev test test-sqlite test-postgres test-dates browser-deps lint format bench bench-hot bench-matching bench-suggest bench-alliance bench-votes bench-alarms bench-datacentre clean \
	messages translations

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) translations

## make translations: compile the catalogues (locale/*/LC_MESSAGES/*.po -> .mo; msgfmt).
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)
translations: $(MO_FILES)
%.mo: %.po
	msgfmt --check-format -o $@ $<

## make messages: collect every translatable text of the code, templates and scripts into the
## catalogues (Simplified Chinese is the source language; locale/en is the English
## translation). New texts arrive with an empty translation: fill them in, then `make`.
MAKEMESSAGES = env -u DATABASE_URL DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py \
	makemessages -l en --no-wrap --no-obsolete --add-location file --ignore '.venv/*' --ignore 'var/*' \
	--ignore 'bench/*' --ignore 'tongxin/*/tests/*' --ignore 'tongxin/demo/*' \
	--ignore 'tongxin/conftest.py' --ignore 'build/*'
messages: $(STAMP)
	$(MAKEMESSAGES) -d django
	$(MAKEMESSAGES) -d djangojs
	@$(MAKE) --no-print-directory translations

## make run: the whole system on SQLite with the demo community: gunicorn (DEBUG off), the task worker.
run: install
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=config.settings.demo $(PY) manage.py migrate --noinput -v0
	DJANGO_SETTINGS_MODULE=config.settings.demo $(PY) manage.py demo_seed --if-empty
	DJANGO_SETTINGS_MODULE=config.settings.demo $(PY) manage.py serve

## make dev: the same demo on Django's auto-reloading development server, DEBUG on.
dev: install
	@mkdir -p var
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py migrate --noinput -v0
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py demo_seed --if-empty
	DJANGO_SETTINGS_MODULE=config.settings.dev $(PY) manage.py serve --dev

## make test: every test on SQLite, and again on PostgreSQL when DATABASE_URL points at one.
test: install browser-deps
	@$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "DATABASE_URL is not set: skipped the PostgreSQL run."; fi

## The suite runs on every core (pytest-xdist); PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
XDIST = $(if $(filter 0,$(PYTEST_WORKERS)),-p no:xdist,-n $(PYTEST_WORKERS) --dist loadgroup)

test-sqlite:
	@echo "== tests on SQLite"
	env -u DATABASE_URL $(VENV)/bin/pytest $(XDIST) $(PYTEST_ARGS)

test-postgres:
	@echo "== tests on PostgreSQL ($$DATABASE_URL)"
	$(VENV)/bin/pytest $(XDIST) $(PYTEST_ARGS)

## make lint: ruff, the format check, mypy, the layer contracts (import-linter) and missing
## migrations.
## make test-dates: the date-sensitive tests (marker "dates": demo, clocks, working time, scoping
## by dated posts, points expiry, monthly measures, sessions) with the whole session's clock set
## to each hard date (local time): New Year's Eve 23:30, the Spring Festival week of 2027, a 调休
## Saturday, 1 October just after midnight (still 30 September in UTC), a weekday evening
## (20:30), a month's last day, a leap day in 2028. On PostgreSQL too when DATABASE_URL is set,
## at TEST_DATES_PG: the year end, the Spring Festival and the UTC-date boundary, where the two
## databases' date arithmetic (time zones, truncation to days and months) could part; every run
## costs a migrated, demo-seeded database per worker, and CI has 90 minutes for everything.
TEST_DATES ?= 2026-12-31T23:30 2027-02-08T10:00 2026-10-10T09:15 2026-10-01T00:05 2027-06-15T20:30 \
	2027-04-30T17:59 2028-02-29T12:00
TEST_DATES_PG ?= 2026-12-31T23:30 2027-02-08T10:00 2026-10-01T00:05
test-dates: install
	@for when in $(TEST_DATES); do \
	  echo "== date-sensitive tests at $$when on SQLite"; \
	  TONGXIN_TEST_NOW=$$when env -u DATABASE_URL $(VENV)/bin/pytest $(XDIST) -m dates $(PYTEST_ARGS) || exit 1; \
	done
	@if [ -n "$$DATABASE_URL" ]; then for when in $(TEST_DATES_PG); do \
	  echo "== date-sensitive tests at $$when on PostgreSQL"; \
	  TONGXIN_TEST_NOW=$$when $(VENV)/bin/pytest $(XDIST) -m dates $(PYTEST_ARGS) || exit 1; \
	done; fi

browser-deps:
	@bash scripts/browser-deps.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy tongxin config
	$(VENV)/bin/lint-imports --no-cache
	bash scripts/check-messages.sh
	env -u DATABASE_URL DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run -v0

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## make bench: benchmarks on generated district-scale data (see bench/README.md).
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

## make bench-hot: the hot paths over HTTP (intake, worklists) beside their anchors, the intake's
## SQL replayed by pgbench, the measures beside their raw SQL; PostgreSQL, wrk (bench/hot_paths.py).
bench-hot: install
	$(PY) bench/hot_paths.py $(BENCH_ARGS)

## make bench-suggest: the category model's load time, suggestion latency beside a keyword match,
## and its accuracy on the development and the test set, separately (bench/suggest.py; no database).
bench-suggest: install
	$(PY) bench/suggest.py $(BENCH_ARGS)

## make bench-matching: service matching's suggestions and community board beside their raw
## SQL, on a street's generated resources and needs (PostgreSQL tongxin_bench_matching).
bench-matching: install
	$(PY) bench/matching.py $(BENCH_ARGS)

## make bench-alliance: the alliance's unit and in-service member scorecards and the scorecards
## page beside their raw SQL, on a street's generated alliance of 200 units and a year of records
## (PostgreSQL tongxin_bench_alliance).
bench-alliance: install
	$(PY) bench/alliance.py $(BENCH_ARGS)

## make bench-alarms: 1,000 simulated 爱心铃 sending heartbeats and 50 simultaneous presses
## through the real Mosquitto: publish → first notification row (p50/p95) beside a bare
## publish → subscriber anchor (PostgreSQL tongxin_bench_alarms; bench/alarms.py).
bench-alarms: install
	$(PY) bench/alarms.py $(BENCH_ARGS)

## make bench-votes: an owners' vote of a 5,000-unit estate, 3,000 ballots cast concurrently,
## beside raw SQL; no lost or doubled ballot; the result's read (PostgreSQL tongxin_bench_votes).
bench-votes: install
	$(PY) bench/votes.py $(BENCH_ARGS)

## make bench-datacentre: the data centre at district scale (800 grids, a year of rollups as from
## ~3 M cases): street and district dashboards and /api/v1/stats/cases beside their raw SQL; a
## month's rebuild and the nightly incremental run on real records (bench/datacentre.py;
## PostgreSQL tongxin_bench_datacentre, kept for re-runs).
bench-datacentre: install
	$(PY) bench/datacentre.py $(BENCH_ARGS)

clean:
	rm -rf var/*.sqlite3* var/static var/bench
