"""Retries for about a day, 410 Gone, and the endpoint disabled with an e-mail to its admins."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.core import mail
from django.utils import timezone

from events import VoteFact
from integrations.models import DeliveryState, WebhookDelivery
from integrations.services import DISABLE_AFTER, JITTER, MAX_ATTEMPTS, RETRY_DELAYS, deliveries_queue_due
from tests.integrations.conftest import publish

SCHEDULE = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600]


def sweep_until_done(capture, traveller) -> list[float]:
    """What beat does: queue the due deliveries, each time their next attempt comes.
    Returns the waits between attempts, in seconds."""
    waits = []
    delivery = WebhookDelivery.objects.get()
    while delivery.state == DeliveryState.PENDING:
        wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
        waits.append(wait)
        traveller.move_to(delivery.next_attempt_at - timedelta(seconds=1))
        assert deliveries_queue_due() == 0  # not due yet
        traveller.move_to(delivery.next_attempt_at)
        with capture(execute=True):
            assert deliveries_queue_due() == 1
        delivery.refresh_from_db()
    return waits


def test_the_schedule_is_the_documented_one():
    assert [delay.total_seconds() for delay in RETRY_DELAYS] == SCHEDULE
    assert MAX_ATTEMPTS == 8
    assert timedelta(seconds=sum(SCHEDULE)) == timedelta(hours=27, minutes=35, seconds=5)


def test_a_failing_receiver_is_retried_on_the_schedule_then_disabled_and_the_admins_told(
    endpoint_a, receiver, idea_a, admin_a, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            event = publish("idea.posted", idea_a.community, idea_a)
        mail.outbox.clear()
        waits = sweep_until_done(django_capture_on_commit_callbacks, traveller)

    assert len(receiver.requests) == MAX_ATTEMPTS
    assert set(receiver.webhook_ids()) == {event.id}  # one id on every retry
    assert all(request.verified for request in receiver.requests)  # each attempt signed anew
    for wait, expected in zip(waits, SCHEDULE, strict=True):
        assert expected * (1 - JITTER) <= wait <= expected * (1 + JITTER)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (DeliveryState.FAILED, 8, 500)
    assert "HTTP 500" in delivery.last_error
    endpoint_a.refresh_from_db()
    assert not endpoint_a.is_active
    assert endpoint_a.disabled_at is not None
    assert endpoint_a.consecutive_failures == 8
    assert endpoint_a.failing_since <= endpoint_a.disabled_at - DISABLE_AFTER
    [message] = mail.outbox
    assert message.to == [admin_a.email]
    assert "désactivé" in message.subject  # community A speaks French
    assert "https://ideas.brand-a.test/admin/integrations/webhookendpoint/" in message.body or (
        "http://ideas.brand-a.test/admin/integrations/webhookendpoint/" in message.body
    )
    assert endpoint_a.url not in message.body


def test_a_success_ends_the_run_of_failures(endpoint_a, receiver, idea_a, django_capture_on_commit_callbacks):
    receiver.statuses = [503, 502, 200]
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        with django_capture_on_commit_callbacks(execute=True):
            publish("idea.posted", idea_a.community, idea_a)
        sweep_until_done(django_capture_on_commit_callbacks, traveller)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (DeliveryState.DELIVERED, 3)
    endpoint_a.refresh_from_db()
    assert (endpoint_a.is_active, endpoint_a.consecutive_failures, endpoint_a.failing_since) == (True, 0, None)


def test_410_gone_disables_the_endpoint_at_once(
    endpoint_a, receiver, idea_a, admin_a, django_capture_on_commit_callbacks
):
    receiver.statuses = [410]
    with django_capture_on_commit_callbacks(execute=True):
        publish("idea.posted", idea_a.community, idea_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publish(
            "vote.cast", idea_a.community, VoteFact(idea=idea_a, user=idea_a.author, value=1, votes=1)
        )  # disabled: nothing recorded for it

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (DeliveryState.FAILED, 1, 410)
    endpoint_a.refresh_from_db()
    assert not endpoint_a.is_active
    assert "410" in endpoint_a.disabled_reason
    assert len(receiver.requests) == 1


def test_the_disabling_mail_is_sent_with_the_change(
    endpoint_a, receiver, idea_a, admin_a, django_capture_on_commit_callbacks
):
    receiver.statuses = [410]
    with django_capture_on_commit_callbacks(execute=True):
        publish("idea.posted", idea_a.community, idea_a)
    [message] = mail.outbox
    assert message.to == [admin_a.email]
    assert "410" in message.body


def test_no_answer_in_time_is_a_failure_to_retry(
    endpoint_a, receiver, idea_a, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_TIMEOUT = 1
    receiver.delay = 2
    with django_capture_on_commit_callbacks(execute=True):
        publish("idea.posted", idea_a.community, idea_a)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (DeliveryState.PENDING, 1, None)
    assert "1 s" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now()


def test_pending_deliveries_of_a_disabled_endpoint_are_given_up(
    endpoint_a, receiver, idea_a, django_capture_on_commit_callbacks
):
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        publish("idea.posted", idea_a.community, idea_a)
    endpoint_a.is_active = False
    endpoint_a.save()
    with time_machine.travel(timezone.now() + timedelta(minutes=1)), django_capture_on_commit_callbacks(execute=True):
        deliveries_queue_due()

    assert WebhookDelivery.objects.get().state == DeliveryState.ABANDONED
    assert len(receiver.requests) == 1
