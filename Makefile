# Orion: the two commands are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]' -c constraints.txt
	touch $(STAMP)

install: $(STAMP)

## make run: migrate, load the catalog and demo data, start web + worker + BroadWorks emulator
run: $(STAMP)
	ORION_DEMO=1 $(BIN)/orion setup
	ORION_DEMO=1 $(BIN)/orion run

## make test: lint, then every test (unit, integration, browser) on a real PostgreSQL
test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy src
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy src

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var/pgdata
