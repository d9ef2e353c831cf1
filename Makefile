# Two commands set everything up on a fresh machine:
#   make run    install, migrate, seed the demo workspace and start web + worker + beat
#   make test   install, find (or install) Chromium for the browser tests, run the whole suite
# With DATABASE_URL / REDIS_URL unset both start a private PostgreSQL and Redis under .data/.
# Both write a development .env (DJANGO_DEBUG=1, DJANGO_DEVTOOLS=1) beside manage.py unless
# one exists. The supervisor and the Chromium finder are development tooling (devtools/).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint messages simulate clean-data

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	touch $(STAMP)

install: $(STAMP)
	$(PY) -m inbox_project.catalogues
	$(PY) -m devtools.devstack dotenv

run: install
	$(PY) -m devtools.devstack run

test: install
	@$(PY) -m devtools.chromium
	$(PY) -m devtools.devstack exec -- $(PY) -m pytest $(PYTEST_ARGS)

# Simulated customers against the stack `make run` is running in another shell, e.g.
#   make simulate ARGS="--workspace shop-demo --rate 2 --count 100"   (ARGS="--help" lists all)
simulate: install
	$(PY) -m devtools.devstack manage simulate $(ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# Refresh the .po files after changing translatable strings (needs GNU gettext).
messages: install
	$(PY) manage.py makemessages -l vi -l en --ignore=.venv --ignore=.data
	$(PY) -m inbox_project.catalogues

clean-data:
	rm -rf .data
