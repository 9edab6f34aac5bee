# The commands the README shows. `make run` and `make test` both build .venv themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format scan fuzz lock clean cluster-start cluster-stop bench admin-screenshots

$(INSTALLED): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt -r requirements-dev.txt
	touch $(INSTALLED)

## run: migrate the embedded SQLite database, print a demo admin, serve the API on $(HOST):$(PORT)
run: $(INSTALLED)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_admin --base-url http://$(HOST):$(PORT)
	$(PY) manage.py runserver $(HOST):$(PORT)

## test: lint, migrations check, the suite against PostgreSQL and Redis, then the cluster suite
## (nginx + three instances, with a PostgreSQL and Redis of its own that it stops and restarts)
test: $(INSTALLED) lint
	DJANGO_SETTINGS_MODULE=bankapi.settings.local DATABASE_URL=sqlite:///:memory: $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest
	$(VENV)/bin/pytest -m cluster -n0 -p no:cacheprovider deploy/tests

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## scan: the security scans (.ci/run runs them before `make test`; the workflow's security job too):
## bandit at medium severity and confidence and up, configured in pyproject.toml [tool.bandit], then
## pip-audit over requirements.txt and requirements-dev.txt (.ci/pip_audit: where PyPI's vulnerability
## API cannot be reached it says SKIPPED, never clean). ruff's security rules (S) run in `make lint`.
## The filter drops only bandit's warnings about the reason text after a `# nosec BXXX - ` comment;
## a `# nosec` without such a reason fails the scan.
scan: SHELL := /bin/bash
scan: .SHELLFLAGS := -o pipefail -c
scan: $(INSTALLED)
	$(VENV)/bin/bandit -c pyproject.toml -r . --severity-level medium --confidence-level medium --quiet 2>&1 \
		| { grep -v -e 'Test in comment: .* is not a test name or id' -e 'nosec encountered (B[0-9]*), but no failed test' || true; }
	@echo "bandit: no finding of medium or high severity"
	@if grep -rn --include='*.py' --exclude-dir=.venv -E '#\s*nosec' . | grep -v -E '#\s*nosec B[0-9]+(, ?B[0-9]+)* - \S'; then \
		echo "scan: each # nosec above needs its reason on its line: # nosec BXXX - <reason>" >&2; exit 1; fi
	.ci/pip_audit

## fuzz: only the fuzzing of the live API (bankapi/tests/test_fuzzing.py, which `make test` runs too), one
## caller per worker; FUZZ_SEED=<n> draws other cases than CI's (docs/security.md, "Fuzzing")
fuzz: $(INSTALLED)
	$(VENV)/bin/pytest bankapi/tests/test_fuzzing.py -n 3 -p no:cacheprovider

## lock: recompile requirements*.txt (exact pins with hashes) from requirements*.in
lock: $(INSTALLED)
	$(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe -o requirements.txt requirements.in
	$(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe -o requirements-dev.txt requirements-dev.in

## cluster-start / cluster-stop: nginx + three gunicorn instances on loopback (deploy/local-cluster)
cluster-start: $(INSTALLED)
	deploy/local-cluster start

cluster-stop: $(INSTALLED)
	deploy/local-cluster stop

$(VENV)/.bench-installed: $(INSTALLED) requirements-bench.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-bench.txt
	touch $(VENV)/.bench-installed

## bench: this service against the Flask one it replaces, under wrk (bench/perf_bench.py): FLASK_DIR=its
## Secure-Auth-Python-Backend/ checkout (else ours alone), BENCH_ARGS="--rounds 5 --plots out" for more
bench: $(INSTALLED) $(VENV)/.bench-installed
	@command -v wrk >/dev/null || if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y wrk; \
		else echo "make bench needs wrk: install it (sudo apt-get install wrk)" >&2; exit 1; fi
	$(PY) bench/perf_bench.py $(if $(FLASK_DIR),--flask-dir $(FLASK_DIR)) $(BENCH_ARGS)

## admin-screenshots: the pictures of docs/admin.md (docs/admin/*.png, 1280x800), taken again by the
## admin site's browser tests; run it after changing an admin page
admin-screenshots: $(INSTALLED)
	rm -f docs/admin/*.png
	$(VENV)/bin/pytest -m browser -p no:cacheprovider --admin-screenshots docs/admin

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache .cluster
