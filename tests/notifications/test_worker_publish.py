"""Publishing an official response with a real worker over the real Redis broker, and a
real SMTP server receiving the followers' e-mails.

The manager's request only queues `notifications.publish_response`; the worker publishes
the response, moves the idea's status, writes one inbox row per follower and sends one
e-mail per follower. The broker may deliver the task again: nothing more is written or sent.
"""

from __future__ import annotations

import os
import select
import socket
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from django.test import Client

from ideas.models import OfficialResponse, ResponseState
from notifications.models import Kind, Notification
from notifications.tasks import publish_response
from tests.celery_worker import celery_worker, wait_for
from tests.factories import login_with_mfa
from tests.notifications.conftest import HOST_A, add_followers, follow, publish_form, respond_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FOLLOWERS = 20


class SmtpSink:
    """An aiosmtpd handler that keeps each message's recipients and content."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"

    def per_recipient(self) -> Counter:
        return Counter(address for recipients, _content in self.messages for address in recipients)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WorkerLog:
    """The worker's output so far, read without blocking."""

    def __init__(self, process) -> None:
        self.fd = process.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.text = ""

    def read(self) -> str:
        while select.select([self.fd], [], [], 0)[0]:
            chunk = os.read(self.fd, 65536)
            if not chunk:
                break
            self.text += chunk.decode(errors="replace")
        return self.text

    def successes_of(self, task_name: str) -> int:
        """How many runs of the task have finished without error so far."""
        return sum(1 for line in self.read().splitlines() if f"Task {task_name}[" in line and " succeeded in " in line)


@pytest.fixture
def smtp():
    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.url = f"smtp://127.0.0.1:{port}"
    yield sink
    controller.stop()


def test_a_worker_publishes_the_response_and_tells_each_follower_once(
    smtp, community_a, idea_a, member_a, brand_manager_a
):
    followers = [member_a, *add_followers(idea_a, FOLLOWERS)]
    add_followers(idea_a, 2, prefix="gone", is_active=False)
    follow(idea_a, brand_manager_a)
    planned = community_a.statuses.get(slug="planned")
    manager = Client()
    login_with_mfa(manager, brand_manager_a)

    with celery_worker({"EMAIL_URL": smtp.url}) as worker:
        log = WorkerLog(worker)
        answer = manager.post(respond_url(idea_a), publish_form(status=planned), HTTP_HOST=HOST_A)
        assert answer.status_code == 302

        response = wait_for(
            lambda: OfficialResponse.objects.filter(
                idea=idea_a, state=ResponseState.PUBLISHED, notified_at__isnull=False
            ).first()
        )
        wait_for(lambda: len(smtp.messages) >= len(followers))
        wait_for(lambda: log.successes_of("notifications.publish_response") == 1)

        idea_a.refresh_from_db()
        assert idea_a.status == planned
        # (The idea's author also hears of a badge for their first idea: not this test's business.)
        told = Notification.objects.exclude(kind=Kind.BADGE)
        assert Counter(told.values_list("recipient_id", flat=True)) == Counter(user.pk for user in followers)
        assert set(told.values_list("kind", "key")) == {(Kind.RESPONSE, f"response:{response.pk}")}
        assert smtp.per_recipient() == Counter(user.email for user in followers)
        assert all("List-Unsubscribe-Post: List-Unsubscribe=One-Click" in content for _to, content in smtp.messages)

        # The broker delivers the task twice more (a lost acknowledgement, a sweep).
        publish_response.delay(response.pk)
        publish_response.delay(response.pk)
        wait_for(lambda: log.successes_of("notifications.publish_response") == 3)

    assert Notification.objects.exclude(kind=Kind.BADGE).count() == len(followers)
    assert smtp.per_recipient() == Counter(user.email for user in followers)
    assert OfficialResponse.objects.get(pk=response.pk).published_at == response.published_at
    assert idea_a.status_changes.count() == 1
