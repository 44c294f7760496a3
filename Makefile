# nozei — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= var
DEMO_TAXPAYERS ?= 2000

.PHONY: run test test-fast e2e venv demo clean-demo bench bench-quick reliability

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## make run: build the environment and a demo database on first use, then start the TUI.
run: $(STAMP)
	@test -f $(DATA)/nozei.db || $(BIN)/nozei demo --data-dir $(DATA) --taxpayers $(DEMO_TAXPAYERS)
	$(BIN)/nozei --data-dir $(DATA)

## make test: the whole suite (SQLite; PostgreSQL too when NOZEI_TEST_PG_URL is set).
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

## make e2e: only the end-to-end test that drives the real `nozei` in tmux (~25 s; also part of `make test`).
e2e: $(STAMP)
	$(BIN)/python -m pytest -q -m e2e tests/tui/test_e2e_tmux.py

## make reliability: the long form of tests/reliability and tests/security (50 SIGKILLs per
## operation, 10,000 hypothesis examples per parser, 8 worker processes for 60 s on each
## database); the fuzz example counts go to docs/fuzz-counts.md. The short form runs in `make test`.
reliability: $(STAMP)
	NOZEI_RELIABILITY=full NOZEI_FUZZ_REPORT=docs/fuzz-counts.md $(BIN)/python -m pytest -q -rP -n 2 --dist loadfile \
		tests/reliability tests/security

## make bench: the benchmarks at 1,000,000 taxpayers on SQLite and PostgreSQL (hours; the datasets are
## built once by `nozei demo` and cached in bench/cache/). make bench-quick: the same at 100,000.
## Both write bench/results/<scale>.json and the tables of bench/RESULTS.md.
bench: $(STAMP)
	$(BIN)/python -m bench.run --scale full

bench-quick: $(STAMP)
	$(BIN)/python -m bench.run --scale quick

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -x

demo: $(STAMP)
	$(BIN)/nozei demo --data-dir $(DATA) --taxpayers $(DEMO_TAXPAYERS)

clean-demo:
	rm -rf $(DATA)
