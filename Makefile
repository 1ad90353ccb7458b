# The two commands a fresh machine needs: `make run` (the main job) and `make test` (the tests).
# Both create the virtualenv in .venv and install the project into it on first use.

VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: install peers run test test-shifted test-dates fault lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# Protocol peers the integration tests run for real, from Debian's packages when missing.
peers:
	@command -v prometheus-alertmanager >/dev/null || \
		{ apt-get install -y -qq prometheus-alertmanager >/dev/null 2>&1 || \
		  { apt-get update -qq && apt-get install -y -qq prometheus-alertmanager; }; }

run: install
	$(BIN)/muster worker --beat --web

# The site is built strictly: a broken link, a missing anchor or a page not in its nav fails lint.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir build/site

# The clock shift of the second run: one week on, every calendar rotation has another holder, so
# a test that names today's holder fails on every day, not on some.
SHIFT ?= +168h

# The suite on every core (pytest-xdist; most tests wait on real processes and servers): each
# test has its own queue, database, ports and Redis database, so no two collide. A file's tests
# stay on one worker: the end-to-end scenarios share one running stack per broker, and the last
# of them reads what the others left in its logs.
PARALLEL ?= -n auto --dist loadfile

test: lint peers
	$(BIN)/pytest $(PARALLEL)
	$(MAKE) test-shifted

# The tests that read the real clock (or start processes that do), with the wall clock of pytest
# and of every process it starts shifted by $(SHIFT) (an offset or an RFC 3339 instant). On the
# embedded broker only (files and their times): the first run covered Redis and RabbitMQ, and
# nothing that depends on the date depends on the broker (Redis' own expiries are relative, and
# every time kombu stores is written and read by equally shifted processes).
test-shifted: install
	PYTHONPATH=$(CURDIR)/tests/clock_shift TEST_CLOCK_SHIFT=$(SHIFT) TEST_BROKERS=embedded \
		$(BIN)/pytest $(PARALLEL) -m wallclock

# The fault suite at full strength: 20 kills per broker (the test command runs 2 of each).
fault: install peers
	FAULT_KILLS=20 $(BIN)/pytest -m '' tests/fault

# The whole suite at each of the instants a calendar can trip on (several minutes each).
test-dates: install
	$(BIN)/python tests/clock_shift/every_date.py $(PARALLEL)

bench: install
	$(BIN)/python -m bench.routing_bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
