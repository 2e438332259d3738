# basecamp-connect — `make run` and `make test` work on a fresh machine: they create .venv,
# install the locked dependencies (requirements.lock), and go.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
CONNECT_HOST ?= 0.0.0.0
CONNECT_PORT ?= 5001
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install dev-install run run-dev run-prod worker test test-fast test-slow check lint \
        lint-fix format type-check check-all bench db-init db-upgrade db-reset lock clean \
        docker-build docker-run

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed (found %s); set PYTHON=python3.11" % sys.version.split()[0])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "make: npm is needed for the test fixtures (@octokit/webhooks-examples): install Node.js and npm (apt-get install npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund --silent
	@touch $@

install: $(VENV)/.installed ## create .venv and install the locked dependencies

dev-install: install node_modules/.installed ## install, plus the npm test fixtures

run: install ## set up and run the service (SQLite by default): python app.py
	$(PY) app.py

run-dev: install ## run with debug logging
	CONNECT_DEBUG=true CONNECT_LOG_LEVEL=DEBUG $(PY) app.py

run-prod: install ## migrate, then serve with gunicorn (2 gthread workers, metrics of both)
	$(PY) app.py db upgrade
	$(BIN)/gunicorn -c gunicorn.conf.py --workers 2 --worker-class gthread --threads 8 \
	  --bind $(CONNECT_HOST):$(CONNECT_PORT) --access-logfile - 'app:create_app()'

worker: install ## run a delivery worker only
	$(PY) app.py worker

test: dev-install ## set up and run the whole suite (SQLite, PostgreSQL, MariaDB)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: dev-install ## the suite without the slow scale/fault tests
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

test-slow: dev-install ## only the slow scale/fault tests
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

check: install ## ruff (lint + format check), pyright and the import-linter layer contracts
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pyright
	$(BIN)/lint-imports

lint: check

lint-fix: install ## fix what ruff can and format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

format: lint-fix

type-check: install ## pyright only
	$(BIN)/pyright

check-all: check test ## checks and the whole suite

bench: dev-install ## benchmarks: prints a table of figures
	$(PY) bench/run.py

IMAGE ?= basecamp-connect:latest

docker-build: ## build the image (Dockerfile: python:3.11-slim, gunicorn, non-root)
	docker build --tag $(IMAGE) .

docker-run: ## PostgreSQL 15, migrations, web and two workers (compose.yaml; secrets from .env)
	docker compose up --build

db-init: install ## create or migrate the schema of DATABASE_URL
	$(PY) app.py db upgrade

db-upgrade: db-init

db-reset: install ## drop every table of DATABASE_URL and recreate them (destroys data)
	$(PY) app.py db downgrade base
	$(PY) app.py db upgrade

lock: install ## re-resolve requirements.lock from pyproject.toml
	$(PY) -m uv pip compile pyproject.toml --extra dev -o requirements.lock --python-version 3.11

clean: ## remove .venv, node_modules and caches
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
