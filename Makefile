# Hindsight: the usual targets. `make serve` and `make test` are all a fresh machine needs.
# `make serve` installs only what serving needs; `make test` (and lint, bench…) add the dev extras.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
RUNTIME := $(VENV)/.installed-runtime
DEV     := $(VENV)/.installed-dev

.PHONY: install serve demo test lint format typecheck bench clean

$(BIN)/pip:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/pip
	$(BIN)/pip install --quiet -e .
	touch $(RUNTIME)

$(DEV): pyproject.toml | $(BIN)/pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(DEV) $(RUNTIME)

install: $(DEV)

serve: $(RUNTIME)  ## the API on embedded SQLite with demo data, GraphiQL and the live panel
	$(BIN)/hindsight serve --demo --host $(HOST) --port $(PORT)

demo: $(RUNTIME)  ## (re)load the demo tenant: make demo ARGS=--reset
	$(BIN)/hindsight demo $(ARGS)

test: $(DEV)  ## the whole suite: SQLite + in-process events, PostgreSQL + Redis
	$(BIN)/pytest -q

lint: $(DEV)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: $(DEV)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

typecheck: $(DEV)
	$(BIN)/mypy src/hindsight

bench: $(DEV)
	$(BIN)/python bench/bench_calibration_curve.py
	$(BIN)/python bench/bench_outcomes.py
	$(BIN)/python bench/bench_demo.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .mypy_cache hindsight.db* hindsight.secret
