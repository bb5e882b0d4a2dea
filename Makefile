# policyflow — the two commands of the quick start are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 5000

.PHONY: setup run stack test lint typecheck bench clean

NODE_STAMP := node_modules/.installed

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

# bpmn-js for the diagrams comes from npm, pinned by package-lock.json, never committed;
# `npm run build` bundles bpmnlint and the modeler (bpmn-js with bpmn-js-properties-panel and
# web/static/modeler_panel/) into node_modules/.policyflow/.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

LINT_BUNDLE := node_modules/.policyflow/bpmnlint.js
MODELER_BUNDLE := node_modules/.policyflow/modeler.js
$(LINT_BUNDLE) $(MODELER_BUNDLE) &: $(NODE_STAMP) web/static/lint/entry.js web/static/lint/config.js \
		$(wildcard web/static/modeler_panel/*.js)
	npm run build --silent

# Gettext catalogs (web/translations): Vietnamese is the source language, its strings the
# msgids; the compiled .mo files are built here from the .po files, never committed.
BABEL_KEYWORDS := -k _n:1,1 -k Nn_:1,1
POT            := web/translations/messages.pot
MO_FILES       := $(patsubst %.po,%.mo,$(wildcard web/translations/*/LC_MESSAGES/messages.po))
.PHONY: babel-extract babel-update babel-compile

%/LC_MESSAGES/messages.mo: %/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

## make babel-extract: every UI string (templates, _() and _n() in web/, the engine's N_()
## and Nn_() templates) into messages.pot; babel-update merges it into each .po.
babel-extract: $(STAMP)
	$(BIN)/pybabel extract -F web/babel.cfg $(BABEL_KEYWORDS) --sort-output \
		--add-location=file --ignore-dirs=".* ._ __pycache__ static" --project=policyflow \
		-o $(POT) engine web

babel-update: babel-extract
	$(BIN)/pybabel update -i $(POT) -d web/translations

babel-compile: $(STAMP)
	$(BIN)/pybabel compile --statistics -d web/translations

setup: $(STAMP) $(NODE_STAMP) $(LINT_BUNDLE) $(MODELER_BUNDLE) $(MO_FILES)

## make run: venv, migrate the embedded SQLite database, seed the demo, deploy, serve the UI;
## the banner (where to go, who to log in as) once gunicorn listens (Procfile.embedded: ready).
run: setup .secret_key
	$(BIN)/policyflow db upgrade
	$(BIN)/policyflow seed-demo
	$(BIN)/policyflow deploy workflows/*.bpmn --as chu_quy_trinh
	SECRET_KEY=$$(cat .secret_key) PATH=$(CURDIR)/$(BIN):$$PATH PORT=$(PORT) WEB_PORT=$(PORT) \
		$(BIN)/honcho -f Procfile.embedded start -p $(PORT)

## make stack: the production shape without Docker (Procfile): web, Celery worker and beat.
## Needs DATABASE_URL (PostgreSQL) and REDIS_URL; more workers: WORKER_ID=2 honcho start worker.
stack: setup .secret_key
	$(BIN)/policyflow db upgrade
	$(BIN)/policyflow seed-demo
	$(BIN)/policyflow deploy workflows/*.bpmn --as chu_quy_trinh
	SECRET_KEY=$$(cat .secret_key) PATH=$(CURDIR)/$(BIN):$$PATH PORT=$(PORT) \
		$(BIN)/honcho -f Procfile start -p $(PORT)

# One key for all workers and restarts, so sessions survive both; never committed.
.secret_key:
	$(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > .secret_key

# Tests run in parallel (pytest-xdist, one worker per core; each worker has its own SQLite
# file and PostgreSQL database) but for those that start servers, workers and Chromium and
# wait on real time: those run afterwards, one at a time. Markers come from the folder.
PYTEST := $(BIN)/python -m pytest -q
XDIST  ?= -n auto --dist worksteal
SERIAL := background or browser
.PHONY: test-fast

## make test: the whole suite (PostgreSQL too when DATABASE_URL points at one).
test: setup
	$(BIN)/ruff check .
	$(PYTEST) $(XDIST) -m "not ($(SERIAL))"
	$(PYTEST) -m "$(SERIAL)"

## make test-fast: ruff, then the engine, web, API and CLI tests on SQLite only, in parallel.
test-fast: setup
	$(BIN)/ruff check .
	DATABASE_URL= $(PYTEST) $(XDIST) -m "not ($(SERIAL))"

lint: setup typecheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check engine cli tests bench

## make typecheck: mypy over engine/, web/, tasks/, cli/ (settings in pyproject.toml).
typecheck: setup
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) policyflow.db policyflow.db-* var
