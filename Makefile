# Entry points: make run, make test, make lint, make bench. Each sets up what is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint bench setup runtime-deps system-deps messages compilemessages demo clean

# A venv with the project and its development tools; redone when pyproject.toml changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) system-deps

# Installs those of the Debian packages named in $(1) that dpkg does not have (as root).
define install_debs
	@missing=""; \
	for pkg in $(1); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "ok installed" \
	    || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
endef

# What serving Haven needs: gettext compiles translations, Pango lays out the PDFs (posters,
# code slips, survey results, case files: WeasyPrint) and the Noto fonts draw every script in
# them, CJK included. Without the fonts a Chinese poster is empty boxes.
runtime-deps:
	$(call install_debs,gettext libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core fonts-noto-cjk)

# And what testing needs on top: chromium drives the browser tests; poppler-utils' pdftotext
# reads the periodic reports' PDFs back.
system-deps: runtime-deps
	$(call install_debs,chromium poppler-utils)

compilemessages: $(STAMP) runtime-deps
	$(BIN)/python manage.py compilemessages --ignore=.venv -v0

# Refresh the .po catalogues after changing interface strings (then translate the new ones).
messages: $(STAMP)
	$(BIN)/python manage.py makemessages --all --ignore=.venv --ignore=var --no-obsolete --add-location=file

demo: $(STAMP)
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py demo_load

# Serves Haven with the background worker beside it (it sends the e-mail, printed here) and
# the deadline clock ticking every minute and the insights counts refreshed every 5 minutes.
run: runtime-deps compilemessages demo
	$(BIN)/python manage.py print_demo_logins
	export HAVEN_BASE_URL=$${HAVEN_BASE_URL:-http://127.0.0.1:$(PORT)}; \
	$(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	make_tick=0; while sleep 60; do $(BIN)/python manage.py clock_tick >/dev/null; \
	  make_tick=$$((make_tick + 1)); [ $$((make_tick % 5)) -eq 1 ] && $(BIN)/python manage.py insights_refresh -v0; \
	  [ $$((make_tick % 1440)) -eq 2 ] && $(BIN)/python manage.py retention_run >/dev/null; \
	done & clock=$$!; \
	trap 'kill $$worker $$clock 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy haven
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run -v0

test: setup compilemessages lint
	$(BIN)/pytest

# subtree (SQLite), then intake over HTTP (gunicorn, wrk, its own PostgreSQL unless DATABASE_URL).
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/run.py
	$(BIN)/python bench/cases.py
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/surveys.py
	$(BIN)/python bench/insights.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
