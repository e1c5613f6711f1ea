"""The member's inbox: the unread count in the header, the list, opening and marking read.

Everything is scoped to the community whose site is open: community B's notifications
are neither listed nor counted nor opened on community A's host. Another member's
notification is a 404. The inbox costs the same number of queries however full the page.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Kind, Notification
from tests.factories import make_idea
from tests.notifications.conftest import HOST_A, HOST_B

INBOX = reverse("notifications:inbox")
MARK_READ = reverse("notifications:mark_read")


def notify(user, community, count: int = 1, *, idea=None, kind: str = Kind.STATUS, prefix: str = "test") -> list:
    """Inbox rows as an event would leave them (the events themselves are tested elsewhere)."""
    return Notification.objects.bulk_create(
        Notification(
            recipient=user,
            community=community,
            kind=kind,
            key=f"{prefix}:{number}",
            idea=idea,
            url=idea.get_absolute_url() if idea else "/",
            data={"title": idea.title if idea else f"Idée {number}", "status_fr": "Prévue", "status_en": "Planned"},
        )
        for number in range(count)
    )


def unread_badge(html: str) -> str | None:
    """The number the header shows next to "Notifications", or None without a badge."""
    match = re.search(r'data-testid="unread-count">(.*?)</span>\s*</a>', html, re.DOTALL)
    if match is None:
        return None
    return re.sub(r'<span class="visually-hidden">.*?</span>', "", match.group(1)).strip()


def listed(html: str) -> int:
    return html.count('data-testid="notification"')


def unread_of(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@pytest.fixture
def signed_in(client, member_a):
    client.force_login(member_a)
    return client


# --- The header --------------------------------------------------------------------------


def test_the_header_shows_how_many_notifications_are_unread(signed_in, community_a, member_a):
    notify(member_a, community_a, 3)
    assert unread_badge(signed_in.get("/", HTTP_HOST=HOST_A).content.decode()) == "3"


def test_without_unread_notifications_the_header_shows_no_count(signed_in, community_a, member_a):
    [notification] = notify(member_a, community_a)
    Notification.objects.filter(pk=notification.pk).update(read_at=notification.created_at)
    assert unread_badge(signed_in.get("/", HTTP_HOST=HOST_A).content.decode()) is None


@pytest.mark.parametrize(("count", "shown"), [(99, "99"), (100, "99+"), (150, "99+")])
def test_beyond_99_the_header_shows_99_plus(signed_in, community_a, member_a, count, shown):
    notify(member_a, community_a, count)
    assert unread_badge(signed_in.get("/", HTTP_HOST=HOST_A).content.decode()) == shown


def test_a_visitor_sees_no_count_and_is_sent_to_sign_in(client, community_a):
    assert unread_badge(client.get("/", HTTP_HOST=HOST_A).content.decode()) is None
    answer = client.get(INBOX, HTTP_HOST=HOST_A)
    assert answer.status_code == 302
    assert answer.url.startswith(reverse("account_login"))


# --- Opening and marking read ------------------------------------------------------------


def test_opening_a_notification_marks_it_read_and_leads_to_the_idea(signed_in, publish, idea_a, member_a):
    publish(idea_a)
    notification = Notification.objects.get(recipient=member_a)
    page = signed_in.get(INBOX, HTTP_HOST=HOST_A).content.decode()
    assert f'href="{reverse("notifications:open", args=[notification.pk])}"' in page
    assert unread_badge(page) == "1"

    answer = signed_in.get(reverse("notifications:open", args=[notification.pk]), HTTP_HOST=HOST_A)

    assert answer.status_code == 302
    assert answer.url == f"{idea_a.get_absolute_url()}#official-response"
    notification.refresh_from_db()
    assert notification.is_read
    assert unread_badge(signed_in.get(INBOX, HTTP_HOST=HOST_A).content.decode()) is None


def test_marking_all_read(signed_in, community_a, member_a):
    notify(member_a, community_a, 4)
    answer = signed_in.post(MARK_READ, HTTP_HOST=HOST_A)
    assert answer.status_code == 302
    assert answer.url == INBOX
    assert unread_of(member_a) == 0


def test_marking_one_read(signed_in, community_a, member_a):
    first, second = notify(member_a, community_a, 2)
    signed_in.post(MARK_READ, {"notification": first.pk}, HTTP_HOST=HOST_A)
    assert list(Notification.objects.filter(read_at__isnull=True)) == [second]


def test_marking_read_refuses_a_malformed_id(signed_in, community_a, member_a):
    notify(member_a, community_a)
    assert signed_in.post(MARK_READ, {"notification": "1 OR 1=1"}, HTTP_HOST=HOST_A).status_code == 400
    assert unread_of(member_a) == 1


def test_another_members_notification_is_not_found(client, community_a, member_a, moderator_a):
    [theirs] = notify(moderator_a, community_a)
    client.force_login(member_a)
    assert client.get(reverse("notifications:open", args=[theirs.pk]), HTTP_HOST=HOST_A).status_code == 404
    client.post(MARK_READ, {"notification": theirs.pk}, HTTP_HOST=HOST_A)
    assert unread_of(moderator_a) == 1


# --- One community at a time -------------------------------------------------------------


@pytest.fixture
def in_both(community_a, community_b, member_a):
    """member_a has two notifications in community A and three in community B."""
    idea_b = make_idea(community_b, member_a, title="Des quais abrités")
    return notify(member_a, community_a, 2, prefix="a"), notify(member_a, community_b, 3, idea=idea_b, prefix="b")


def test_community_bs_notifications_are_not_shown_on_as_host(signed_in, in_both):
    page = signed_in.get(INBOX, HTTP_HOST=HOST_A).content.decode()
    assert listed(page) == 2
    assert unread_badge(page) == "2"
    assert "Des quais abrités" not in page
    page = signed_in.get(INBOX, HTTP_HOST=HOST_B).content.decode()
    assert listed(page) == 3
    assert unread_badge(page) == "3"


def test_community_bs_notification_cannot_be_opened_on_as_host(signed_in, in_both, member_a):
    _in_a, in_b = in_both
    assert signed_in.get(reverse("notifications:open", args=[in_b[0].pk]), HTTP_HOST=HOST_A).status_code == 404
    assert not Notification.objects.get(pk=in_b[0].pk).is_read


def test_marking_all_read_on_as_host_leaves_bs_unread(signed_in, in_both, member_a, community_b):
    signed_in.post(MARK_READ, HTTP_HOST=HOST_A)
    assert unread_of(member_a) == 3
    assert set(Notification.objects.filter(read_at__isnull=True).values_list("community", flat=True)) == {
        community_b.pk
    }


# --- The list ----------------------------------------------------------------------------


def test_the_inbox_lists_newest_first_thirty_to_a_page(signed_in, community_a, member_a):
    notify(member_a, community_a, 31)
    first = signed_in.get(INBOX, HTTP_HOST=HOST_A).content.decode()
    assert listed(first) == 30
    assert first.index("Idée 30") < first.index("Idée 29")
    second = signed_in.get(INBOX, {"page": 2}, HTTP_HOST=HOST_A).content.decode()
    assert listed(second) == 1
    assert "Idée 0" in second


def test_the_inbox_costs_the_same_queries_with_5_or_30_notifications(signed_in, community_a, member_a):
    def queries_of_the_inbox() -> int:
        with CaptureQueriesContext(connection) as queries:
            page = signed_in.get(INBOX, HTTP_HOST=HOST_A)
        assert page.status_code == 200
        return len(queries)

    signed_in.get(INBOX, HTTP_HOST=HOST_A)  # the host's community is looked up and cached
    notify(member_a, community_a, 5, prefix="few")
    with_five = queries_of_the_inbox()
    notify(member_a, community_a, 25, prefix="more")
    with_thirty = queries_of_the_inbox()

    assert with_thirty == with_five
