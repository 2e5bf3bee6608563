# Threshold: `make run` to try it, `make test` to test it. Both install whatever is missing first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# WeasyPrint's system libraries and a font; the tests add Debian's Chromium for the browser test.
RUN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
TEST_PACKAGES := $(RUN_PACKAGES) chromium
DEV_ENV := DJANGO_DEBUG=1 DJANGO_SECRET_KEY=dev-only-key-for-make-run DJANGO_HTTPS=0 DJANGO_REQUIRE_2FA=0

.PHONY: run test test-postgres bench bench-scale lint install install-test system-run system-test clean

run: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py createcachetable
	$(DEV_ENV) $(PY) manage.py seed_demo
	$(DEV_ENV) $(PY) manage.py load_cases
	@echo "Threshold on http://127.0.0.1:8000 (demo accounts: clinician, clinician2, trainee, lead in one clinic, lead2, clinician3 in another; password threshold-demo)"
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

# Both cores: pytest-xdist runs the suite in two workers (each with its own test database and live server).
test: install-test lint
	$(PY) -m pytest -n 2

# The whole suite against a throwaway PostgreSQL cluster (Debian's package, installed when missing).
test-postgres: install-test
	@$(call apt_missing,postgresql)
	bash bench/with_postgres.sh $(PY) -m pytest -n 2

# Benchmarks, each beside its floor measured in the same run (bench/README.md): under 10 minutes, never in `make test`.
bench: BENCH_STARTED := $(shell date +%s)
bench: install
	@$(call apt_missing,wrk)
	$(PY) bench/run.py --started $(BENCH_STARTED)

# Pages at 1,000 and at 100,000 screenings on SQLite and a throwaway PostgreSQL (bench/README.md, "Scale"): < 10 min.
bench-scale: install
	@$(call apt_missing,postgresql)
	$(PY) bench/scale.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy screening/engine

install: system-run $(VENV)/.installed
install-test: system-test $(VENV)/.installed

system-run:
	@$(call apt_missing,$(RUN_PACKAGES))
system-test:
	@$(call apt_missing,$(TEST_PACKAGES))

# Installs the Debian packages of the list that are not installed yet; does nothing (quickly) when all are.
define apt_missing
missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
if [ -n "$$missing" ]; then echo "Installing Debian packages:$$missing"; \
  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; fi
endef

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

clean:
	rm -rf $(VENV) staticfiles
