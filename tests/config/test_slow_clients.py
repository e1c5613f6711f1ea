"""gunicorn as shipped (config/gunicorn.conf.py) answers /healthz while slow clients hold
connections, without a proxy in front.

Issue 14: six idle and six half-sent connections held all 4 threads of the former setup (2
workers x 2 threads) and /healthz waited 10-30 s, long enough for a load balancer to take
the instance out. gunicorn runs in its own process on a free port, pointed at the test
database and Redis as a Celery worker is (tests/celery_worker.py).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from tests.celery_worker import worker_env
from tests.private_redis import free_port

pytestmark = [pytest.mark.server, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]
HALF_HEAD = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow"
SLOW_CLIENTS = 6


def _healthz_status(port: int, timeout: float) -> int:
    """The status line's code of GET /healthz on a new connection; raises TimeoutError."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        head = conn.recv(64)
    return int(head.split(b" ", 2)[1])


def _still_open(conn: socket.socket) -> bool:
    """True while the server has neither closed nor answered the connection."""
    try:
        return conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
    except BlockingIOError:
        return True  # nothing to read: open, waiting
    except OSError:
        return False


@contextmanager
def shipped_gunicorn() -> Iterator[int]:
    """gunicorn with the shipped config and 2 workers (WEB_CONCURRENCY's former default, and
    this machine's or not); its port. Stopped, and waited for, on exit."""
    env = worker_env(settings.REDIS_URL)
    env.pop("WEB_THREADS", None)
    env.update(WEB_CONCURRENCY="2", DEBUG="true")
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi",
        "--bind", f"127.0.0.1:{port}", "--no-control-socket", "--access-logfile", "/dev/null",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _healthz_status(port, timeout=2) == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"gunicorn did not answer /healthz:\n{process.communicate()[0]}")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


def test_it_answers_healthz_while_idle_and_half_sent_connections_are_held():
    with shipped_gunicorn() as port, ExitStack() as stack:
        idle = [stack.enter_context(socket.create_connection(("127.0.0.1", port))) for _ in range(SLOW_CLIENTS)]
        half_sent = [stack.enter_context(socket.create_connection(("127.0.0.1", port))) for _ in range(SLOW_CLIENTS)]
        for conn in half_sent:
            conn.sendall(HALF_HEAD)
        time.sleep(0.5)  # every slow connection accepted and given its thread

        # Before: no answer within 10 s (the slow connections held every thread).
        assert _healthz_status(port, timeout=10) == 200
        # Answered while they were all still held, not after gunicorn let them go.
        assert all(_still_open(conn) for conn in idle + half_sent)
