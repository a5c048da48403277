# The two commands a newcomer needs: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := static/vendor/socket.io.min.js static/vendor/twilio.min.js

.PHONY: run test install browser imap-server wrk lint typecheck fmt bench clean migration dist

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Browser dependencies from the npm registry (package.json pins them): the official
# socket.io client and Twilio's Voice JavaScript SDK (the console's softphone).
$(VENDOR) &: package.json package-lock.json
	npm install --no-audit --no-fund --silent
	mkdir -p static/vendor
	cp node_modules/socket.io-client/dist/socket.io.min.js static/vendor/socket.io.min.js
	cp node_modules/@twilio/voice-sdk/dist/twilio.min.js static/vendor/twilio.min.js

install: $(STAMP) $(VENDOR)

# Debian's Chromium for the browser tests (Playwright drives it; its own download
# does not work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

# Debian's Dovecot: the real IMAP server the email tests start on a loopback port
# with their own configuration (tests/connectors/email/dovecot.py).
imap-server:
	@command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null; fi; }

run: install
	./scripts/run-demo.sh

# pytest on every core (pytest-xdist; one test file per worker, so a module's servers
# and fixtures stay together), then, alone, the tests that restart a shared service.
test: install browser imap-server
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q -n auto --dist loadfile -m "not exclusive"
	$(BIN)/pytest -q -m exclusive

# The wheel, in dist/: the Python packages with their package data (templates, static
# files with the vendored browser clients, migrations). The npm step runs first; no
# virtualenv needed (the Dockerfile's build stage runs this too).
dist: $(VENDOR)
	rm -rf dist build
	$(PY) -m pip wheel --quiet --no-deps --wheel-dir dist .
	rm -rf build
	@ls dist/*.whl

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP)
	$(BIN)/mypy

# Debian's wrk: the HTTP load generator of the benchmarks (bench/_wrk/replay.lua).
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; fi; }

bench: install wrk
	$(BIN)/python -m bench

# Regenerate the initial schema migration from the models (pre-release only).
migration: $(STAMP)
	rm -f migrations/versions/0001_initial.py
	rm -rf var/migration-scratch && mkdir -p var/migration-scratch
	HUB_DATABASE_URL=sqlite+aiosqlite:///var/migration-scratch/scratch.db \
	  $(BIN)/alembic revision --autogenerate --rev-id 0001 -m initial
	$(BIN)/ruff format migrations/versions
	$(BIN)/ruff check --fix --quiet migrations/versions || true

clean:
	rm -rf $(VENV) node_modules static/vendor var dist build .pytest_cache .mypy_cache .ruff_cache
