# Hindsight: the usual targets. `make serve` and `make test` are all a fresh machine needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install serve test lint format typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

serve: $(STAMP)  ## the API on embedded SQLite with demo data and GraphiQL
	$(BIN)/hindsight serve --demo

test: $(STAMP)  ## the whole suite: SQLite + in-process events, PostgreSQL + Redis
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy src/hindsight/domain

bench: $(STAMP)
	$(BIN)/python bench/bench_calibration_curve.py
	$(BIN)/python bench/bench_outcomes.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .mypy_cache hindsight.db*
