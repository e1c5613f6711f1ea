"""A real HTTP receiver on 127.0.0.1, in a thread of the test: it verifies each request
with the Standard Webhooks reference library and records what came."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool | None  # None: no secret to verify with (team alerts)
    at: float = field(default_factory=time.monotonic)


@dataclass
class Receiver:
    port: int = 0
    secret: str | None = None
    # The status of each answer in turn; the last one repeats.
    statuses: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/cluetrain?team=product"

    def webhook_ids(self) -> list[str]:
        with self.lock:
            return [request.headers["webhook-id"] for request in self.requests]

    def take(self, path: str, headers: dict[str, str], body: bytes) -> int:
        verified = None
        if self.secret is not None:
            try:
                Webhook(self.secret).verify(body, headers)
                verified = True
            except WebhookVerificationError:
                verified = False
        with self.lock:
            self.requests.append(Received(path, headers, body, verified))
            index = len(self.requests) - 1
        if self.delay:
            time.sleep(self.delay)
        return self.statuses[min(index, len(self.statuses) - 1)]


@contextmanager
def running_receiver(**options) -> Iterator[Receiver]:
    receiver = Receiver(**options)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = receiver.take(self.path, {key.lower(): value for key, value in self.headers.items()}, body)
            try:
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the sender died meanwhile (the worker kill test)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
