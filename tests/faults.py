"""Machinery for the fault tests (marked `worker`): a throwaway Redis, real workers on it.

Each fault test runs its own `redis-server` on a free port (never the shared one), so that
it can be killed and restarted, and real worker processes pointed at it and at the test
database. `outage_ready` switches this process's publishing (views, sweepers, the outbox's
relay) to that Redis as well, for the broker and for the cache: a real outage takes both.
The fixtures are registered in tests/conftest.py.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import kombu.pools
import pytest
import redis

from config.celery import app
from tests.celery_worker import ROOT, wait_for, worker_command, worker_env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- A throwaway Redis ------------------------------------------------------------------


class PrivateRedis:
    """A `redis-server` of this test's own, on a free port, that can be killed and restarted."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, db=0, socket_timeout=5, socket_connect_timeout=2)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=15, interval=0.05)

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


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
