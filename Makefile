# Two commands do everything: `make run` (the app on http://127.0.0.1:8000) and `make test`.
VENV ?= .venv
BIN = $(VENV)/bin
PYTHON ?= python3
FLASK = $(BIN)/flask --app server:create_app
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

.PHONY: install run serve test test-quick bench reliability chromium vendor lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

var/secret_key:
	mkdir -p var
	$(PYTHON) -c 'import secrets; print(secrets.token_hex(32))' > $@
	chmod 600 $@

# Installs, migrates, seeds the demo organisation on first start, serves with gunicorn.
# SQLite under ./var by default; DATABASE_URL=postgresql+psycopg://... for PostgreSQL.
run: install var/secret_key
	FIELDBOOK_SECRET_KEY=$${FIELDBOOK_SECRET_KEY:-$$(cat var/secret_key)} FIELDBOOK_DEMO=1 \
		$(FLASK) db upgrade
	FIELDBOOK_SECRET_KEY=$${FIELDBOOK_SECRET_KEY:-$$(cat var/secret_key)} FIELDBOOK_DEMO=1 \
		$(FLASK) seed-demo --if-empty
	FIELDBOOK_SECRET_KEY=$${FIELDBOOK_SECRET_KEY:-$$(cat var/secret_key)} FIELDBOOK_DEMO=1 \
		$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - \
		'server:create_app()'

# Debian's Chromium for the browser tests (Playwright drives it; it cannot download one),
# and a CJK font so the Chinese screenshots are readable.
chromium:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; } || { \
		echo "installing Debian's chromium and a CJK font for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium fonts-wqy-microhei; }

# The whole suite; with TEST_DATABASE_URL set, database tests run on PostgreSQL too.
test: install chromium
	$(BIN)/ruff check server sync tests reliability bench
	$(BIN)/pytest -q

# Speed figures side by side with the raw database (issue: benchmarks); prints one line
# per figure and writes bench/results.json. Needs PostgreSQL for the PostgreSQL figures.
bench: install chromium
	$(BIN)/python -m bench

# The long proofs: crashes, two app nodes, load, fuzzing, access matrix, backups.
reliability: install chromium
	$(BIN)/python -m reliability

lint: install
	$(BIN)/ruff check server sync tests

clean:
	rm -rf $(VENV) var .pytest_cache
