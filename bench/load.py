"""The load generator of `bench.run`: closed-loop HTTP/1.1 clients on asyncio streams.

    python -m bench.load < spec.json

Runs in a process of its own and imports nothing from the project, so that the server's
CPU and the client's are told apart. The spec (JSON on stdin) names the server, a warm-up
and a measured duration, and one entry per client: the raw requests it sends in turn and
the statuses that count as success. A client keeps its connection for `per_connection`
requests (0: for ever), or until the server closes it, then opens a new one. Each client
sends its next request as soon as the previous answer is read: a fixed concurrency, not a
fixed rate.

Prints `measuring` when the warm-up ends and `done` when the measured window closes (the
caller samples CPU counters then), then one JSON line: requests completed inside the
window, their latencies' percentiles (ms, from the first byte written, connection
included, to the last byte read), errors (unexpected status, refused or broken
connection) with a few samples, and this process's CPU seconds over the window.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time


class Window:
    def __init__(self, warmup: float, duration: float) -> None:
        self.start = time.perf_counter() + warmup
        self.end = self.start + duration
        self.latencies: list[float] = []
        self.errors = 0
        self.samples: list[str] = []
        self.statuses: dict[int, int] = {}

    def inside(self, moment: float) -> bool:
        return self.start <= moment < self.end

    def error(self, moment: float, text: str) -> None:
        if self.inside(moment):
            self.errors += 1
            if len(self.samples) < 5:
                self.samples.append(text[:300])


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


async def _client(
    host: str, port: int, requests: list[bytes], expect: set[int], window: Window, per_connection: int
) -> None:
    reader = writer = None
    number = on_connection = 0
    while True:
        started = time.perf_counter()
        if started >= window.end:
            break
        raw = requests[number % len(requests)]
        number += 1
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
                on_connection = 0
            writer.write(raw)
            status, keep, body = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as error:
            window.error(time.perf_counter(), f"{type(error).__name__}: {error}")
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.01)
            continue
        finished = time.perf_counter()
        if window.inside(finished):
            window.statuses[status] = window.statuses.get(status, 0) + 1
            if status in expect:
                window.latencies.append(finished - started)
            else:
                window.error(finished, f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}")
        on_connection += 1
        if not keep or (per_connection and on_connection >= per_connection):
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def _percentile(ordered: list[float], share: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] * 1000


async def _run(spec: dict) -> dict:
    window = Window(spec["warmup"], spec["duration"])
    tasks = [
        asyncio.create_task(
            _client(
                spec["host"],
                spec["port"],
                [raw.encode("utf-8") for raw in client["requests"]],
                set(client["expect"]),
                window,
                spec.get("per_connection", 0),
            )
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
    ordered = sorted(window.latencies)
    return {
        "requests": len(ordered),
        "errors": window.errors,
        "error_samples": window.samples,
        "statuses": window.statuses,
        "seconds": spec["duration"],
        "p50": _percentile(ordered, 0.50),
        "p95": _percentile(ordered, 0.95),
        "p99": _percentile(ordered, 0.99),
        "max": ordered[-1] * 1000 if ordered else float("nan"),
        "client_cpu": (used.ru_utime + used.ru_stime) - (usage.ru_utime + usage.ru_stime),
    }


def main() -> None:
    spec = json.load(sys.stdin)
    print(json.dumps(asyncio.run(_run(spec))), flush=True)


if __name__ == "__main__":
    main()
