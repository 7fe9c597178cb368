# The two commands: `make run` (the application, with demo data) and `make test` (every check).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

# Tests talk to the real services; override either variable to point elsewhere.
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/sop)
TEST_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/15)

.PHONY: install run test lint typecheck pytest services bench loadtest faultdrill messages clean deploy-check

$(STAMP): pyproject.toml constraints.txt package.json package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@# Chart.js for the pages' charts, from the npm registry (package-lock.json pins it).
	command -v npm >/dev/null || bash .ci/services node
	npm ci --omit=dev --no-audit --no-fund --loglevel=error
	touch $(STAMP)

install: $(STAMP)

# Runs on SQLite with in-process recompute unless DATABASE_URL / REDIS_URL are set, in which
# case it uses them and also starts a Celery worker (with the beat scheduler for the sweep).
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Open http://127.0.0.1:$(PORT)/ and sign in as director, sales, production, procurement, finance, ceo, admin, director2 or sales2 (password: demo)."
	@# Links in notification e-mails point at this server unless SOP_SITE_URL says otherwise.
	@export SOP_SITE_URL="$${SOP_SITE_URL:-http://127.0.0.1:$(PORT)}"; \
	trap 'kill 0' INT TERM EXIT; \
	if [ -n "$$REDIS_URL" ]; then \
	  $(BIN)/celery -A sop_project worker --beat --schedule=$(VENV)/celerybeat-schedule \
	    --loglevel=info --concurrency=2 & \
	else \
	  echo "REDIS_URL is not set: the balance analysis is recomputed in-process."; \
	fi; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

services:
	bash .ci/services

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy .

# Two pytest processes (pytest-xdist), each with a test database and a Redis database of its own
# (tests/parallel.py); work-stealing evens out the few long tests. PYTEST_WORKERS=0 runs one.
PYTEST_WORKERS ?= 2
pytest: install services
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest \
	  $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist worksteal) $(PYTEST_ARGS)

test: lint typecheck pytest

# Django's deployment checklist, failing on any warning, with the documented production
# environment (docker/production.env.example) and a throwaway generated SECRET_KEY.
deploy-check: install
	@set -a && . docker/production.env.example && set +a && \
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

bench: install
	$(BIN)/python manage.py sop_bench

# The meeting week under load (locust, headless, loopback only) against gunicorn, PostgreSQL (a
# scratch database, dropped afterwards), a Celery worker and beat, then checks that no
# acknowledged edit was lost and every analysis is fresh and exact; JSON in test-artifacts/.
LOAD_USERS ?= 50
LOAD_SECONDS ?= 60
FAULT_SECONDS ?= 150
LOAD_STAMP := $(VENV)/.load-stamp

$(LOAD_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,load]'
	touch $(LOAD_STAMP)

loadtest: $(LOAD_STAMP) services
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m tests.load.run \
	  --users $(LOAD_USERS) --duration $(LOAD_SECONDS) $(LOAD_ARGS)

# The same, with faults meanwhile: worker SIGKILL, its private Redis down and back, the
# database connections terminated; reports the time to fresh after each.
faultdrill: $(LOAD_STAMP) services
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m tests.load.run --faults \
	  --users $(LOAD_USERS) --duration $(FAULT_SECONDS) $(LOAD_ARGS)

messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache staticfiles test-artifacts
