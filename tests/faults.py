"""Machinery for the fault tests (marked `worker`): a throwaway Redis, real workers on it.

Each fault test runs its own `redis-server` on a free port (never the shared one), so that
it can be killed and restarted, and real worker processes pointed at it and at the test
database. `outage_ready` switches this process's publishing (views, sweepers, the outbox's
relay) to that Redis as well, for the broker and for the cache: a real outage takes both.
The fixtures are registered in tests/conftest.py.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import kombu.pools
import pytest

from config.celery import app
from tests.celery_worker import ROOT, worker_command, worker_env
from tests.private_redis import PrivateRedis, free_port  # noqa: F401 (the fault tests take them from here)


def _forget_broker_pool(*, close: bool) -> None:
    """Make the app build its broker connections and producers again, from `broker_url`.

    kombu keeps connection pools in a process-wide registry keyed by broker URL, and the app
    takes its pool from there: a pool closed but left registered would be handed out again
    ("Acquire on closed pool"). So the project's pool is only set aside (it stays open for
    when the URL is restored), and the private Redis's pool is closed *and* unregistered.
    """
    if close and app._pool is not None:
        with suppress(Exception):
            app._pool.force_close_all()
        with suppress(KeyError):
            del kombu.pools.connections[app.connection_for_write()]
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def outage_ready(private_redis, settings) -> Iterator[PrivateRedis]:
    """This process publishes to the private Redis (not eagerly) and caches there too."""
    previous_broker, previous_eager = app.conf.broker_url, app.conf.task_always_eager
    _forget_broker_pool(close=False)
    app.conf.broker_url = private_redis.url
    app.conf.task_always_eager = False
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://127.0.0.1:{private_redis.port}/1",
        }
    }
    try:
        yield private_redis
    finally:
        _forget_broker_pool(close=True)
        app.conf.broker_url, app.conf.task_always_eager = previous_broker, previous_eager


# --- Real workers on the private Redis --------------------------------------------------


class Worker:
    def __init__(self, process: subprocess.Popen, hostname: str, log_path: Path) -> None:
        self.process = process
        self.hostname = hostname
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def private_worker(redis_url: str, log_path: Path, extra_env: dict[str, str] | None = None) -> Iterator[Worker]:
    """Like tests.celery_worker.celery_worker, but on the given Redis, logging to a file
    (a pipe nobody reads would block a chatty worker), and killable by the test."""
    env = worker_env(redis_url, extra_env)
    hostname = f"faults-{os.getpid()}-{time.monotonic_ns()}@localhost"
    log_file = log_path.open("w")
    process = subprocess.Popen(
        [*worker_command(hostname), "--without-heartbeat"],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, which a test may kill whole
    )
    worker = Worker(process, hostname, log_path)
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[hostname], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"The Celery worker did not start:\n{worker.log()[-4000:]}")
        yield worker
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log_file.close()
