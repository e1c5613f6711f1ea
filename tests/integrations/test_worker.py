"""Deliveries by real workers on a real Redis: latency, and a worker killed mid-deliveries.

Real worker processes on a throwaway Redis (tests/faults.py) post to a receiver in this
process. The relay and the sweeper are called by the test where beat would call them."""

from __future__ import annotations

import os
import signal
import statistics
import time
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

import events
from integrations.models import DeliveryState, WebhookDelivery
from integrations.services import deliveries_queue_due
from outbox.models import OPEN, Job, JobState
from outbox.services import relay
from tests.celery_worker import wait_for
from tests.faults import private_worker
from tests.integrations.conftest import make_endpoint
from tests.integrations.receiver import running_receiver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

EVENTS = int(os.environ.get("WEBHOOK_KILL_EVENTS", "60"))
WORKER_ENV = {"WEBHOOKS_ALLOW_PRIVATE": "true", "OUTBOX_LEASE_SECONDS": "3"}


def publish(idea) -> str:
    with transaction.atomic():
        return events.publish("idea.posted", community_id=idea.community_id, subject=idea).id


def sweep_until_delivered(count: int, timeout: float) -> None:
    """Beat's relay and sweeper, until `count` deliveries are delivered."""
    deadline = time.monotonic() + timeout
    while WebhookDelivery.objects.filter(state=DeliveryState.DELIVERED).count() < count:
        if time.monotonic() > deadline:
            states = Counter(WebhookDelivery.objects.values_list("state", flat=True))
            raise AssertionError(f"Deliveries not all made after {timeout} s: {states}")
        relay()
        deliveries_queue_due()
        time.sleep(0.5)


def test_a_worker_killed_during_deliveries_delivers_every_event_at_least_once(outage_ready, idea_a, settings, tmp_path):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    redis_server = outage_ready
    with running_receiver() as receiver:
        endpoint = make_endpoint(idea_a.community, receiver.url, ["idea.posted"])
        receiver.secret = endpoint.secret

        with private_worker(redis_server.url, tmp_path / "worker-1.log", WORKER_ENV) as worker:
            # Latency first: one event at a time to an idle worker, commit → receiver.
            latencies = []
            for sent in range(1, 6):
                committed = time.monotonic()
                publish(idea_a)
                wait_for(lambda sent=sent: len(receiver.requests) >= sent, timeout=30, interval=0.005)
                latencies.append((receiver.requests[-1].at - committed) * 1000)
                wait_for(lambda sent=sent: WebhookDelivery.objects.filter(state="delivered").count() >= sent)
            receiver.delay = 0.05  # a receiver that takes its time: the kill lands mid-request
            # Then a burst, and the worker killed a third of the way through.
            ids = [publish(idea_a) for _ in range(EVENTS)]
            try:
                wait_for(lambda: len(receiver.requests) >= 5 + EVENTS // 3, timeout=60, interval=0.01)
            except AssertionError:
                pytest.fail(f"Nothing delivered; worker log:\n{worker.log()[-4000:]}")
            os.killpg(worker.process.pid, signal.SIGKILL)
            worker.process.wait(timeout=10)
        at_kill = len(receiver.requests) - 5
        in_flight = Job.objects.filter(state=JobState.RUNNING).count()

        with private_worker(redis_server.url, tmp_path / "worker-2.log", WORKER_ENV) as worker:
            # The killed worker's prefetched message waits for Redis's hour; beat's relay takes
            # its job once due (30 s after the hand-over): that wait, passed.
            Job.objects.filter(state=JobState.PENDING).update(due_at=timezone.now())
            try:
                sweep_until_delivered(5 + EVENTS, timeout=120)
            except AssertionError as error:
                pytest.fail(f"{error}\nworker log:\n{worker.log()[-4000:]}")

    received = Counter(receiver.webhook_ids())
    duplicates = sum(count - 1 for count in received.values())
    print(
        f"\nWEBHOOK-KILL events={EVENTS} delivered_at_kill={at_kill} jobs_running_at_kill={in_flight} "
        f"duplicates={duplicates} latency_ms median={statistics.median(latencies):.0f} max={max(latencies):.0f}"
    )
    assert 0 < at_kill < EVENTS
    assert set(ids) <= set(received)  # every event at least once
    # A solo worker sends one delivery at a time: the one it was sending when killed may have
    # reached the receiver before the kill, and is sent again, with the same webhook-id.
    assert duplicates <= in_flight <= 1
    assert all(request.verified for request in receiver.requests)
    assert not WebhookDelivery.objects.exclude(state=DeliveryState.DELIVERED).exists()
    assert not Job.objects.filter(state__in=[*OPEN, JobState.FAILED]).exists()
