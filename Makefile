# Pilotgate: the two commands are `make run` and `make test`.
# Everything is created from the lock file (uv.lock) into .venv; the only
# prerequisites are Python 3.11 and make.

PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

# make run's process manager. On Ctrl-C honcho sends SIGTERM to each process,
# then SIGKILL to any still running 5 s after the first one stopped, with no
# option to wait longer (its KILL_WAIT; honcho issue #189). The worker's warm
# shutdown, which lets running tasks finish, takes about 5 s on the filesystem
# broker (its loop and its pool's threads wake only every 1-2 s): allow 30.
HONCHO := $(BIN)/python -c "import sys, honcho.command, honcho.manager; honcho.manager.KILL_WAIT = 30; sys.exit(honcho.command.main())"

.DEFAULT_GOAL := help
.PHONY: help install run test bench fuzz soak loadtest lint format migrations-check check-deploy web web-dev worker beat migrate seed backup restore clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --python $(PYTHON)
	@touch $@

install: $(VENV)/.synced ## Create .venv from uv.lock (runs only when the lock changes)

run: install migrate seed ## Migrate, seed the demo data, start web + Celery worker + beat
	@echo
	@echo "  Pilotgate: http://$(HOST):$(PORT)/   (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "  Demo logins: sponsor, owner, member, ops, lead, admin (and sponsor2, owner2, ...)"
	@echo "  Password for all: pilotgate-demo"
	@echo "  Stop with Ctrl-C."
	@echo
	@# Ctrl-C reaches honcho, which stops the three and exits 130: the normal way
	@# to stop, so the recipe's shell ignores the interrupt and takes 130 as success.
	trap '' INT; HOST=$(HOST) PORT=$(PORT) $(HONCHO) start --no-prefix -f Procfile || [ $$? -eq 130 ]

test: install ## Run the whole test suite (service tests skip with a reason when absent)
	$(BIN)/pytest $(PYTEST_ARGS)

# Not a test: three benchmarks (tests/bench/, run as python -m tests.bench
# ingest|reminders|dashboard; not in the Docker image) on a PostgreSQL database
# of their own (migrated first, so a fresh one works), each creating and
# deleting its scratch data; make test runs each once at a tiny size
# (tests/bench/test_benchmarks.py). ingest times the bulk reading ingest (API
# request and service) against executemany and COPY of the same rows;
# BENCH_ARGS="--rows 10000 --repeat 5 --metrics 4". reminders times the
# reminder sweep (finding, recording, the no-op re-run) on scratch portfolios
# against one SQL query finding the same reminders; REMINDER_BENCH_ARGS=
# "--pilots 10000 --small 1000 --repeat 5 --explain". dashboard times the
# portfolio dashboard (GET /portfolio/, first and filtered page, as a lead, and
# its selectors alone) against one SQL query returning the same rows, and the
# nightly recompute of every scorecard, on portfolios of 1,000 and 10,000
# pilots (4 metrics, 100 readings and 6 tasks a pilot); DASHBOARD_BENCH_ARGS=
# "--pilots 10000 --small 1000 --readings 25 --repeat 5 --recompute-repeat 3
# --page auto --explain"; add "--large 100000" for the 100,000-pilot run (opt-in:
# about 40 minutes more on 2 cores, 20 of them building 10,000,000 readings).
# Each target figure is printed next to its target, ok or MISSED.
bench: install ## Time the ingest, the reminder sweep and the dashboard; needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/pilotgate_bench make bench
	$(MANAGE) migrate --noinput
	$(BIN)/python -m tests.bench ingest $(BENCH_ARGS)
	$(BIN)/python -m tests.bench reminders $(REMINDER_BENCH_ARGS)
	$(BIN)/python -m tests.bench dashboard $(DASHBOARD_BENCH_ARGS)

# Not a test: make run with no services (SQLite, file-system broker), driven by
# every demo role at once in headless Chromium, three rounds; fails on any 5xx,
# "database is locked", Traceback or ERROR, or an unclean stop (see .ci/soak).
soak: install ## Soak the embedded default: make run under concurrent browser journeys of every role
	$(BIN)/python .ci/soak

# Not a test either: schemathesis against a live server (see .ci/fuzz); CI runs it.
fuzz: install ## Fuzz the API from its OpenAPI schema; needs PostgreSQL on 127.0.0.1:5432
	.ci/fuzz

# Not a test: the long load test (tests/load/, python -m tests.load). locust with
# LOAD_USERS (50) signed-in users of every demo role for LOAD_TIME seconds (300)
# against LOAD_HOST, or, without it, against gunicorn started as `make web` with
# the production settings on LOAD_DATABASE_URL (default: database pilotgate_load
# on 127.0.0.1, created, migrated and seeded) and CELERY_BROKER_URL. Prints
# requests/s, median, p95 and errors; fails on any error. make test runs the
# short one (tests/integration/test_load.py: 50 users, 60 s).
loadtest: install ## Load test with locust: 50 users of every role for 5 minutes; needs PostgreSQL and Redis (or LOAD_HOST)
	$(BIN)/python -m tests.load

# All four run, so one report shows every finding; any finding fails.
lint: install ## ruff, ruff format --check, the import contracts (lint-imports) and mypy
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/lint-imports || status=1; \
	$(BIN)/mypy || status=1; \
	exit $$status

format: install ## Format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrations-check: install ## Fail if a model change has no migration
	$(MANAGE) makemigrations --check --dry-run

check-deploy: install ## Django's deployment checks under production settings
	DJANGO_SETTINGS_MODULE=config.settings.production $(MANAGE) check --deploy --fail-level WARNING

# migrate and seed use .venv as it is (the Docker image has no uv): `run`
# installs first.
migrate: ## Apply the database migrations
	$(MANAGE) migrate --noinput

seed:
	$(MANAGE) seed_demo
	$(MANAGE) recompute_scorecards --history 8

# Backups of the database DATABASE_URL names (pilots/management/backups.py):
# PostgreSQL with pg_dump/pg_restore (custom format), the embedded SQLite with
# its online backup API. BACKUP_FILE chooses the file (backup: default
# var/backups/pilotgate-<UTC time>.dump or .sqlite3; restore: required).
backup: ## Back up the database to var/backups/ (or BACKUP_FILE=…)
	$(MANAGE) backup $(if $(BACKUP_FILE),--output "$(BACKUP_FILE)")

restore: ## Replace the database with BACKUP_FILE=… (asks first; RESTORE_YES=1 does not)
	@test -n "$(BACKUP_FILE)" || { echo "make restore needs BACKUP_FILE=path/to/backup" >&2; exit 2; }
	$(MANAGE) restore "$(BACKUP_FILE)" $(if $(filter 1 yes true,$(RESTORE_YES)),--yes)

# The process commands: docker-compose.yml runs these targets, and the
# Procfile (make run) the same commands, so what runs in production is what
# runs on a laptop. `exec` makes the server the recipe's process, so it
# receives the SIGTERM make passes on and stops gracefully.
# gunicorn's settings (worker class gthread, WEB_CONCURRENCY processes of
# WEB_THREADS threads, time-outs, request limits) live in config/gunicorn.conf.py,
# which the slow-client and load tests start it with too. gunicorn trusts
# forwarded headers only from FORWARDED_ALLOW_IPS (default 127.0.0.1): set it
# to your proxy's address.
web: ## gunicorn (production web process; config/gunicorn.conf.py)
	PORT=$(PORT) exec $(BIN)/gunicorn config.wsgi --config config/gunicorn.conf.py

web-dev:
	exec $(MANAGE) runserver $(HOST):$(PORT) --noreload

worker: ## Celery worker
	exec $(BIN)/celery -A config worker --loglevel=INFO --concurrency=$${WORKER_CONCURRENCY:-2}

beat: ## Celery beat (run exactly one)
	exec $(BIN)/celery -A config beat --loglevel=INFO

clean: ## Remove the environment and local data (var/)
	rm -rf $(VENV) $(TOOLS) var/*.sqlite3* var/celery-* var/celerybeat-schedule* var/soak
