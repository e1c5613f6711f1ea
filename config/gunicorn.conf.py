"""gunicorn's settings, one source for the Procfile, `make serve`, bench/slow_clients.py and
tests/config/test_slow_clients.py. The address to bind stays on each command line.

Why these values (docs/operations.md, "Serving: slow clients"): a gthread worker gives each
accepted connection a thread from its pool *before* a byte has arrived. A connection that
sends nothing holds its thread for 5 s (gunicorn's own wait, not configurable) before it is
parked; one that sends part of a header holds it until the client stops, since gunicorn
has no header timeout. A worker with every thread held still accepts connections and
queues them behind the held ones: with 2 threads per worker, six such clients kept
/healthz waiting 10-30 s. Threads that wait on a socket cost no CPU and little memory, and
the pool only starts a thread when none is idle, so a large pool costs nothing until it is
used; it moves the point where slow clients starve the site from 4 of them to about
`workers x threads`. The buffering proxy in front (docs/nginx.conf.example) removes it.
"""

from __future__ import annotations

import os


def _whole_number(name: str, default: int) -> int:
    """The variable as a number of at least 1; a malformed value stops gunicorn, named."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"Environment variable {name}={value!r} is malformed: expected a whole number of at least 1.")
    return int(value)


wsgi_app = "config.wsgi"
worker_class = "gthread"
# One process per core: Python runs one thread at a time per process.
workers = _whole_number("WEB_CONCURRENCY", len(os.sched_getaffinity(0)))
# Enough threads that slow or idle connections leave some free; each thread that serves a
# request may hold a PostgreSQL connection (CONN_MAX_AGE), so workers x threads x machines
# must stay under PostgreSQL's max_connections (with the Celery workers' own).
threads = _whole_number("WEB_THREADS", 32)
# Seconds an idle kept-alive connection stays open, waiting in the worker's poller (no
# thread). Browsers reuse within a few seconds; nginx opens one connection per request.
keepalive = 5
# A worker whose main loop stops answering for this long is killed and replaced. With
# gthread it does not bound a request or a slow client: the main loop keeps beating.
timeout = 30
# On SIGTERM, in-flight requests get this long; below the 30 s after which most platforms
# (Heroku, Kubernetes' default) send SIGKILL.
graceful_timeout = 25
# gunicorn's defaults, written down: they bound a request's head in size, not in time. A
# longer request line or header field is answered 400.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# The access log shows the peer (behind a proxy: the proxy) and X-Forwarded-For as
# received; the client's address the application trusts is in its own log lines
# (docs/operations.md, "Logs").
accesslog = "-"
access_log_format = '%(h)s %({x-forwarded-for}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
