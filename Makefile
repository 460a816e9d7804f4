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
TEST_WORKERS ?= $(shell nproc)  # test files run in parallel (pytest-xdist): one worker per core
# the dashboard answers this machine only, unless the county opens it (e.g. 0.0.0.0 behind its HTTPS proxy)
DASHBOARD_ADDRESS ?= 127.0.0.1
# apt needs root: sudo when make is not run as root
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
RUN_JOB := $(BIN)/dagster job execute -m dagster_project.definitions -j kcbx_nightly
# KCBX_ENGINE=spark: dbt builds the models on Apache Spark, which make spark installs first
ENGINE_PREREQ := $(if $(filter spark,$(KCBX_ENGINE)),spark)

.PHONY: help setup sample manifest pipeline rebuild forget accept sql dashboard bench-pages demo dev lint browser postgres lint-spark spark spark-compare spark-equivalence test bench clean

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

pipeline: sample manifest $(ENGINE_PREREQ) $(DAGSTER_HOME)/dagster.yaml  ## run the nightly job once (new and changed files only)
	@echo "== pipeline: dagster job kcbx_nightly (land new files → check → dbt build$(if $(ENGINE_PREREQ), on Spark) → publish)"
	@start=$$(date +%s); echo "$(RUN_JOB)"; $(RUN_JOB) || { $(PY) -m dagster_project.summary --failed-since $$start; exit 1; }
	@$(PY) -m dagster_project.summary

rebuild: sample manifest $(ENGINE_PREREQ) $(DAGSTER_HOME)/dagster.yaml  ## reload every file and rebuild every model from scratch
	@echo "== rebuild: dagster job kcbx_nightly with KCBX_FULL_REFRESH=1 (every file, every model)"
	@start=$$(date +%s); echo "KCBX_FULL_REFRESH=1 $(RUN_JOB)"; KCBX_FULL_REFRESH=1 $(RUN_JOB) || { $(PY) -m dagster_project.summary --failed-since $$start; exit 1; }
	@$(PY) -m dagster_project.summary

forget: setup  ## delete the rows of a loaded file that is gone from the raw folder: make forget FILE=attendance/考勤_202512.csv
	@$(PY) -m dagster_project.ingest.decisions forget "$(FILE)"

accept: setup  ## load a delivery known to be much smaller than the one before: make accept FILE=student_status/学籍_20260215.csv
	@$(PY) -m dagster_project.ingest.decisions accept "$(FILE)"

sql: setup  ## open the published warehouse read-only in the DuckDB shell
	@# the duckdb-cli wheel carries the official 1.4.4 binary, installed without its executable bit
	@test -x $(BIN)/duckdb || { $(PY) -m pip install -q -c requirements.lock duckdb-cli && chmod +x $(BIN)/duckdb; }
	$(BIN)/duckdb -readonly $(KCBX_WAREHOUSE)

dashboard: setup  ## serve the dashboard on http://localhost:$(PORT)
	@echo "== dashboard: http://$(DASHBOARD_ADDRESS):$(PORT)  (Ctrl-C to stop)"
	$(BIN)/streamlit run dashboards/app.py --server.port $(PORT) --server.address $(DASHBOARD_ADDRESS)

bench-pages: setup browser  ## page-load times of every dashboard page in headless Chromium → data/bench/pages.md
	$(PY) -m dashboards.bench --out data/bench/pages.md

demo: pipeline dashboard  ## set up, generate the sample, run the pipeline, serve the dashboard

dev: manifest $(DAGSTER_HOME)/dagster.yaml  ## the Dagster UI on http://localhost:3000
	$(BIN)/dagster dev -m dagster_project.definitions

lint: setup  ## ruff and sqlfluff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt/models dbt/macros dbt/tests --disable-progress-bar --processes 0

lint-spark: setup  ## sqlfluff with Spark's dialect on the same models (a few minutes; the unit test checks portability fast)
	$(BIN)/sqlfluff lint dbt/models dbt/macros dbt/tests --dialect sparksql --disable-progress-bar

browser:  ## Debian's Chromium and CJK fonts for the browser test and the page benchmark (apt, once)
	@command -v chromium >/dev/null || [ -n "$$KCBX_CHROMIUM" ] || { \
		echo "== browser: installing chromium and fonts-noto-cjk (apt)"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; }

postgres:  ## Debian's PostgreSQL for the case-work store tests (apt, once; the tests start a throw-away cluster)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "== postgres: installing postgresql (apt)"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql || \
		echo "== postgres: PostgreSQL could not be installed: its store tests will be skipped, saying so"; }

spark: setup  ## Java (apt, once) and pyspark + dbt-spark in .venv: the dbt project on Apache Spark
	@command -v java >/dev/null || { \
		echo "== spark: installing Java (apt default-jre-headless)"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; }
	@$(PY) -c "import pyspark, dbt.adapters.spark" 2>/dev/null || { \
		echo "== spark: installing pyspark and dbt-spark (the spark extra, about two minutes)"; \
		$(PY) -m pip install -q -c requirements.lock -e '.[dev,spark]'; }

spark-compare: spark  ## build the published county's marts again on Spark (local[*]) and compare them with DuckDB's
	$(PY) -m dagster_project.spark --build-db $(KCBX_BUILD_DB) --warehouse $(KCBX_WAREHOUSE) \
		--raw-dir $(KCBX_RAW_DIR) --spark-dir data/spark

spark-equivalence: spark manifest  ## a small county on DuckDB and on Spark through the real job, full and incremental: every mart identical (minutes)
	$(BIN)/pytest -o addopts=-ra tests/spark

test: setup manifest lint browser postgres  ## lint, then all tests (unit, dbt, end-to-end pipeline, dashboard), TEST_WORKERS files at once
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

# the a-spark scale builds the default county on Spark: make spark first
BENCH_PREREQ := $(if $(or $(filter a-spark,$(BENCH_SCALES)),$(if $(BENCH_SCALES),,all)),spark)
bench: manifest browser $(BENCH_PREREQ)  ## the pipeline beside the floor and the pandas peer at four scales, and the default county on Spark, into BENCHMARKS.md (about 90 min; BENCH_SCALES="small a" for some)
	$(PY) -m bench $(BENCH_SCALES)

clean:  ## remove build outputs (keeps data/raw)
	rm -rf data/build data/warehouse.duckdb data/dagster_home dbt/target dbt/logs
