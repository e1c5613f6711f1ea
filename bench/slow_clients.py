"""Slow clients against gunicorn alone: does /healthz still answer?

    DATABASE_URL=sqlite:///var/bench_slow.sqlite3 REDIS_URL= \\
        .venv/bin/python -m bench.slow_clients --settings old new --clients 6 20 50

For each setting and each N: starts gunicorn on a free port of 127.0.0.1 (`new`: the shipped
config/gunicorn.conf.py, as the Procfile and `make serve` start it; `old`: the command line
they had before, gthread with 2 threads and one worker per core), opens N connections that
send nothing (reopened as soon as the server closes one, so N are held all along) and N that
send half a request head and then one more header byte a second, never finishing. Then it
times `--requests` GET /healthz and as many GET / (the demo community's home), one after the
other with `--interval` seconds between rounds (so that they span the idle connections'
cycle: held 5 s, parked, closed, reopened), each on a new connection, and prints p50 and
max per path. A request that gets no
answer within `--timeout` seconds counts as that long, and after two of those the path is
given up for that N (marked "≥").

The database is migrated and given the demo community first (`seed_demo`), and static files
are collected, as `make serve` does. DEBUG is off,
as in production; SECURE_SSL_REDIRECT is off, as behind a proxy that terminates TLS.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOG = ROOT / "var" / "bench" / "slow-clients-gunicorn.log"
PATHS = ("/healthz", "/")
HALF_HEAD = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow"
SECRET_KEY = secrets.token_urlsafe(50)  # DEBUG is off: any key will do, the same for every process
Samples = list[tuple[int, float]]  # (status, 0 when unanswered; seconds)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_command(settings: str, port: int) -> list[str]:
    command = [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--no-control-socket"]
    if settings == "new":
        return [*command, "-c", "config/gunicorn.conf.py", "--access-logfile", "/dev/null"]
    workers = str(len(os.sched_getaffinity(0)))
    return [*command, "--workers", workers, "--worker-class", "gthread", "--threads", "2"]


def server_env(threads: int | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"WEB_CONCURRENCY", "WEB_THREADS"}}
    if threads is not None:
        env["WEB_THREADS"] = str(threads)
    env.update(
        DEBUG="false",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    return env


def get(port: int, path: str, timeout: float) -> tuple[int, float]:
    """Status and seconds for one request on a new connection; status 0 when it timed out."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
            conn.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            head = b""
            while b"\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                head += chunk
            status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else -1
            while conn.recv(65536):  # read to the end: the answer is complete
                pass
    except TimeoutError:
        return 0, timeout
    return status, time.monotonic() - started


@contextmanager
def server(settings: str, threads: int | None) -> object:
    port = free_port()
    LOG.parent.mkdir(parents=True, exist_ok=True)
    with LOG.open("w") as output:
        process = subprocess.Popen(  # noqa: S603
            server_command(settings, port), cwd=ROOT, env=server_env(threads), stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"gunicorn did not start: see {LOG}")
            try:
                if get(port, "/healthz", 2)[0] == 200 and get(port, "/", 5)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class SlowClients:
    """N idle connections, reopened when closed, and N that never finish their head."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._idle, daemon=True) for _ in range(count)]
        self.threads += [threading.Thread(target=self._dripping, daemon=True) for _ in range(count)]

    def __enter__(self) -> SlowClients:
        for thread in self.threads:
            thread.start()
        time.sleep(1)  # all connected and accepted
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=5)

    def _idle(self) -> None:
        while not self.stopping.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                    while not self.stopping.is_set():
                        try:
                            if conn.recv(1) == b"":
                                break  # closed by the server: open another
                        except TimeoutError:
                            continue
            except OSError:
                time.sleep(0.1)

    def _dripping(self) -> None:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as conn:
                conn.sendall(HALF_HEAD)
                while not self.stopping.wait(1):
                    conn.sendall(b"w")
        except OSError:
            return


def measure(port: int, count: int, requests: int, timeout: float, interval: float) -> dict[str, Samples]:
    results: dict[str, Samples] = {path: [] for path in PATHS}
    given_up: set[str] = set()
    with SlowClients(port, count):
        for _ in range(requests):
            for path in PATHS:
                if path in given_up:
                    continue
                results[path].append(get(port, path, timeout))
                if sum(1 for status, _seconds in results[path] if status == 0) >= 2:
                    given_up.add(path)
            time.sleep(interval)
    return results


def summary(samples: Samples, timeout: float) -> str:
    seconds = [elapsed for _status, elapsed in samples]
    timed_out = sum(1 for status, _elapsed in samples if status == 0)
    wrong = sorted({status for status, _elapsed in samples if status not in (0, 200)})
    text = f"p50 {statistics.median(seconds) * 1000:>7.0f} ms, max {max(seconds) * 1000:>7.0f} ms"
    if timed_out:
        text += f", {timed_out}/{len(samples)} unanswered after {timeout:.0f} s (≥)"
    if wrong:
        text += f", statuses {wrong}"
    return text


def prepare() -> None:
    for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"], ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command], cwd=ROOT, env=server_env(), check=True, capture_output=True
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", nargs="+", choices=["old", "new"], default=["old", "new"])
    parser.add_argument("--clients", nargs="+", type=int, default=[6, 20, 50], help="N idle and N half-sent")
    parser.add_argument("--requests", type=int, default=20, help="requests per path and N")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between rounds")
    parser.add_argument("--timeout", type=float, default=15)
    parser.add_argument("--threads", type=int, help="WEB_THREADS for `new` (default: the config's)")
    args = parser.parse_args(argv)
    if "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL (and REDIS_URL, empty for none): see the docstring.")
    prepare()
    cpus = len(os.sched_getaffinity(0))
    threads = f", WEB_THREADS={args.threads} for new" if args.threads else ""
    print(
        f"{cpus} CPUs; {args.requests} requests per path, {args.interval} s apart; "
        f"N idle + N half-sent connections{threads}"
    )
    for settings in args.settings:
        for count in args.clients:
            with server(settings, args.threads) as port:
                results = measure(port, count, args.requests, args.timeout, args.interval)
            for path in PATHS:
                print(f"{settings:<4} N={count:<3} GET {path:<8} {summary(results[path], args.timeout)}", flush=True)


if __name__ == "__main__":
    main()
