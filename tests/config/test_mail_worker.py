"""E-mail delivered by a real Celery worker process over the real Redis broker."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import send_mail

from tests.celery_worker import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_worker_delivers_mail_over_smtp():
    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        with celery_worker({"EMAIL_URL": f"smtp://127.0.0.1:{port}"}):
            send_mail("Bienvenue", "Votre compte est prêt.", "lab@example.test", ["camille@example.test"])
            [(sender, recipients, content)] = wait_for(lambda: inbox.messages)
    finally:
        smtp.stop()
    assert sender == "lab@example.test"
    assert recipients == ["camille@example.test"]
    assert "Subject: Bienvenue" in content


def test_the_worker_retries_until_the_smtp_server_comes_back():
    inbox = Inbox()
    port = free_port()  # nothing listens yet: the first attempt is refused
    with celery_worker({"EMAIL_URL": f"smtp://127.0.0.1:{port}"}) as worker:
        send_mail("Patience", "Corps", "lab@example.test", ["camille@example.test"])
        wait_for(lambda: "Retry in" in _read_available(worker), timeout=20)
        smtp = Controller(inbox, hostname="127.0.0.1", port=port)
        smtp.start()
        try:
            [(_sender, _recipients, content)] = wait_for(lambda: inbox.messages, timeout=40)
        finally:
            smtp.stop()
    assert "Subject: Patience" in content


_worker_logs: dict[int, str] = {}


def _read_available(process) -> str:
    """The worker's log so far, read without blocking."""
    import os
    import select

    fd = process.stdout.fileno()
    os.set_blocking(fd, False)
    while select.select([fd], [], [], 0)[0]:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        _worker_logs[process.pid] = _worker_logs.get(process.pid, "") + chunk.decode(errors="replace")
    return _worker_logs.get(process.pid, "")
