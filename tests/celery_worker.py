"""A real Celery worker, in its own process, consuming from the real Redis broker.

Used by tests marked `worker`. The worker runs config/settings.py as deployed (not eager),
pointed at the test database, so that it sees what the test committed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parents[1]
QUEUES = "default,moderation,notifications,media,integrations"


def database_url() -> str:
    database = settings.DATABASES["default"]
    return (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    )


def worker_env(redis_url: str, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    """A worker process's environment: deployed settings, the test database, no eager mode."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **(extra_env or {}),
    }


def worker_command(hostname: str) -> list[str]:
    """One solo worker on every queue, named so that a test can ping it."""
    return [
        sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", QUEUES, "--pool", "solo",
        "--concurrency", "1", "--without-gossip", "--without-mingle", "-n", hostname, "--loglevel", "INFO",
    ]  # fmt: skip


@contextmanager
def celery_worker(extra_env: dict[str, str] | None = None, timeout: float = 30) -> Iterator[subprocess.Popen]:
    """Start a worker, wait until it answers a ping, stop it on exit.

    Publishing from the test process is switched from eager to the broker meanwhile.
    """
    env = worker_env(settings.REDIS_URL, extra_env)
    app.control.purge()  # nothing left over from an earlier run
    hostname = f"test-{os.getpid()}@localhost"
    process = subprocess.Popen(
        worker_command(hostname),
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    previous_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + timeout
        while not app.control.ping(destination=[hostname], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read() if process.poll() is not None else "(still starting)"
                raise RuntimeError(f"The Celery worker did not start:\n{output}")
        yield process
    finally:
        app.conf.task_always_eager = previous_eager
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for(condition, timeout: float = 30, interval: float = 0.1):
    """Poll until `condition()` returns something truthy; return it, or fail after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"Gave up waiting after {timeout} s")
