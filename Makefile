# IP Custody Marketplace — `make help` lists the targets.
# Everything runs from .venv, created on first use; each step is skipped when done.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Parallel test workers; CI machines have 2 cores.
TEST_WORKERS ?= auto

# $(call step,what,command): print what is being done, run it, say how long it took.
step = @printf '==> %s\n' '$(1)'; started=$$(date +%s); $(2) && printf '    done in %ss\n' $$(( $$(date +%s) - started ))

.DEFAULT_GOAL := help
.PHONY: help install messages assets migrate seed run serve test lint format bench clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml constraints.txt | $(PY)
	$(call step,Installing the pinned Python dependencies into $(VENV) (a few minutes the first time),$(PY) -m pip install --quiet --upgrade pip && $(PY) -m pip install --quiet -c constraints.txt -e '.[dev]')
	@touch $@

install: $(INSTALLED) ## Create .venv and install the pinned dependencies

# Chart.js and other browser libraries from npm (frontend/package.json); reinstalled only
# when the lock file changes. Without npm the dashboards still work, with tables only.
NODE_STAMP := frontend/node_modules/.installed

$(NODE_STAMP): frontend/package.json frontend/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd frontend && npm ci --no-audit --no-fund --loglevel=error && touch .installed-tmp && mv .installed-tmp node_modules/.installed; \
	else \
		echo "npm not found: dashboards will show tables without charts."; \
	fi

messages: install
	@mkdir -p var
	$(call step,Compiling the translations,$(BIN)/pybabel -q compile -d locale -D django && $(BIN)/pybabel -q compile -d locale -D djangojs)

# collectstatic_release skips the copy and compression when the sources are unchanged.
assets: messages $(NODE_STAMP) ## Compile translations, install npm assets and collect static files
	$(call step,Collecting static files (skipped when unchanged),$(PY) manage.py collectstatic_release --verbosity 0)

migrate: assets ## Apply database migrations
	$(call step,Applying database migrations,$(PY) manage.py migrate --noinput --verbosity 0)

seed: migrate ## Load the demo programme once (skipped when present)
	$(call step,Loading the demo programme (once; about two minutes the first time),$(PY) manage.py seed_demo --if-empty)

run: seed ## Set up everything and serve HTTP and WebSocket on http://127.0.0.1:8000
	@$(PY) manage.py demo_logins --base-url http://$(HOST):$(PORT)
	$(PY) manage.py runlocal $(HOST):$(PORT)

# Production mode: settings from the environment (DATABASE_URL, REDIS_URL, SECRET_KEY, …).
WORKERS ?= 2
serve: install $(NODE_STAMP) messages ## Serve as in production: migrate, collect static when changed, WORKERS ASGI processes, Celery worker and beat
	$(PY) manage.py serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

# Bytecode cached even where PYTHONDONTWRITEBYTECODE is set: without it every worker of every
# run compiled the project again and pytest rewrote the asserts of all 470 test modules,
# 7 of the 12 CPU seconds a worker spent collecting.
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/pytest

test: assets ## Set up and run the whole test suite (browser tests included)
	$(PYTEST) -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-fast: assets ## The suite without browser journeys and slow end-to-end runs, while working
	$(PYTEST) -n $(TEST_WORKERS) -m "not slow and not browser" $(PYTEST_ARGS)

# The three-year programme simulation (tests/simulation) with many examples; CI runs a few.
SOAK_EXAMPLES ?= 2000
.PHONY: soak
soak: assets ## Run the three-year programme simulation long (SOAK_EXAMPLES=2000) and print its figures
	SIMULATION_RANDOM=1 SIMULATION_EXAMPLES=$(SOAK_EXAMPLES) SIMULATION_PROGRESS=100 $(BIN)/pytest tests/simulation -n 0 -p no:randomly -q -s

lint: install ## ruff check, ruff format --check, the import contracts and the migrations check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run --verbosity 0

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The shared FAQ tuning data sits beside the checkout for development and CI only.
FAQ_DIR ?= ../shared/faq
FAQ_ARGS := $(if $(wildcard $(FAQ_DIR)/corpus.jsonl),--faq-corpus $(FAQ_DIR)/corpus.jsonl --faq-dev $(FAQ_DIR)/dev_questions.jsonl $(if $(wildcard $(FAQ_DIR)/dev2_questions.jsonl),--faq-dev2 $(FAQ_DIR)/dev2_questions.jsonl))

bench: migrate ## Run the benchmarks and print figures beside their baselines (BENCH_ARGS=--quick)
	$(PY) -m benchmarks $(FAQ_ARGS) $(BENCH_ARGS)

# Locust against `manage.py serve` on the scale seed, on PostgreSQL + Redis when DATABASE_URL
# and REDIS_URL are set (else SQLite, one worker); BENCH_LOAD_ARGS=--check fails on a missed target.
.PHONY: bench-load
bench-load: install ## Load-test the production stack: 50 people on the scale seed (BENCH_LOAD_ARGS=--check)
	$(PY) -m benchmarks.load $(BENCH_LOAD_ARGS)

# Kills a web worker, the Celery worker and a pool process under load on PostgreSQL + Redis and
# checks that no acknowledged write, job or e-mail was lost (BENCH_FAULTS_ARGS=--jobs 1000).
.PHONY: bench-faults
bench-faults: install ## Fault test: kill processes of `manage.py serve` under load; nothing may be lost
	$(PY) -m benchmarks.faults $(BENCH_FAULTS_ARGS)

clean: ## Remove the virtualenv and local data (database, media, static)
	rm -rf $(VENV) var
