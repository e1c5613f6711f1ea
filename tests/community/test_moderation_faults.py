"""Moderation survives its faults: Redis down while a member posts, a worker killed mid-task.

PRODUCT.md §4: "Nothing is lost when Redis or the worker is down: the database holds each
item's state; a periodic sweeper re-enqueues items left pending too long."

Each test runs its own throwaway `redis-server` and real workers on it (tests/faults.py);
the publishing side of this process (the view, the sweeper) is switched to that Redis too.
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import threading
import time
from contextlib import suppress
from datetime import timedelta

import pytest
import redis
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import ModerationDecision, ModerationItem, ModerationMode, ModerationRule
from community.models.moderation import ItemState
from community.moderation import services as moderation_services
from community.moderation.services import moderation_check, moderation_sweep
from config.celery import app
from ideas.models import Idea, ModerationState
from outbox.models import Job, JobState
from outbox.services import relay
from tests.celery_worker import wait_for
from tests.factories import make_idea
from tests.faults import Worker, private_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# `moderation_sweep(older_than=timedelta(0))` would be the natural call, but the service
# reads a zero timedelta as "not given" (see test_a_zero_age_sweeps_every_pending_item):
# one microsecond means the same thing ("everything pending now") and is not falsy.
EVERYTHING_PENDING = timedelta(microseconds=1)


# --- A slow spam checker ----------------------------------------------------------------


class SlowSpamChecker:
    """An Akismet-compatible endpoint that answers "false" (ham); the first request waits
    until released (or 30 s), so that a task is caught in the middle of its work."""

    def __init__(self) -> None:
        self.requests = 0
        self.first_seen = threading.Event()
        self.release = threading.Event()
        checker = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                checker.requests += 1
                if checker.requests == 1:
                    checker.first_seen.set()
                    checker.release.wait(timeout=30)
                with suppress(OSError):  # the worker that asked may be dead by now
                    self.send_response(200)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(b"false")

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/1.1/comment-check"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> SlowSpamChecker:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


# --- Helpers ----------------------------------------------------------------------------


def _state_of(item_id: int) -> str:
    return ModerationItem.objects.values_list("state", flat=True).get(pk=item_id)


def _pre_moderated(community) -> None:
    community.moderation_mode = ModerationMode.PRE
    community.save()


# --- The sweeper's own contract -----------------------------------------------------------


def test_a_zero_age_sweeps_every_pending_item(community_a, member_a, monkeypatch):
    queued: list[int] = []
    # The broker "loses" it.
    monkeypatch.setattr(moderation_services, "enqueue_check", lambda item_id, quiet=False: queued.append(item_id))
    _pre_moderated(community_a)
    idea = make_idea(community_a, member_a, title="Un item resté en attente")
    item = ModerationItem.objects.get(idea=idea)
    assert item.state == ItemState.PENDING
    queued.clear()

    assert moderation_sweep(older_than=timedelta(0)) == 1
    assert queued == [item.pk]


# --- a. Redis stopped while a member posts -------------------------------------------------


def test_a_post_made_while_redis_is_down_is_checked_once_it_is_back(
    outage_ready, community_a, member_a, tmp_path, caplog
):
    redis_server = outage_ready
    _pre_moderated(community_a)
    client = Client()
    client.force_login(member_a)
    client.get(reverse("ideas:create"))  # a warm page, as when the member fills in the form

    redis_server.kill()
    started = time.monotonic()
    response = client.post(
        reverse("ideas:create"),
        {"title": "Des casiers à vélos en gare", "body": "Sécurisés, près des quais.", "tags": ""},
    )
    post_seconds = time.monotonic() - started
    print(f"\nPOST with Redis down answered in {post_seconds:.3f} s")

    idea = Idea.objects.get(title="Des casiers à vélos en gare")
    assert response.status_code == 302
    assert response["Location"] == idea.get_absolute_url()
    item = ModerationItem.objects.get(idea=idea)
    assert item.state == ItemState.PENDING
    assert idea.moderation_state == ModerationState.PENDING
    assert "Could not hand job" in caplog.text
    assert Job.objects.get(task="moderation.check_item", args=[item.pk]).state == JobState.PENDING

    # Still during the outage: the author sees the idea, awaiting review; a visitor does not.
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "banner--pending" in page.content.decode()
    assert Client().get(idea.get_absolute_url()).status_code == 404

    redis_server.start()  # the same port, empty: the lost message is really lost
    with private_worker(redis_server.url, tmp_path / "worker.log") as worker:
        # The publishing side is not reset: its pooled connection must recover by itself.
        # The check waits in the outbox; beat's relay hands it over once it is due (30 s).
        Job.objects.filter(task="moderation.check_item", state=JobState.PENDING).update(due_at=timezone.now())
        assert relay() == 1
        try:
            wait_for(lambda: _state_of(item.pk) != ItemState.PENDING, timeout=60, interval=0.2)
        except AssertionError:
            pytest.fail(f"Not decided after the sweep; worker log:\n{worker.log()[-4000:]}")

    item.refresh_from_db()
    idea.refresh_from_db()
    assert item.state == ItemState.APPROVED
    job = Job.objects.get(task="moderation.check_item", args=[item.pk])
    assert (job.state, job.attempts, job.sends) == (JobState.DONE, 1, 2)
    assert idea.moderation_state == ModerationState.APPROVED
    assert ModerationDecision.objects.filter(item=item, automatic=True).count() == 1
    assert Client().get(idea.get_absolute_url()).status_code == 200  # public now


# --- b. A worker killed in the middle of a check --------------------------------------------


def _unacked(redis_client: redis.Redis) -> dict[str, dict]:
    """Kombu's record of delivered, unacknowledged messages: delivery tag -> message."""
    return {tag.decode(): json.loads(payload)[0] for tag, payload in redis_client.hgetall("unacked").items()}


def _received(worker: Worker, task_id: str) -> int:
    return worker.log().count(f"moderation.check_item[{task_id}] received")


def test_a_check_killed_with_its_worker_is_decided_exactly_once(outage_ready, community_a, member_a, tmp_path):
    redis_server = outage_ready
    broker = redis_server.client()
    _pre_moderated(community_a)
    ModerationRule.objects.update_or_create(community=community_a, defaults={"use_spam_check": True})

    with SlowSpamChecker() as checker:
        worker_env = {"MODERATION_SPAM_CHECK_URL": checker.url, "MODERATION_SPAM_CHECK_TIMEOUT": "60"}
        first = private_worker(redis_server.url, tmp_path / "worker-1.log", worker_env)
        with first as worker:
            idea = make_idea(community_a, member_a, title="Des fontaines à eau dans les gares")
            item = ModerationItem.objects.get(idea=idea)
            assert checker.first_seen.wait(timeout=60), f"The check never started:\n{worker.log()[-4000:]}"
            # The task is running (it waits on the spam checker): kill its worker outright.
            os.kill(worker.process.pid, signal.SIGKILL)
            worker.process.wait(timeout=10)

        assert _state_of(item.pk) == ItemState.PENDING
        assert not ModerationDecision.objects.filter(item=item).exists()
        # The message is still in Redis, delivered but never acknowledged: Redis would hand it
        # out again only after the visibility timeout (an hour).
        [(original_tag, original)] = _unacked(broker).items()
        original_task_id = original["headers"]["id"]
        assert original["headers"]["argsrepr"] == f"({item.pk},)"
        checker.release.set()

        with private_worker(redis_server.url, tmp_path / "worker-2.log", worker_env) as worker:
            assert moderation_sweep(older_than=EVERYTHING_PENDING) == 1
            try:
                wait_for(lambda: _state_of(item.pk) != ItemState.PENDING, timeout=60, interval=0.2)
            except AssertionError:
                pytest.fail(f"Not decided after the sweep; worker log:\n{worker.log()[-4000:]}")
            assert _state_of(item.pk) == ItemState.APPROVED

            # An hour later Redis gives the killed worker's message back: make that hour pass
            # and let kombu restore it, exactly as a worker's periodic restore would.
            wait_for(lambda: list(_unacked(broker)) == [original_tag], timeout=30)
            broker.zadd("unacked_index", {original_tag: time.time() - 2 * 3600})
            with app.connection_for_write() as connection:
                connection.default_channel.qos.restore_visible(num=10, interval=1)
            try:
                wait_for(lambda: _received(worker, original_task_id) == 1, timeout=30)
                wait_for(lambda: not _unacked(broker) and broker.llen("moderation") == 0, timeout=30)
            except AssertionError:
                pytest.fail(f"The redelivered message did not run; worker log:\n{worker.log()[-4000:]}")
            assert worker.process.poll() is None

    item.refresh_from_db()
    idea.refresh_from_db()
    assert item.state == ItemState.APPROVED
    assert idea.moderation_state == ModerationState.APPROVED
    assert checker.requests == 2  # the killed check, then the sweeper's
    decisions = ModerationDecision.objects.filter(item=item)
    assert decisions.count() == 1
    assert decisions.get().automatic is True
    # And once more by hand: nothing to do, nothing recorded.
    assert moderation_check(item.pk) is None
    assert ModerationDecision.objects.filter(item=item).count() == 1
