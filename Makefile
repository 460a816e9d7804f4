# 控辍保学 warehouse. `make demo` sets up, generates the sample county, runs the pipeline and
# serves the dashboard; `make test` runs every check and test.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home
export KCBX_RAW_DIR ?= $(CURDIR)/data/raw
export KCBX_WAREHOUSE ?= $(CURDIR)/data/warehouse.duckdb
export KCBX_BUILD_DB ?= $(CURDIR)/data/build/warehouse.duckdb
PORT ?= 8501

.PHONY: help setup sample manifest pipeline dashboard bench-pages demo dev lint test clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

setup: $(VENV)/.installed  ## create .venv with pinned packages

$(VENV)/.installed: pyproject.toml requirements.lock
	@echo "== setup: creating $(VENV) and installing pinned packages (about a minute)"
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e '.[dev]'
	@touch $@

sample: setup  ## generate the synthetic sample county into data/raw if it holds no extracts
	@if [ -z "$$(find $(KCBX_RAW_DIR) -mindepth 2 -type f 2>/dev/null | head -1)" ]; then \
		echo "== sample: generating the synthetic county into $(KCBX_RAW_DIR)"; \
		$(PY) -m samplegen --raw $(KCBX_RAW_DIR) --truth data/truth --force; \
	else echo "== sample: $(KCBX_RAW_DIR) already holds extracts, not generating"; fi

manifest: setup  ## parse the dbt project (Dagster reads target/manifest.json)
	@cd dbt && ../$(BIN)/dbt parse --profiles-dir . --quiet

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	@mkdir -p $(DAGSTER_HOME) && cp dagster.yaml $@

pipeline: sample manifest $(DAGSTER_HOME)/dagster.yaml  ## run the nightly job once, from the command line
	@echo "== pipeline: dagster job kcbx_nightly (land → check → dbt build → publish)"
	$(BIN)/dagster job execute -m dagster_project.definitions -j kcbx_nightly
	@$(PY) -m dagster_project.summary

dashboard: setup  ## serve the dashboard on http://localhost:$(PORT)
	@echo "== dashboard: http://localhost:$(PORT)  (Ctrl-C to stop)"
	$(BIN)/streamlit run dashboards/app.py --server.port $(PORT)

bench-pages: setup  ## page-load times of every dashboard page in headless Chromium → data/bench/pages.md
	$(PY) -m dashboards.bench --out data/bench/pages.md

demo: pipeline dashboard  ## set up, generate the sample, run the pipeline, serve the dashboard

dev: manifest $(DAGSTER_HOME)/dagster.yaml  ## the Dagster UI on http://localhost:3000
	$(BIN)/dagster dev -m dagster_project.definitions

lint: setup  ## ruff and sqlfluff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt/models dbt/macros dbt/tests --disable-progress-bar

test: setup manifest lint  ## lint, then all tests (unit, dbt, end-to-end pipeline, dashboard)
	$(BIN)/pytest

clean:  ## remove build outputs (keeps data/raw)
	rm -rf data/build data/warehouse.duckdb data/dagster_home dbt/target dbt/logs
