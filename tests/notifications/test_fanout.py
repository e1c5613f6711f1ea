"""Publishing an official response to an idea with thousands of followers.

The request only schedules the response and queues a task, so it costs the same whatever
the number of followers. Once the transaction commits, the task publishes the response and
tells each active follower once (an inbox row and an e-mail), never the manager who
published it. The task is idempotent: delivered again, it writes and sends nothing. Its own
cost grows with the number of chunks of `CHUNK_SIZE` recipients, not with the recipients.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from ideas.models import ResponseState
from notifications.events import response_announcement
from notifications.models import Kind, Notification
from notifications.services import CHUNK_SIZE, Announcement, Audience, Event, deliver
from notifications.tasks import deliver_task, publish_due, publish_response
from tests.factories import login_with_mfa, make_idea
from tests.notifications.conftest import HOST_A, add_followers, follow, publish_form, respond_url

MANY = 5000


def publish_request(client, idea, django_capture_on_commit_callbacks) -> tuple[list[str], list]:
    """POST "publish" and return the SQL it ran and the on-commit callbacks it left, unrun."""
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        CaptureQueriesContext(connection) as queries,
    ):
        answer = client.post(respond_url(idea), publish_form(), HTTP_HOST=HOST_A)
    assert answer.status_code == 302
    return [query["sql"] for query in queries.captured_queries], callbacks


def run(callbacks) -> None:
    """Run what the request left for after its commit, and what that queues in turn (the
    mail jobs), as the worker would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        for callback in callbacks:
            callback()


def emails_per_address() -> Counter:
    return Counter(address for message in mail.outbox for address in message.to)


def notifications_per_recipient(**filters) -> Counter:
    return Counter(Notification.objects.filter(**filters).values_list("recipient_id", flat=True))


@pytest.fixture
def crowd(idea_a, member_a, brand_manager_a):
    """Everyone who should hear of an answer on idea_a: its author and 5,000 active
    followers. Also following, and not to be told: the manager who will publish, and
    three deactivated members."""
    followers = add_followers(idea_a, MANY)
    add_followers(idea_a, 3, prefix="gone", is_active=False)
    follow(idea_a, brand_manager_a)
    return [member_a, *followers]


@pytest.fixture
def published(client, brand_manager_a, idea_a, crowd, django_capture_on_commit_callbacks):
    """The manager publishes on idea_a; the task runs once the request has committed."""
    login_with_mfa(client, brand_manager_a)
    _sql, callbacks = publish_request(client, idea_a, django_capture_on_commit_callbacks)
    run(callbacks)
    return idea_a.responses.get()


def test_the_publishing_request_costs_the_same_with_5_or_5000_followers(
    client, community_a, brand_manager_a, django_capture_on_commit_callbacks
):
    few = make_idea(community_a, title="Des horaires affichés en gare")
    many = make_idea(community_a, title="Du Wi-Fi dans les TER")
    add_followers(few, 5, prefix="few")
    add_followers(many, MANY, prefix="many")
    login_with_mfa(client, brand_manager_a)
    for idea in (few, many):  # the community's host and both public ideas are looked up and cached
        client.get(idea.get_absolute_url(), HTTP_HOST=HOST_A)

    few_sql, few_callbacks = publish_request(client, few, django_capture_on_commit_callbacks)
    many_sql, many_callbacks = publish_request(client, many, django_capture_on_commit_callbacks)

    assert len(many_sql) == len(few_sql), "\n".join(many_sql)
    assert len(many_callbacks) == len(few_callbacks)
    # Nobody has been told yet: that is the task's work, after the commit.
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_after_the_commit_every_follower_gets_one_notification_and_one_email(published, crowd):
    assert published.state == ResponseState.PUBLISHED
    assert published.notified_at is not None
    assert notifications_per_recipient() == Counter(user.pk for user in crowd)
    assert set(Notification.objects.values_list("kind", "key")) == {(Kind.RESPONSE, f"response:{published.pk}")}
    assert emails_per_address() == Counter(user.email for user in crowd)


def test_delivering_the_task_again_creates_and_sends_nothing(published, crowd):
    rows, emails = Notification.objects.count(), len(mail.outbox)

    publish_response.delay(published.pk)  # the broker redelivers the task
    publish_due.delay()  # the sweep finds nothing left to publish or announce
    # Even a delivery that skips the "already announced" mark is stopped by the rows.
    deliver_task.delay(response_announcement(published).as_payload())

    assert Notification.objects.count() == rows == len(crowd)
    assert len(mail.outbox) == emails == len(crowd)
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_a_second_delivery_reports_nobody_told(publish, idea_a):
    add_followers(idea_a, 5)
    response = publish(idea_a)
    report = deliver(response_announcement(response))
    assert (report.notified, report.emailed) == (0, 0)


def test_the_manager_who_publishes_is_not_told(publish, brand_manager_a, idea_a, member_a):
    follow(idea_a, brand_manager_a)
    publish(idea_a)
    assert notifications_per_recipient() == Counter([member_a.pk])
    assert emails_per_address() == Counter([member_a.email])


def test_inactive_followers_are_told_nothing(publish, idea_a, member_a):
    add_followers(idea_a, 3, prefix="gone", is_active=False)
    publish(idea_a)
    assert notifications_per_recipient() == Counter([member_a.pk])
    assert emails_per_address() == Counter([member_a.email])


def test_the_tasks_queries_grow_with_chunks_not_recipients(community_a):
    half = make_idea(community_a, title="Des vélos dans les trains")
    full = make_idea(community_a, title="Des prises à chaque siège")
    followers = add_followers(full, MANY)
    follow(half, *followers[: MANY // 2])

    def queries_to_tell_followers_of(idea) -> tuple[int, int]:
        """(queries, chunks) of telling the idea's followers (its author follows it too)."""
        event = Event(key=f"test:{idea.pk}", community_id=community_a.pk, idea_id=idea.pk, data={"title": idea.title})
        announcement = Announcement(event, (Audience(Kind.STATUS, followers_of=idea.pk),))
        with CaptureQueriesContext(connection) as queries:
            report = deliver(announcement)
        assert report.notified == report.emailed == idea.follows.count()
        return len(queries), math.ceil(report.notified / CHUNK_SIZE)

    (for_half, half_chunks), (for_full, full_chunks) = map(queries_to_tell_followers_of, (half, full))

    # Per chunk: its followers, their preferences, who was already told, the inbox rows,
    # and the e-mail claim (savepoint, lock, mark, recipients, the mail jobs in one insert,
    # release).
    assert for_full - for_half <= (full_chunks - half_chunks) * 10
    assert for_full <= 10 + full_chunks * 9
