# cxm developer commands. The work is done by scripts/ (see scripts/cxmdev/); this file only
# wires targets to them. Newcomers need two: `make run` and `make test`.

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.cxm-dev-installed
DEVSTACK := $(PY) scripts/devstack.py
APPS   := cxm odata surveys xdata analysis actions
# Enough environment for Django to import its settings; nothing connects to these.
OFFLINE_ENV := DATABASE_URL=postgres://lint:lint@127.0.0.1:1/lint REDIS_URL=redis://127.0.0.1:1/0 \
	SECRET_KEY=lint-only

.DEFAULT_GOAL := help
.PHONY: help run test lint bench lock messages clean-devdata

help:
	@echo "make run            private PostgreSQL + Redis, migrate, demo data, web/worker/cron (PORT=8000)"
	@echo "make test           throwaway servers, then pytest (PYTEST_ARGS=\"...\")"
	@echo "make lint           ruff check, ruff format --check, mypy (apps), makemigrations --check"
	@echo "make bench          every bench/*.py (BENCH=name,name for some)"
	@echo "make lock           regenerate requirements*.lock with uv"
	@echo "make messages       update and compile the Korean catalogue in locale/ (needs gettext)"
	@echo "make clean-devdata  delete .devdata (the make run database, Redis data, logs)"

# (Re)install only when the lock (or the installer) changed.
$(STAMP): requirements-dev.lock scripts/bootstrap-venv.sh
	@sh scripts/bootstrap-venv.sh

# A single simple command: make execs it without a shell, so signals reach the supervisor
# directly and it can stop everything it started.
run: $(STAMP)
	@$(DEVSTACK) run

test: $(STAMP)
	@$(DEVSTACK) test

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(OFFLINE_ENV) $(VENV)/bin/mypy $(APPS)
	$(OFFLINE_ENV) $(PY) manage.py makemigrations --check --dry-run

bench: $(STAMP)
	@$(DEVSTACK) bench

lock:
	@sh scripts/lock.sh

messages: $(STAMP)
	@command -v msgfmt >/dev/null || { echo "make messages needs GNU gettext (apt-get install gettext)" >&2; exit 1; }
	$(OFFLINE_ENV) $(PY) manage.py makemessages -l ko --no-location --no-wrap --no-obsolete -i scripts -i bench
	$(OFFLINE_ENV) $(PY) manage.py compilemessages -l ko -i .venv -i .devdata

clean-devdata:
	@python3 scripts/devstack.py clean-devdata
