"""The load generator of `bench.run`: HTTP/1.1 clients on asyncio streams, closed-loop or paced.

    python -m bench.load < spec.json

Runs in a process of its own and imports nothing from the project, so that the server's
CPU and the client's are told apart. The spec (JSON on stdin) names the server, a warm-up
and a measured duration, and one entry per client: the raw requests it sends in turn and
the statuses that count as success. A client keeps its connection for `per_connection`
requests (0: for ever), or until the server closes it, then opens a new one. Each client
sends its next request as soon as the previous answer is read: a fixed concurrency, not a
fixed rate.

A client's entry may also give `kinds` (a label per request, or one for all: figures are
kept per label too), `weights` and `seed` (each request is then drawn at random with those
weights, from a generator seeded so, instead of sent in turn), and `interval` (seconds: a
paced client, open-loop: it sends a request every `interval` on a schedule that falls on
the measured window's start, whether the previous answers are in or not, each on a
connection of its own, as its requests are further apart than the server's keep-alive).

Prints `measuring` when the warm-up ends and `done` when the measured window closes (the
caller samples CPU counters then), then one JSON line: requests completed inside the
window, their latencies' percentiles (ms, from the first byte written, connection
included, to the last byte read), errors (unexpected status, refused or broken
connection) with a few samples, and this process's CPU seconds over the window; then the
same figures per kind (`kinds`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import resource
import sys
import time
from collections.abc import Iterator


class Window:
    def __init__(self, warmup: float, duration: float) -> None:
        self.start = time.perf_counter() + warmup
        self.end = self.start + duration
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.samples: list[str] = []
        self.statuses: dict[int, int] = {}

    def inside(self, moment: float) -> bool:
        return self.start <= moment < self.end

    def record(self, kind: str, started: float, status: int, expect: set[int], body: bytes) -> None:
        finished = time.perf_counter()
        if not self.inside(finished):
            return
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status in expect:
            self.latencies.setdefault(kind, []).append(finished - started)
        else:
            self.error(finished, kind, f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}")

    def error(self, moment: float, kind: str, text: str) -> None:
        if self.inside(moment):
            self.errors[kind] = self.errors.get(kind, 0) + 1
            if len(self.samples) < 5:
                self.samples.append(f"{kind}: {text}"[:300] if kind else text[:300])


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    """(status, whether the server keeps the connection, the body)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0][9:12])
    length, chunked, close = None, False, lines[0].startswith(b"HTTP/1.0")
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            close = b"close" in value.lower()
    if chunked:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(parts)
    elif length is not None:
        body = await reader.readexactly(length)
    else:
        body = await reader.read()
        close = True
    return status, not close, body


def _order(client: dict) -> Iterator[int]:
    """The indexes of the requests to send: in turn, or drawn with the client's weights."""
    count = len(client["requests"])
    if "weights" not in client:
        yield from itertools.cycle(range(count))
        return
    draws = random.Random(client["seed"])  # noqa: S311 - a load pattern, not secrets
    cumulative = list(itertools.accumulate(client["weights"]))
    while True:
        yield from draws.choices(range(count), cum_weights=cumulative, k=1000)


async def _client(host: str, port: int, client: dict, window: Window, per_connection: int) -> None:
    requests = [raw.encode("utf-8") for raw in client["requests"]]
    kinds = client.get("kinds") or [""]
    expect = set(client["expect"])
    reader = writer = None
    on_connection = 0
    for index in _order(client):
        started = time.perf_counter()
        if started >= window.end:
            break
        raw, kind = requests[index], kinds[index % len(kinds)]
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
                on_connection = 0
            writer.write(raw)
            status, keep, body = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as error:
            window.error(time.perf_counter(), kind, f"{type(error).__name__}: {error}")
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.01)
            continue
        window.record(kind, started, status, expect, body)
        on_connection += 1
        if not keep or (per_connection and on_connection >= per_connection):
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _paced(host: str, port: int, client: dict, window: Window) -> None:
    requests = [raw.encode("utf-8") for raw in client["requests"]]
    kinds = client.get("kinds") or [""]
    interval = client["interval"]
    # The first slot of the schedule (window.start + k * interval) from now on.
    slot = window.start - int((window.start - time.perf_counter()) / interval) * interval
    sent = []
    for index in _order(client):
        if slot >= window.end:
            break
        await asyncio.sleep(max(0.0, slot - time.perf_counter()))
        slot += interval
        exchange = _exchange(host, port, requests[index], kinds[index % len(kinds)], set(client["expect"]), window)
        sent.append(asyncio.create_task(exchange))
    await asyncio.gather(*sent)


async def _exchange(host: str, port: int, raw: bytes, kind: str, expect: set[int], window: Window) -> None:
    """One request on a connection of its own."""
    started = time.perf_counter()
    writer = None
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(raw)
        status, _keep, body = await _read_response(reader)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as error:
        window.error(time.perf_counter(), kind, f"{type(error).__name__}: {error}")
        return
    finally:
        if writer is not None:
            writer.close()
    window.record(kind, started, status, expect, body)


def _percentile(ordered: list[float], share: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] * 1000


def _figures(latencies: list[float], errors: int) -> dict:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "errors": errors,
        "p50": _percentile(ordered, 0.50),
        "p95": _percentile(ordered, 0.95),
        "p99": _percentile(ordered, 0.99),
        "max": ordered[-1] * 1000 if ordered else float("nan"),
    }


async def _run(spec: dict) -> dict:
    window = Window(spec["warmup"], spec["duration"])
    host, port = spec["host"], spec["port"]
    tasks = [
        asyncio.create_task(
            _paced(host, port, client, window)
            if client.get("interval")
            else _client(host, port, client, window, spec.get("per_connection", 0))
        )
        for client in spec["clients"]
    ]
    await asyncio.sleep(max(0.0, window.start - time.perf_counter()))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print("measuring", flush=True)
    await asyncio.sleep(max(0.0, window.end - time.perf_counter()))
    used = resource.getrusage(resource.RUSAGE_SELF)
    print("done", flush=True)
    await asyncio.gather(*tasks)
    kinds = sorted(window.latencies.keys() | window.errors.keys())
    return {
        **_figures(
            [seconds for kind in kinds for seconds in window.latencies.get(kind, [])], sum(window.errors.values())
        ),
        "error_samples": window.samples,
        "statuses": window.statuses,
        "seconds": spec["duration"],
        "client_cpu": (used.ru_utime + used.ru_stime) - (usage.ru_utime + usage.ru_stime),
        "kinds": {kind: _figures(window.latencies.get(kind, []), window.errors.get(kind, 0)) for kind in kinds},
    }


def main() -> None:
    spec = json.load(sys.stdin)
    print(json.dumps(asyncio.run(_run(spec))), flush=True)


if __name__ == "__main__":
    main()
