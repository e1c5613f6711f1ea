"""The header's unread count is cached per member and community (notifications.services,
config.rowcache) and never shown stale: a new notification, one read, all read, one
withdrawn change it at the member's next page, in that community only.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Kind, Notification
from notifications.services import Announcement, Audience, Event, deliver, notifications_withdraw
from tests.notifications.conftest import HOST_A, HOST_B
from tests.notifications.test_inbox import unread_badge

MARK_READ = reverse("notifications:mark_read")


def tell(user, community, key: str) -> None:
    """A notification written as the fan-out writes it."""
    deliver(
        Announcement(
            Event(key=key, community_id=community.pk, url="/", data={"status_fr": "Prévue", "status_en": "Planned"}),
            (Audience(Kind.STATUS, users=(user.pk,)),),
        )
    )


def badge(client, host: str = HOST_A) -> str | None:
    return unread_badge(client.get("/", HTTP_HOST=host).content.decode())


@pytest.fixture
def signed_in(client, member_a, community_b):
    client.force_login(member_a)
    return client


def test_a_new_notification_counts_at_once(signed_in, member_a, community_a):
    assert badge(signed_in) is None
    tell(member_a, community_a, "one")
    assert badge(signed_in) == "1"
    tell(member_a, community_a, "two")
    assert badge(signed_in) == "2"


def test_a_notification_opened_is_no_longer_counted(signed_in, member_a, community_a):
    tell(member_a, community_a, "one")
    tell(member_a, community_a, "two")
    assert badge(signed_in) == "2"
    opened = Notification.objects.get(key="one")
    signed_in.get(reverse("notifications:open", args=[opened.pk]), HTTP_HOST=HOST_A)
    assert badge(signed_in) == "1"


def test_marking_one_read_and_then_all_read_shows_at_once(signed_in, member_a, community_a):
    for key in ("one", "two", "three"):
        tell(member_a, community_a, key)
    assert badge(signed_in) == "3"
    signed_in.post(MARK_READ, {"notification": Notification.objects.get(key="two").pk}, HTTP_HOST=HOST_A)
    assert badge(signed_in) == "2"
    signed_in.post(MARK_READ, {}, HTTP_HOST=HOST_A)
    assert badge(signed_in) is None


def test_each_community_counts_its_own(signed_in, member_a, community_a, community_b):
    tell(member_a, community_a, "a-one")
    assert (badge(signed_in, HOST_A), badge(signed_in, HOST_B)) == ("1", None)
    tell(member_a, community_b, "b-one")
    tell(member_a, community_b, "b-two")
    assert (badge(signed_in, HOST_A), badge(signed_in, HOST_B)) == ("1", "2")
    signed_in.post(MARK_READ, {}, HTTP_HOST=HOST_B)
    assert (badge(signed_in, HOST_A), badge(signed_in, HOST_B)) == ("1", None)


def test_a_withdrawn_notification_is_no_longer_counted(signed_in, member_a, community_a):
    tell(member_a, community_a, "comment:1")
    tell(member_a, community_a, "comment:2")
    assert badge(signed_in) == "2"
    notifications_withdraw(keys=["comment:1"])
    assert badge(signed_in) == "1"


def test_a_known_count_costs_no_query(signed_in, member_a, community_a):
    tell(member_a, community_a, "one")
    assert badge(signed_in) == "1"
    with CaptureQueriesContext(connection) as queries:
        assert badge(signed_in) == "1"
    assert not [query for query in queries if '"notifications_notification"' in query["sql"]]


@pytest.mark.usefixtures("redis_down")
def test_with_redis_down_the_count_is_read_from_the_database(signed_in, member_a, community_a):
    tell(member_a, community_a, "one")
    assert badge(signed_in) == "1"
    signed_in.post(MARK_READ, {}, HTTP_HOST=HOST_A)
    assert badge(signed_in) is None
