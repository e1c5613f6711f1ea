"""What a brand manager's response action locks, on PostgreSQL with real transactions.

The state machine needs one row: the response's own (two managers, or a manager and the
publishing task, act on it in turn). Its community and idea are read, not locked: the
worker and members keep inserting rows that point at them (notifications, votes, points)
while a manager clicks, and a lock on the community row once deadlocked with them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from community.models import Community, Role, Status
from ideas.exceptions import Refused
from ideas.models import Idea, OfficialResponse, ResponseState, StatusChange
from ideas.responses import (
    publish_if_due,
    response_approve,
    response_create,
    response_publish,
    response_schedule,
    response_submit,
    response_update,
    response_withdraw,
)
from notifications.models import Notification
from tests.concurrency import race
from tests.factories import MembershipFactory, UserFactory, make_idea

BODY = "Merci ! Le Wi-Fi sera déployé sur toutes les lignes en 2026."
LOCK_TIMEOUT = "2s"
# Longer than LOCK_TIMEOUT: an action still waiting this long for the holder's lock is not one
# under `with_lock_timeout` (that one has failed by then), but work after its commit.
WAITED_TOO_LONG = "4s"
HOUR = timedelta(hours=1)
LATER = timezone.now() + 2 * HOUR

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def manager_2(community_a):
    user = UserFactory(username="manager-2-a", is_staff=True)
    MembershipFactory(user=user, community=community_a, role=Role.BRAND_MANAGER)
    return user


@pytest.fixture
def idea(community_a):
    return make_idea(community_a, title="Du Wi-Fi stable dans tous les trains")


def fresh(response: OfficialResponse) -> OfficialResponse:
    return OfficialResponse.objects.select_related("idea__community").get(pk=response.pk)


def planned(community: Community) -> Status:
    return Status.objects.get(community=community, slug="planned")


def scheduled(response: OfficialResponse) -> OfficialResponse:
    """Scheduled for an hour from now: `publish_if_due(now=LATER)` is the beat finding it due."""
    return response_schedule(response=fresh(response), user=response.author, publish_at=timezone.now() + HOUR)


def with_lock_timeout(work: Callable[[], object]) -> object:
    """Run `work` in a transaction that gives up (an error) after waiting LOCK_TIMEOUT for a lock."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        return work()


def someone_waited_too_long_for(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))"
            " AND clock_timestamp() - query_start > %s::interval",
            [pid, WAITED_TOO_LONG],
        )
        return cursor.fetchone() is not None


@contextmanager
def held_in_another_transaction(lock: Callable[[], object]) -> Iterator[None]:
    """`lock` runs in a thread's open transaction, which holds its locks until the block ends.

    Or until something has waited WAITED_TOO_LONG for them: the eager tasks run once an action
    has committed (publishing tells the idea's followers, rows that point at the community),
    outside the lock timeout, and would otherwise wait for the holder, which waits for the
    block to end: stuck until the holder gave up (30 s a test).
    """
    locked, release, errors = threading.Event(), threading.Event(), []

    def hold() -> None:
        try:
            with transaction.atomic():
                lock()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    pid = cursor.fetchone()[0]
                locked.set()
                deadline = time.monotonic() + 30
                while not release.wait(timeout=0.25) and time.monotonic() < deadline:
                    if someone_waited_too_long_for(pid):
                        break
        except Exception as error:
            errors.append(error)
            locked.set()
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert locked.wait(timeout=10)
    try:
        yield
    finally:
        release.set()
        thread.join(timeout=30)
    assert errors == []


def lock_community(community: Community) -> Callable[[], object]:
    return lambda: list(Community.objects.select_for_update().filter(pk=community.pk))


# --- Not the community ---------------------------------------------------------------------


def test_every_action_completes_while_another_transaction_holds_the_community_row(
    community_a, idea, brand_manager_a, manager_2
):
    community_a.response_needs_approval = True
    community_a.save()
    response = response_create(idea=idea, user=brand_manager_a, body=BODY, status=planned(community_a))
    steps = [
        lambda: response_update(response=fresh(response), user=brand_manager_a, body=BODY + " Bientôt."),
        lambda: response_submit(response=fresh(response), user=brand_manager_a),
        lambda: response_approve(response=fresh(response), user=manager_2),
        lambda: response_publish(response=fresh(response), user=manager_2),
    ]
    with held_in_another_transaction(lock_community(community_a)):
        for step in steps:
            with_lock_timeout(step)
    assert fresh(response).state == ResponseState.PUBLISHED  # tasks run eagerly here, once committed


def test_withdrawing_completes_while_another_transaction_holds_the_community_row(community_a, idea, brand_manager_a):
    response = response_create(idea=idea, user=brand_manager_a, body=BODY)
    with held_in_another_transaction(lock_community(community_a)):
        with_lock_timeout(lambda: response_withdraw(response=fresh(response), user=brand_manager_a))
    assert fresh(response).state == ResponseState.WITHDRAWN


def test_the_worker_inserts_against_the_community_while_a_manager_acts(community_a, idea, brand_manager_a):
    """The deadlock's half: a manager's open transaction must not stop a notification
    (which names the community and the idea) from being written meanwhile."""
    response = response_create(idea=idea, user=brand_manager_a, body=BODY)
    member = UserFactory()

    def insert() -> None:
        Notification.objects.create(
            recipient=member, community=community_a, idea=idea, kind="status", key="test:while-locked"
        )

    def act() -> None:
        response_update(response=fresh(response), user=brand_manager_a, body=BODY + " Bientôt.")

    with held_in_another_transaction(act):
        with_lock_timeout(insert)
    assert Notification.objects.filter(key="test:while-locked").exists()


# --- The rule still holds ------------------------------------------------------------------


def test_two_managers_approving_at_once_approve_once(community_a, idea, brand_manager_a, manager_2):
    community_a.response_needs_approval = True
    community_a.save()
    third = UserFactory(username="manager-3-a", is_staff=True)
    MembershipFactory(user=third, community=community_a, role=Role.BRAND_MANAGER)
    response = response_create(idea=idea, user=brand_manager_a, body=BODY)
    response_submit(response=fresh(response), user=brand_manager_a)
    outcomes = []

    def approve_as(user):
        def work():
            try:
                response_approve(response=fresh(response), user=user)
                outcomes.append("approved")
            except Refused as refusal:
                outcomes.append(refusal.status)

        return work

    race([approve_as(manager_2), approve_as(third)])
    assert sorted(outcomes, key=str) == [409, "approved"]
    assert fresh(response).state == ResponseState.APPROVED


def test_publishing_twice_at_once_publishes_once(community_a, idea, brand_manager_a):
    response = scheduled(response_create(idea=idea, user=brand_manager_a, body=BODY, status=planned(community_a)))
    published = []
    race([lambda: published.append(publish_if_due(response.pk, now=LATER)) for _ in range(2)])
    assert sorted(published) == [False, True]
    assert StatusChange.objects.filter(idea=idea, response=response).count() == 1
    assert Idea.objects.get(pk=idea.pk).status == planned(community_a)


def test_a_withdrawal_racing_the_publication_leaves_one_consistent_state(community_a, idea, brand_manager_a):
    response = scheduled(response_create(idea=idea, user=brand_manager_a, body=BODY))

    def withdraw():
        response_withdraw(response=fresh(response), user=brand_manager_a)

    race([lambda: publish_if_due(response.pk, now=LATER), withdraw])
    final = fresh(response)
    assert final.state == ResponseState.WITHDRAWN  # open or published, a withdrawal wins
    assert final.withdrawn_at is not None
