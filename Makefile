# Hindsight: the usual targets. `make serve` and `make test` are all a fresh machine needs.
# `make serve` installs only what serving needs; `make test` (and lint, bench…) add the dev extras.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
RUNTIME := $(VENV)/.installed-runtime
DEV     := $(VENV)/.installed-dev

DOCS    := $(VENV)/.installed-docs

.PHONY: install serve demo test lint format typecheck bench docs docs-serve clean

$(BIN)/pip:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/pip
	$(BIN)/pip install --quiet -e .
	touch $(RUNTIME)

$(DEV): pyproject.toml clients/python/pyproject.toml | $(BIN)/pip
	$(BIN)/pip install --quiet -e '.[dev]' -e ./clients/python  # the agent's client: tests/client
	touch $(DEV) $(RUNTIME)

$(DOCS): pyproject.toml | $(BIN)/pip
	$(BIN)/pip install --quiet -e '.[docs]'
	touch $(DOCS) $(RUNTIME)

install: $(DEV)

serve: $(RUNTIME)  ## the API on embedded SQLite with demo data, GraphiQL and the live panel
	$(BIN)/hindsight serve --demo --host $(HOST) --port $(PORT)

demo: $(RUNTIME)  ## (re)load the demo tenant: make demo ARGS=--reset
	$(BIN)/hindsight demo $(ARGS)

test: $(DEV)  ## the whole suite: SQLite + in-process events, PostgreSQL + Redis
	$(BIN)/pytest -q

lint: $(DEV)
	$(BIN)/ruff check src tests bench clients
	$(BIN)/ruff format --check src tests bench clients

format: $(DEV)
	$(BIN)/ruff format src tests bench clients
	$(BIN)/ruff check --fix src tests bench clients

typecheck: $(DEV)
	$(BIN)/mypy src/hindsight
	$(BIN)/mypy --config-file clients/python/pyproject.toml clients/python/src  # strict

bench: $(DEV)  ## the quick ones; each bench-* target below runs one, with ARGS="…" passed on
	$(BIN)/python bench/bench_calibration_curve.py
	$(BIN)/python bench/bench_outcomes.py
	$(BIN)/python bench/bench_demo.py

# One target per benchmark (docs/benchmarks.md: what each measures, its figures, its needs).
BENCHES := calibration-curve outcomes demo limits dashboards calibrated-confidence live \
           hot-paths analyze
.PHONY: $(addprefix bench-,$(BENCHES)) bench-convergence
$(addprefix bench-,$(BENCHES)): bench-%: $(DEV)
	$(BIN)/python bench/bench_$(subst -,_,$*).py $(ARGS)
bench-convergence: $(DEV)
	$(BIN)/python bench/calibration_convergence.py $(ARGS)

docs: $(DOCS)  ## the documentation site in site/ (the GraphQL reference generated from schema.graphql)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-serve: $(DOCS)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

clean:
	rm -rf $(VENV) site *.egg-info .pytest_cache .ruff_cache .mypy_cache hindsight.db* hindsight.secret
