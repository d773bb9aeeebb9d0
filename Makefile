# hotelreviews — developer entry points. `make` (or `make help`) lists them.
#
#   make run     set up and start the platform on SQLite with demo data
#   make test    install what the tests need and run the whole suite
#   make lock    re-create requirements/*.lock from pyproject.toml (docs/deployment.md)
#
# Variables: PORT (8000), HOST (127.0.0.1), PYTEST_ARGS, TEST_WORKERS (3), BENCH_ARGS,
#            HOTELREVIEWS_DATA_DIR (environment; default var), HOTELREVIEWS_WORKER_SOURCES
#            (environment; for `make run`, default <data dir>/inbox).

SHELL := /bin/bash
.DEFAULT_GOAL := help
.NOTPARALLEL:

VENV        := .venv
BIN         := $(VENV)/bin
PORT        ?= 8000
HOST        ?= 127.0.0.1
PYTEST_ARGS ?=
# Test worker processes (pytest-xdist); 0 runs the suite in this process.
TEST_WORKERS ?= 3
# The slowest tests listed at the end of a run (where CI's time goes); 0 lists all.
TEST_DURATIONS ?= 30
BENCH_ARGS  ?=
# uv options for `make lock`, e.g. --upgrade or '--upgrade-package fastapi'.
LOCK_ARGS   ?=
LINT_PATHS  := $(wildcard src tests bench)

.PHONY: help venv lock system-packages node-packages test-tools run test lint fmt bench clean \
	kubernetes-rules aws-synth aws-cost capacity

help: ## List the targets
	@echo "Usage: make <target> [PORT=8000] [PYTEST_ARGS=...]"
	@echo
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "} {printf "  %-16s %s\n", $$1, $$2}'
	@# The package list comes from the script that installs them: never a copy here.
	@echo
	@echo "System packages the tests need (Debian names; 'make test' installs them):"
	@echo "  $$(bash scripts/ensure-system-packages.sh --list)"
	@echo "and for 'make bench': $$(bash scripts/ensure-system-packages.sh --list-bench)"

venv: ## Create/refresh .venv from requirements/dev.lock
	@bash scripts/bootstrap-venv.sh

lock: venv ## Re-create requirements/*.lock (LOCK_ARGS=--upgrade to move)
	@bash scripts/update-locks.sh $(LOCK_ARGS)

system-packages: ## Install the system packages the tests need (listed below)
	@bash scripts/ensure-system-packages.sh

node-packages: system-packages ## Install the npm packages (web pages, tests; locked)
	@bash scripts/ensure-node-packages.sh

test-tools: venv ## Install checkov in .venv/tools/checkov (locked)
	@bash scripts/ensure-checkov.sh

run: venv ## Migrate, load demo data (first run only), serve on HOST:PORT
	@# The web pages' libraries (uPlot) come from npm: says what to install without node.
	@bash scripts/ensure-node-packages.sh --web
	$(BIN)/hotelreviews migrate upgrade
	@data_dir="$${HOTELREVIEWS_DATA_DIR:-var}"; stamp="$$data_dir/.demo-ingested"; \
	if [ ! -e "$$stamp" ]; then \
		echo "==> first run: generating and ingesting demo data"; \
		$(BIN)/hotelreviews demo --ingest --no-intelligence && mkdir -p "$$data_dir" && touch "$$stamp"; \
	else \
		echo "==> demo data already ingested ($$stamp)"; \
	fi
	@# The API queues local files only from a folder the workers poll: give it one (README).
	@inbox="$${HOTELREVIEWS_DATA_DIR:-var}/inbox"; mkdir -p "$$inbox"; \
	HOTELREVIEWS_WORKER_SOURCES="$${HOTELREVIEWS_WORKER_SOURCES:-$$(cd "$$inbox" && pwd)}" \
	$(BIN)/hotelreviews serve --host $(HOST) --port $(PORT)

test: system-packages node-packages venv test-tools ## Run the whole test suite (PYTEST_ARGS=... to narrow it)
	@rc=0; $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup \
		--durations=$(TEST_DURATIONS) $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then \
		echo "ERROR: pytest collected no tests (exit code 5); treating that as a failure." >&2; \
	fi; \
	exit $$rc

lint: venv ## ruff check, ruff format --check, import layers (lint-imports)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	PYTHONPATH=src $(BIN)/lint-imports --no-logo

fmt: venv ## Auto-fix lint findings and format the code
	$(BIN)/ruff check --fix $(LINT_PATHS)
	$(BIN)/ruff format $(LINT_PATHS)

bench: venv ## Benchmarks: bench/ingest.py then bench/api.py (needs wrk)
	@bash scripts/ensure-system-packages.sh --bench
	$(BIN)/python bench/ingest.py $(BENCH_ARGS)
	$(BIN)/python bench/api.py $(BENCH_ARGS)

kubernetes-rules: venv ## Regenerate deploy/k8s PrometheusRule from deploy/monitoring
	$(BIN)/python scripts/generate_prometheus_rule.py

aws-synth: node-packages venv ## cdk synth every AWS stack into deploy/aws/cdk.out
	cd deploy/aws && PATH="$(CURDIR)/$(VENV)/bin:$$PATH" \
		JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=18,20 ./node_modules/.bin/cdk synth --no-notices --quiet

aws-cost: venv ## Rewrite the cost table in docs/deployment.md
	cd deploy/aws && JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=18,20 \
		"$(CURDIR)/$(BIN)/python" -m cost --write-docs

capacity: venv ## Rewrite the capacity plan in docs/capacity.md
	cd deploy/aws && JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=18,20 \
		"$(CURDIR)/$(BIN)/python" -m cost.capacity --write-docs

clean: ## Remove .venv, var/ and caches (never tracked files)
	rm -rf $(VENV) var build dist bench/out .pytest_cache .ruff_cache .hypothesis \
		.import_linter_cache .grimp_cache
	find . -path ./.git -prune -o \( -name __pycache__ -o -name '*.egg-info' \) -type d -prune \
		-exec rm -rf {} +
