# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DB ?= demo.duckdb
EVAL ?= ../shared/eval
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install demo test lint format bench bench-analyst eval train clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/mediamon --db $(DB) demo

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

eval: $(STAMP)
	$(BIN)/python evaluation/eval_real.py
	$(BIN)/python evaluation/eval_nlp.py
	$(BIN)/python evaluation/eval_extraction.py --eval-dir $(EVAL)

# rebuilds mediamon/nlp/models/stance.json from the committed labelled sets, byte for byte
train: $(STAMP)
	$(BIN)/python evaluation/train_stance.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py --eval-dir $(EVAL)

bench-analyst: $(STAMP)
	$(BIN)/python benchmarks/bench_analyst.py

clean:
	rm -rf $(VENV) $(DB) $(DB).wal .pytest_cache .mypy_cache .ruff_cache
