# qaweb: the two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench install install-dev lint format assets db-upgrade demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

db-upgrade: install
	$(FLASK) db upgrade

demo: db-upgrade
	$(FLASK) seed demo --if-empty

## The app on the embedded SQLite database, demo council loaded, sign-ins printed, with the
## email sender and the background-jobs worker running beside it (development mail is
## written to instance/mail/, finished jobs' files to instance/jobs/).
run: export QAWEB_BASE_URL ?= http://$(HOST):$(PORT)
run: demo
	$(FLASK) notify worker & worker=$$!; $(FLASK) jobs worker & jobs=$$!; \
		trap 'kill $$worker $$jobs 2>/dev/null' EXIT INT TERM; \
		$(FLASK) run --host $(HOST) --port $(PORT)

## The whole suite (SQLite; PostgreSQL too when QAWEB_TEST_DATABASE_URL is set; browser lane
## when Debian's chromium is installed), on one pytest-xdist worker per core
## (TEST_WORKERS=0 runs it in one process).
TEST_WORKERS ?= auto
test: install-dev
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## The large-council benchmark (not part of `make test`): every page, report and export at
## scale 50 on SQLite (and PostgreSQL when QAWEB_TEST_DATABASE_URL is set), then a load run.
## Prints the table and writes build/bench.json. See "Scale and benchmarks" in README.md.
bench: install-dev
	$(BIN)/python tests/bench/run.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Rebuild the vendored GOV.UK Frontend and htmx files in static/ (needs Node and npm).
assets:
	npm install --no-audit --no-fund
	mkdir -p static/govuk static/htmx
	./node_modules/.bin/sass --pkg-importer=node --style=compressed --no-source-map --no-error-css \
		assets/qaweb.scss static/qaweb.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/govuk/
	cp node_modules/htmx.org/dist/htmx.min.js static/htmx/

clean:
	rm -rf $(VENV) build .pytest_cache
