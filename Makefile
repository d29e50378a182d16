# Relais: `make run` starts the whole system locally, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test test-unit test-integration test-faults test-security bench lint up down clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# The official communes/EPCI referential, pinned and integrity-checked.
var/referential/VERSION: shared/communes.py $(STAMP)
	$(PY) -m shared.communes fetch var/referential

# System tools the tests need: redis-server (private servers in tests),
# docker-compose (validates docker-compose.yml without an engine) and Debian's
# Chromium (the portal's browser tests; Playwright never downloads a browser).
install: $(STAMP) var/referential/VERSION
	@command -v redis-server >/dev/null || (apt-get update -q && apt-get install -y -q redis-server)
	@command -v docker-compose >/dev/null || (apt-get update -q && apt-get install -y -q docker-compose)
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)

run: install
	infra/run-local.sh

# Everything but the fault suite (minutes of outages on purpose: make test-faults).
test: install
	$(PY) -m pytest -m "not faults"

test-unit: install
	$(PY) -m pytest -m unit

test-integration: install
	$(PY) -m pytest -m "integration or e2e"

# The fault suite: the whole system with workers, Redis, PostgreSQL and SMTP failing.
test-faults: install
	$(PY) -m pytest -m faults tests/faults -s  # -s: each test prints its counts

# The security suite alone (also part of `make test`).
test-security: install
	$(PY) -m pytest -m security tests/security

# Benchmarks (not tests): figures as ratios against references measured in the same run.
bench: install
	$(PY) -m bench

lint: install
	$(VENV)/bin/ruff check .

up:
	docker compose up -d --build

down:
	docker compose down

clean:
	rm -rf var .pytest_cache
