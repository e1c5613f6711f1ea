"""The outbox against real faults: Redis down at a comment, a worker killed in a fan-out.

Real worker processes on a throwaway Redis (tests/faults.py); e-mail is delivered to files
(EMAIL_URL=filemail://), one per message, so that what reached each address can be
counted. The relay is called by the test where beat would call it every 10 s.

The kill test's crowd is FANOUT_KILL_CROWD followers (600 by default, to stay within a
minute), its lease FANOUT_KILL_LEASE seconds (3) and its relay every FANOUT_KILL_RELAY_EVERY
seconds (1); bench/fanout_kill.py runs it with 3,000, a 10 s lease and beat's 10 s relay,
and records the figures it prints (docs/reliability.md, "Measured").
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import ModerationItem
from ideas.models import Comment
from notifications.models import Delivery, Kind, Notification, Preference
from outbox.models import OPEN, Job, JobState
from outbox.services import relay
from tests.celery_worker import wait_for
from tests.factories import MembershipFactory, UserFactory, login_with_mfa
from tests.faults import private_worker
from tests.notifications.conftest import HOST_A, add_followers, publish_form, respond_url

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CROWD = int(os.environ.get("FANOUT_KILL_CROWD", "600"))
LEASE_SECONDS = int(os.environ.get("FANOUT_KILL_LEASE", "3"))
TO = re.compile(r"^To: (.+)$", re.MULTILINE)
MESSAGE_ID = re.compile(r"^Message-ID: (.+)$", re.MULTILINE)


def mail_env(mail_dir: Path) -> dict[str, str]:
    return {"EMAIL_URL": f"filemail://{mail_dir}", "OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS)}


def delivered(mail_dir: Path) -> list[tuple[str, str]]:
    """(address, Message-ID) of each message written, one file per message."""
    messages = []
    for path in mail_dir.glob("*.log"):
        text = path.read_text(errors="replace")
        messages += zip(TO.findall(text), MESSAGE_ID.findall(text), strict=True)
    return messages


def written(mail_dir: Path) -> int:
    return sum(1 for _ in mail_dir.glob("*.log"))


def open_jobs() -> int:
    return Job.objects.filter(state__in=OPEN).count()


def relay_until_done(every: float, timeout: float) -> None:
    """What beat does (relay every `every` s), until no job is left open."""
    deadline = time.monotonic() + timeout
    while open_jobs():
        if time.monotonic() > deadline:
            states = Counter(Job.objects.filter(state__in=OPEN).values_list("task", "state"))
            raise AssertionError(f"Jobs still open after {timeout} s: {states}")
        relay()
        time.sleep(every)


# --- a. Redis down while a member comments ----------------------------------------------------


def test_a_comment_posted_while_redis_is_down_is_announced_once_it_is_back(
    outage_ready, community_a, idea_a, member_a, tmp_path
):
    redis_server = outage_ready
    camille = UserFactory(username="camille")
    MembershipFactory(user=camille, community=community_a)
    client = Client()
    client.force_login(camille)
    client.get(idea_a.get_absolute_url())

    redis_server.kill()
    answer = client.post(reverse("ideas:comment", args=[idea_a.pk]), {"body": "Et des prises USB-C."})

    comment = Comment.objects.get(body="Et des prises USB-C.")
    assert answer.status_code == 302
    check = Job.objects.get(task="moderation.check_item", args=[ModerationItem.objects.get(comment=comment).pk])
    assert check.state == JobState.PENDING
    assert not Notification.objects.exists()

    redis_server.start()  # empty: what was published before the outage is gone too
    mail_dir = tmp_path / "mail"
    with private_worker(redis_server.url, tmp_path / "worker.log", mail_env(mail_dir)) as worker:
        Job.objects.filter(state=JobState.PENDING).update(due_at=timezone.now())  # beat's wait, passed
        try:
            relay_until_done(every=0.5, timeout=60)
        except AssertionError as error:
            pytest.fail(f"{error}\nworker log:\n{worker.log()[-4000:]}")

    key = f"comment:{comment.pk}"
    assert list(Notification.objects.filter(key=key).values_list("recipient_id", "kind")) == [
        (member_a.pk, Kind.COMMENT_ON_MINE)
    ]
    # A comment on one's idea comes by e-mail at once (the default): exactly one.
    to_author = [message for message in delivered(mail_dir) if member_a.email in message[0]]
    assert len(to_author) == 1
    assert not Job.objects.filter(state=JobState.FAILED).exists()


# --- b. A worker killed during a fan-out --------------------------------------------------------


def test_a_fanout_whose_worker_is_killed_tells_everyone_with_at_most_one_duplicate(
    outage_ready, idea_a, member_a, brand_manager_a, tmp_path
):
    redis_server = outage_ready
    followers = add_followers(idea_a, CROWD)
    Preference.objects.bulk_create(
        Preference(user=user, kind=Kind.RESPONSE, delivery=Delivery.IMMEDIATE) for user in followers
    )
    crowd = [member_a, *followers]  # the idea's author hears of it too
    manager = Client()
    login_with_mfa(manager, brand_manager_a)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()

    first = private_worker(redis_server.url, tmp_path / "worker-1.log", mail_env(mail_dir))
    with first as worker:
        clicked, clicked_wall = time.monotonic(), time.time()
        answer = manager.post(respond_url(idea_a), publish_form(), HTTP_HOST=HOST_A)
        assert answer.status_code == 302
        try:
            wait_for(lambda: written(mail_dir) >= len(crowd) // 3, timeout=120, interval=0.02)
        except AssertionError:
            pytest.fail(f"No e-mail written; worker log:\n{worker.log()[-4000:]}")
        os.killpg(worker.process.pid, signal.SIGKILL)  # the whole group: nothing finishes its task
        worker.process.wait(timeout=10)
        killed_at = time.monotonic()
    at_kill = written(mail_dir)
    in_flight = list(Job.objects.filter(state=JobState.RUNNING).values_list("task", flat=True))

    with private_worker(redis_server.url, tmp_path / "worker-2.log", mail_env(mail_dir)) as worker:
        try:
            relay_until_done(every=float(os.environ.get("FANOUT_KILL_RELAY_EVERY", "1")), timeout=300)
        except AssertionError as error:
            pytest.fail(f"{error}\nworker log:\n{worker.log()[-4000:]}")
    finished = time.monotonic()

    key = f"response:{idea_a.responses.get().pk}"
    told = Counter(Notification.objects.filter(key=key).values_list("recipient_id", flat=True))
    messages = delivered(mail_dir)
    per_address = Counter(address for address, _message_id in messages)
    expected = {user.email for user in crowd}
    missing_inbox = len({user.pk for user in crowd} - set(told))
    missing_email = len(expected - set(per_address))
    duplicates = sum(count - 1 for count in per_address.values())
    last_email = max(path.stat().st_mtime for path in mail_dir.glob("*.log"))
    print(
        f"\nFANOUT-KILL crowd={len(crowd)} written_at_kill={at_kill} in_flight={in_flight} "
        f"missing_inbox={missing_inbox} missing_email={missing_email} duplicates={duplicates} "
        f"click_to_kill={killed_at - clicked:.1f}s click_to_done={finished - clicked:.1f}s "
        f"last_email_after_click={last_email - clicked_wall:.1f}s "
        f"lease={LEASE_SECONDS}s"
    )

    assert 0 < at_kill < len(crowd)
    assert missing_inbox == 0
    assert max(told.values()) == 1
    assert missing_email == 0
    assert set(per_address) == expected
    # A solo worker runs one job at a time: the one message it was sending when killed may
    # have been written without its job being marked done, and is sent again after the lease.
    # The fan-out's claim and its mail jobs commit together, so a kill inside that
    # transaction loses both and doubles nothing.
    mail_in_flight = in_flight.count("mail.send_message")
    assert duplicates <= mail_in_flight <= 1
    # A message sent twice is the same message (one Message-ID), which mail clients fold.
    assert len({message_id for _address, message_id in messages}) == len(expected)
    assert not Job.objects.filter(state=JobState.FAILED).exists()
