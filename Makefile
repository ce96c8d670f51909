# The README's commands. A fresh machine needs only Python 3.11 (and apt for `make` itself).
PYTHON ?= python3
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
MLOPS := $(VENV)/bin/mlops
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo prepare serve test lint bench stop clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

# Installs exactly what uv.lock says (fails rather than re-resolving).
install: $(UV)
	$(UV) sync --frozen

# Everything up to a promoted model: local stack, data, Feast apply, materialization, training.
prepare: install
	$(MLOPS) stack up
	$(MLOPS) data generate
	$(VENV)/bin/feast apply
	$(MLOPS) materialize run --backfill-days 31
	$(MLOPS) train --promote

# The quick start: prepare, then serve on $(HOST):$(PORT) and print a few real predictions.
demo: prepare
	$(MLOPS) serve --host $(HOST) --port $(PORT) --show-examples

serve: install
	$(MLOPS) serve --host $(HOST) --port $(PORT)

test: install
	$(VENV)/bin/python -m pytest

PACKAGES := core stack feature_repo upstream materialization registry training inference monitoring pipeline mlops

# Style, types, the layer contract (pyproject.toml [tool.importlinter]) and module size.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	@find $(PACKAGES) tests bench -name '*.py' -exec wc -l {} + | \
		awk '$$2 != "total" && $$1 > 300 {print "module over 300 lines: " $$2 " (" $$1 ")"; bad = 1} END {exit bad}'

bench: install
	$(VENV)/bin/python bench/predict_latency.py

# Issue 12's tables (bench/README.md): batch of 100, CLI start-up (direct and over a tracking
# server) and drift at 1M x 50 columns (Parquet and CSV) against their peers/floors.
.PHONY: bench-batch bench-cli bench-drift
bench-batch: install
	$(VENV)/bin/python bench/batch_latency.py --batch 100 --calls 3000
bench-cli: install
	$(VENV)/bin/python bench/cli_startup.py --runs 3 --tracking-server
bench-drift: install
	$(VENV)/bin/python bench/drift_speed.py --rows 1000000 --csv

# Issue 12, materialization: mlops materialize run (direct engine) against feast materialize, 5.27M rows.
.PHONY: bench-materialize
bench-materialize: install
	$(VENV)/bin/python bench/materialize_throughput.py --customers 100000 --days 60 --short-days 15 --repeats 3

# Issue 13: POST /push rows/s against feast serve's /push (batch 1/100/1000, c=1/8), own throwaway stack.
.PHONY: bench-push
bench-push: install
	$(VENV)/bin/python bench/push_throughput.py --rows 20000 --batch 1 100 1000 --concurrency 1 8

# Issue 13: mlops stream run's event-to-online lag at a steady 1,000 events/s, its drain rate, and feast serve's /push per event.
.PHONY: bench-stream
bench-stream: install
	$(VENV)/bin/python bench/stream_lag.py --rate 1000 --seconds 30 --drain-events 50000

# Stops only the redis-server that `mlops stack up` started.
stop:
	$(MLOPS) stack down

clean: stop
	rm -rf data

# Regenerates docs/configuration.md and docs/cli.md from the settings classes and the Typer app
# (tests/mlops/test_reference_docs.py fails when they are stale).
.PHONY: docs
docs: install
	$(VENV)/bin/python -m mlops.reference_docs
