# Cluetrain developer commands. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in e-mails and feeds of a community without a domain point here (config/settings.py).
SITE_HOST ?= $(HOST):$(PORT)

# The test suite runs against real services; these are the defaults on a developer machine.
TEST_DATABASE_URL ?= postgres://root@127.0.0.1:5432/cluetrain
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# `make test` runs its four jobs at once (see `test`), so each job on PostgreSQL and Redis
# needs a database of its own on both: tests empty their Redis database (cache.clear()) and
# purge its broker queues, and pytest-django creates and drops test_<name> in PostgreSQL.
# A run with REDIS_URL=.../n keeps its cache in database n + 1 (config/settings.py), so the
# jobs' databases are two apart.
TEST_REDIS_URL_2 ?= redis://127.0.0.1:6379/2
TEST_BROWSER_REDIS_URL ?= redis://127.0.0.1:6379/4
TEST_DATABASE_URL_2 ?= $(TEST_DATABASE_URL)_2
TEST_BROWSER_DATABASE_URL ?= $(TEST_DATABASE_URL)_browser
TEST_OUTPUT ?= test-output
TEST_LOGS := $(TEST_OUTPUT)/logs

.PHONY: run test lint format worker beat serve venv messages makemessages system-deps node-deps check-services clean bench-moderation bench-fanout bench bench-slow-clients eval-similar

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

# Debian packages the suite needs: gettext (compilemessages), chromium (browser tests), a Java
# runtime (the HTML validator, vnu.jar) and npm (axe-core for the browser crawl).
system-deps:
	@missing=""; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# Test-only JavaScript (axe-core, pinned in package-lock.json), for tests/browser/test_crawl.py.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

node-deps: system-deps $(NODE_STAMP)

messages: $(STAMP)
	$(BIN)/python manage.py compilemessages --ignore=.venv -v 0

makemessages: $(STAMP)
	$(BIN)/python manage.py makemessages -l fr -l en --ignore=.venv --ignore=var --no-obsolete
	$(BIN)/python manage.py makemessages -d djangojs -l fr -l en --ignore=.venv --ignore=var --no-obsolete

# The embedded default: SQLite under var/, tasks run eagerly, e-mail on the console.
run: $(STAMP)
	@command -v msgfmt >/dev/null || $(MAKE) system-deps
	$(BIN)/python manage.py migrate --noinput -v 0
	$(MAKE) --no-print-directory messages
	$(BIN)/python manage.py seed_demo
	SITE_HOST=$(SITE_HOST) $(BIN)/python manage.py runserver $(HOST):$(PORT)

check-services: $(STAMP)
	$(BIN)/python -m tests.check_services --apart $(TEST_REDIS_URL) $(TEST_REDIS_URL_2) $(TEST_BROWSER_REDIS_URL)
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m tests.check_services
	DATABASE_URL=$(TEST_DATABASE_URL_2) REDIS_URL=$(TEST_REDIS_URL_2) $(BIN)/python -m tests.check_services
	DATABASE_URL=$(TEST_BROWSER_DATABASE_URL) REDIS_URL=$(TEST_BROWSER_REDIS_URL) $(BIN)/python -m tests.check_services

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Four jobs at once, each on its own databases (above): the tests not in a browser on
# PostgreSQL and Redis in two halves (tests/community and tests/ideas; the rest), the smoke
# set on the embedded default (SQLite, eager tasks, no Redis), and the browser journeys in
# headless chromium. Much of each job is waiting (workers, servers, locks, the browser), so
# two cores run the four in about half the time of one after the other. Each job's output
# goes to $(TEST_LOGS)/ and is printed once all have finished; any failure fails `make test`.
# The browser job keeps its priority (the others run under `nice`): its crawl has a time
# budget (tests/browser/test_crawl.py), and the other jobs absorb the sharing of the cores.
TEST_JOBS := postgres-1 postgres-2 smoke browser
test: $(STAMP) system-deps node-deps check-services lint messages
	$(BIN)/python manage.py makemigrations --check --dry-run
	rm -f var/smoke.sqlite3
	rm -rf $(TEST_LOGS) && mkdir -p $(TEST_LOGS)
	@echo "== $(TEST_JOBS) at once; output in $(TEST_LOGS)/ =="
	@declare -A pids; \
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) TEST_OUTPUT=$(TEST_OUTPUT) \
	  nice -n 10 $(BIN)/pytest -m "not browser" -p no:cacheprovider tests/community tests/ideas \
	  > $(TEST_LOGS)/postgres-1.log 2>&1 & pids[postgres-1]=$$!; \
	DATABASE_URL=$(TEST_DATABASE_URL_2) REDIS_URL=$(TEST_REDIS_URL_2) TEST_OUTPUT=$(TEST_OUTPUT) \
	  nice -n 10 $(BIN)/pytest -m "not browser" -p no:cacheprovider tests --ignore=tests/community --ignore=tests/ideas \
	  > $(TEST_LOGS)/postgres-2.log 2>&1 & pids[postgres-2]=$$!; \
	DATABASE_URL=sqlite:///var/smoke.sqlite3 REDIS_URL= TEST_OUTPUT=$(TEST_OUTPUT) \
	  nice -n 10 $(BIN)/pytest -m smoke -p no:cacheprovider \
	  > $(TEST_LOGS)/smoke.log 2>&1 & pids[smoke]=$$!; \
	DATABASE_URL=$(TEST_BROWSER_DATABASE_URL) REDIS_URL=$(TEST_BROWSER_REDIS_URL) TEST_OUTPUT=$(TEST_OUTPUT) \
	  $(BIN)/pytest -m browser -p no:cacheprovider \
	  > $(TEST_LOGS)/browser.log 2>&1 & pids[browser]=$$!; \
	failed=""; \
	for job in $(TEST_JOBS); do wait $${pids[$$job]} || failed="$$failed $$job"; done; \
	for job in $(TEST_JOBS); do echo; echo "== $$job ($(TEST_LOGS)/$$job.log) =="; cat $(TEST_LOGS)/$$job.log; done; \
	if [ -n "$$failed" ]; then echo; echo "== FAILED:$$failed =="; exit 1; fi; \
	echo; echo "== all passed: $(TEST_JOBS) =="

worker: $(STAMP)
	$(BIN)/celery -A config worker -Q default,moderation,notifications,media,integrations --loglevel=INFO

beat: $(STAMP)
	$(BIN)/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

# Workers, threads, timeouts and the access log's format are in config/gunicorn.conf.py, shared
# with the Procfile: one process per core, 32 threads each (WEB_CONCURRENCY, WEB_THREADS);
# why: docs/operations.md, "Serving: slow clients". In production, nginx goes in front
# (docs/nginx.conf.example).
serve: $(STAMP)
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/gunicorn config.wsgi -c config/gunicorn.conf.py --bind $(HOST):$(PORT)

# Slow clients against gunicorn alone, former and shipped settings, N = 6, 20 and 50 idle and
# half-sent connections; prints p50 and max of /healthz and / (docs/benchmarks.md).
# Uses its own database (SQLite var/bench_slow.sqlite3; DATABASE_URL=... for PostgreSQL).
bench-slow-clients: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-sqlite:///var/bench_slow.sqlite3} REDIS_URL=$${REDIS_URL:-} $(BIN)/python -m bench.slow_clients

# Moderation throughput on real workers and Redis; writes its figures to docs/benchmarks.md.
# Uses its own database (cluetrain_bench); do not run it beside `make test` or `make worker`.
bench-moderation: $(STAMP)
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m bench.moderation --items 2000 --workers 1

# Notification fan-out: one response told to FOLLOWERS followers by one real worker, with
# e-mails to an SMTP sink, then inbox rows only; prints an entry for docs/benchmarks.md.
# Uses its own database (cluetrain_bench_fanout) and Redis database 12.
FOLLOWERS ?= 50000
BENCH_FANOUT_REDIS_URL ?= redis://127.0.0.1:6379/12
bench-fanout: $(STAMP)
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(BENCH_FANOUT_REDIS_URL) $(BIN)/python -m bench.fanout --followers $(FOLLOWERS)

# Pages under load: builds a generated community (IDEAS ideas; VOTES, COMMENTS, MEMBERS in
# proportion unless given), starts gunicorn as in production and drives each scenario at
# CONCURRENCY clients for DURATION seconds; appends its table to docs/benchmarks.md.
# Uses its own database (cluetrain_bench, rebuilt) and Redis databases 14 and 15 (emptied; or
# REDIS_URL's and CACHE_REDIS_URL's). `make bench BENCH_ARGS="--scenarios similar-mixed-titles"`: issue #16.
# `make bench BENCH_ARGS="--scenarios mixed"`: issue #18, readers of many pages (Zipf) with paced
# votes, follows, comments and new ideas, beside the same readers alone and the baseline.
# BENCH_ARGS=--scaling runs 10,000 then 100,000 ideas; see `python -m bench.run --help`.
IDEAS ?= 100000
VOTES ?=
COMMENTS ?=
MEMBERS ?=
DURATION ?= 20
CONCURRENCY ?= 8
BENCH_ARGS ?=
BENCH_PAGES_REDIS_URL ?= redis://127.0.0.1:6379/14
BENCH_SIZES = --ideas $(IDEAS) $(if $(VOTES),--votes $(VOTES)) $(if $(COMMENTS),--comments $(COMMENTS)) \
  $(if $(MEMBERS),--members $(MEMBERS))
bench: $(STAMP)
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(BENCH_PAGES_REDIS_URL) $(BIN)/python -m bench.run $(strip $(BENCH_SIZES)) \
	  --duration $(DURATION) --concurrency $(CONCURRENCY) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var $(TEST_OUTPUT) .pytest_cache .ruff_cache node_modules

# Duplicate detection measured on the labelled set tests/data/similar_eval.json (docs/ideas.md):
# recall@1, recall@5 and MRR per kind, suggestions per title that repeats nothing, lexical and
# semantic. On PostgreSQL (EVAL_DATABASE_URL); its ideas are posted and rolled back.
EVAL_DATABASE_URL ?= $(TEST_DATABASE_URL)_eval
eval-similar: $(STAMP)
	$(BIN)/python -c "from bench.data import recreate_database; recreate_database('$(EVAL_DATABASE_URL)')"
	DATABASE_URL=$(EVAL_DATABASE_URL) REDIS_URL= $(BIN)/python manage.py migrate --noinput -v 0
	DATABASE_URL=$(EVAL_DATABASE_URL) REDIS_URL= $(BIN)/python manage.py eval_similar $(EVAL_ARGS)
