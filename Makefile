# make run  — install, create the demo county in SQLite (first run), serve on 127.0.0.1:$(PORT)
#             (plain HTTP on loopback, so the session cookie is not marked Secure there)
# make test — install with test extras and run every test (PostgreSQL run too when reachable)
# make bench — install, then print the quality-bar figures beside bare SpiffWorkflow
# make smoke — a PostgreSQL-backed gunicorn started as deploy/ says, checked over HTTP
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
export FLASK_APP := app

.PHONY: install assets run worker test test-postgres smoke lint translations clean bench bench-scale

install: $(VENV)/.installed translations assets

# bpmn-js from the npm registry, copied into the app's static folder: served by the app
# itself, never from a CDN. axe-core (a dev dependency) stays in node_modules: only the
# accessibility browser tests inject it, the app never serves it.
VENDOR := src/app/static/vendor
assets: $(VENDOR)/.installed

$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p $(VENDOR)/bpmn-js
	cp node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js \
	   node_modules/bpmn-js/dist/bpmn-modeler.production.min.js $(VENDOR)/bpmn-js/
	cp -r node_modules/bpmn-js/dist/assets $(VENDOR)/bpmn-js/
	touch $@

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile --use-fuzzy -d src/app/translations -f >/dev/null 2>&1 || \
	  $(VENV)/bin/pybabel compile -d src/app/translations

# The worker (escalations, e-mail, digests, scheduled rounds) runs beside the web server
# and is stopped with it (a background job of a script ignores Ctrl-C by itself).
run: install
	$(VENV)/bin/flask --app app init-db --demo
	$(VENV)/bin/flask --app app worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  SESSION_COOKIE_SECURE=0 $(VENV)/bin/flask --app app run --host 127.0.0.1 --port $(PORT)

worker: install
	$(VENV)/bin/flask --app app worker

# The suite is CPU-bound: one pytest-xdist worker per core (2 on this machine kind),
# sharing the run's template database, built once by the first to need it
# (tests/database_copies.py); worksteal hands a worker that ran dry the other's waiting
# tests, so one long browser walk does not hold up the end.
TEST_WORKERS ?= 2
PYTEST := $(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal

PG_REACHABLE = $(PY) -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null

# The browser tests drive pages, not SQL: they run once, in the PostgreSQL pass (the
# production database) when there is a server, else here on SQLite.
test: install
	$(VENV)/bin/ruff check src tests benchmarks deploy
	@if $(PG_REACHABLE); then \
	  echo "SQLite pass without the browser tests: they run in the PostgreSQL pass"; \
	  $(PYTEST) -m "not browser"; \
	else \
	  $(PYTEST); \
	fi
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory smoke

# The whole suite once more on PostgreSQL. CI sets REQUIRE_POSTGRES=1 so that
# an unreachable server fails the run instead of being skipped.
test-postgres: install
	@if $(PG_REACHABLE); then \
	  TEST_DATABASE_URL='$(PG_URL)' $(PYTEST) -p no:cacheprovider; \
	elif [ -n "$$REQUIRE_POSTGRES" ]; then \
	  echo "PostgreSQL is required but not reachable at $(PG_URL)"; exit 1; \
	else \
	  echo "SKIPPED the PostgreSQL run: no server at $(PG_URL) (start PostgreSQL or set PG_URL to enable it)"; \
	fi

# deploy/smoke.py: scratch database SMOKE_DB on PG_URL's server, init-db --demo, gunicorn
# with deploy/gunicorn.conf.py on a free loopback port, login/healthz/token/tasks/complete.
SMOKE_DB ?= perfbudget_smoke
smoke: install
	@if $(PG_REACHABLE); then \
	  SMOKE_PG_URL='$(PG_URL)' SMOKE_DB='$(SMOKE_DB)' $(PY) deploy/smoke.py; \
	elif [ -n "$$REQUIRE_POSTGRES" ]; then \
	  echo "PostgreSQL is required but not reachable at $(PG_URL)"; exit 1; \
	else \
	  echo "SKIPPED the deployment smoke test: no server at $(PG_URL) (start PostgreSQL or set PG_URL to enable it)"; \
	fi

# The quality bars of DESIGN.md; BENCH_N and BENCH_PG_URL tune it (see benchmarks/run.py).
bench: install
	$(PY) benchmarks/run.py

# The same at the bars' full size: 1,000,000 submissions (seeded once into a kept
# database, about a minute) and 20,000 tasks in the deadline-day burst.
bench-scale: install
	BENCH_SCALE=1 $(PY) benchmarks/run.py

lint: install
	$(VENV)/bin/ruff check src tests benchmarks deploy
	$(VENV)/bin/ruff format --check src tests benchmarks deploy

clean:
	rm -rf $(VENV) instance .pytest_cache node_modules $(VENDOR)
