"""A signed-in page reads the session, the member and their roles from the cache
(accounts.sessions, accounts.member_cache, config.rowcache), and any change to them counts
from the member's next request. While Redis is down, everything is read from the database
and members stay signed in.
"""

from __future__ import annotations

import logging
import re

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import Membership, Role, Sanction
from community.moderation.services import sanction_create
from community.selectors import role_in
from config import rowcache
from tests.factories import PASSWORD, make_idea
from tests.private_redis import free_port

HOST = "ideas.brand-a.test"
# What a signed-in request asked about itself before the cache: the session, the member,
# their role, their unread count.
MEMBER_QUERIES = (
    'FROM "django_session"',
    '"accounts_user"."id" = {pk}',
    '"community_membership"."user_id" = {pk}',
    '"notifications_notification"."recipient_id" = {pk}',
)


def member_queries(client: Client, user, url: str = "/") -> list[str]:
    """The queries about the member that a page made."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_HOST=HOST)
    assert response.status_code == 200
    about = [pattern.format(pk=user.pk) for pattern in MEMBER_QUERIES]
    return [query["sql"] for query in queries if any(pattern in query["sql"] for pattern in about)]


def current_user(client: Client, url: str = "/"):
    response = client.get(url, HTTP_HOST=HOST)
    assert response.status_code == 200
    return response.wsgi_request.user


def signed_in(client: Client, user) -> Client:
    client.force_login(user)
    client.get("/", HTTP_HOST=HOST)  # the cache warm
    return client


# --- A warm cache -----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/ideas/"])
def test_a_signed_in_page_asks_nothing_about_the_session_the_member_or_their_roles(client, member_a, community_a, url):
    make_idea(community_a, member_a, title="Des prises dans chaque voiture")
    signed_in(client, member_a)
    client.get(url, HTTP_HOST=HOST)
    assert member_queries(client, member_a, url) == []


def test_the_idea_page_knows_a_moderators_role_without_asking(client, moderator_a, idea_a):
    signed_in(client, moderator_a)
    url = idea_a.get_absolute_url()
    client.get(url, HTTP_HOST=HOST)
    assert member_queries(client, moderator_a, url) == []
    user = current_user(client, url)
    with CaptureQueriesContext(connection) as queries:
        assert role_in(user, idea_a.community) == Role.MODERATOR
    assert len(queries) == 0


def test_a_community_where_the_member_holds_no_role_costs_no_query_either(client, member_a, community_b):
    user = current_user(signed_in(client, member_a))
    with CaptureQueriesContext(connection) as queries:
        assert role_in(user, community_b) is None
    assert len(queries) == 0


# --- Changes count from the next request ------------------------------------------------


def test_an_edited_name_shows_at_the_next_request(client, member_a):
    signed_in(client, member_a)
    member_a.display_name = "Camille Nouveau-Nom"
    member_a.save()
    assert "Camille Nouveau-Nom" in client.get("/", HTTP_HOST=HOST).content.decode()


@pytest.mark.parametrize(("before", "after"), [(Role.MEMBER, Role.MODERATOR), (Role.MODERATOR, Role.MEMBER)])
def test_a_role_change_counts_from_the_next_request(client, member_a, community_a, before, after):
    Membership.objects.filter(user=member_a).update(role=before)
    assert role_in(current_user(signed_in(client, member_a)), community_a) == before
    membership = Membership.objects.get(user=member_a, community=community_a)
    membership.role = after
    membership.save()
    assert role_in(current_user(client), community_a) == after


def test_a_removed_membership_counts_from_the_next_request(client, moderator_a, community_a):
    assert role_in(current_user(signed_in(client, moderator_a)), community_a) == Role.MODERATOR
    Membership.objects.filter(user=moderator_a).delete()
    assert role_in(current_user(client), community_a) is None


def test_a_role_in_a_newly_joined_community_counts_from_the_next_request(client, member_a, community_b):
    assert role_in(current_user(signed_in(client, member_a)), community_b) is None
    Membership.objects.create(user=member_a, community=community_b, role=Role.ADMIN)
    assert role_in(current_user(client), community_b) == Role.ADMIN


def test_a_banned_member_is_refused_at_the_next_request(client, member_a, community_a, moderator_a):
    signed_in(client, member_a)
    assert client.get(reverse("ideas:create"), HTTP_HOST=HOST).status_code == 200
    sanction_create(community=community_a, user=member_a, kind=Sanction.Kind.BAN, reason="Spam", by=moderator_a)
    assert client.get(reverse("ideas:create"), HTTP_HOST=HOST).status_code == 403


def test_a_deactivated_member_is_signed_out_at_the_next_request(client, member_a):
    assert current_user(signed_in(client, member_a)).is_authenticated
    member_a.is_active = False
    member_a.save()
    assert not current_user(client).is_authenticated


def test_a_password_change_signs_out_the_other_sessions_but_not_this_one(client, member_a):
    other = signed_in(Client(), member_a)
    client.post(reverse("account_login"), {"login": member_a.username, "password": PASSWORD}, HTTP_HOST=HOST)
    assert current_user(client).is_authenticated
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "an-entirely-new-passphrase", "password2": "an-entirely-new-passphrase"},
        HTTP_HOST=HOST,
    )
    assert response.status_code == 302
    assert current_user(client).is_authenticated
    assert not current_user(other).is_authenticated
    assert not Session.objects.filter(session_key=other.session.session_key).exists()


def test_a_password_set_outside_any_session_signs_every_session_out(client, member_a):
    assert current_user(signed_in(client, member_a)).is_authenticated
    member_a.set_password("set-from-the-shell")
    member_a.save()
    assert not current_user(client).is_authenticated


def test_a_cached_member_is_a_copy_per_request(client, member_a):
    """What a request sets on its user object does not reach the next request's."""
    signed_in(client, member_a)
    first = current_user(client)
    first.display_name = "changed in memory only"
    assert current_user(client).display_name == member_a.display_name


# --- Redis down -------------------------------------------------------------------------


@pytest.mark.usefixtures("redis_down")
def test_with_redis_down_members_sign_in_and_pages_are_served_signed_in(client, member_a, community_a):
    response = client.post(reverse("account_login"), {"login": member_a.username, "password": PASSWORD})
    assert response.status_code == 302
    user = current_user(client)
    assert user.is_authenticated
    assert user.pk == member_a.pk
    assert role_in(user, community_a) == Role.MEMBER
    assert current_user(client, "/ideas/").is_authenticated


@pytest.mark.usefixtures("redis_down")
def test_with_redis_down_sessions_are_written_to_the_database(client, member_a, idea_a):
    client.force_login(member_a)
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.get_decoded()["_auth_user_id"] == str(member_a.pk)
    # A change the member makes is kept: a vote, and their session's state.
    assert client.post(reverse("ideas:vote", args=[idea_a.pk]), HTTP_HOST=HOST).status_code in (200, 302)
    client.post(reverse("account_logout"), HTTP_HOST=HOST)
    assert not Session.objects.filter(session_key=session.session_key).exists()
    assert not current_user(client).is_authenticated


def cache_down(settings) -> dict:
    """Point the cache at a port where no Redis listens; returns the working settings."""
    working = settings.CACHES
    settings.CACHES = {"default": {**working["default"], "LOCATION": f"redis://127.0.0.1:{free_port()}/1"}}
    return working


def test_an_outage_is_logged_once(client, member_a, settings, caplog):
    signed_in(client, member_a)
    cache_down(settings)
    with caplog.at_level(logging.WARNING, logger="config.rowcache"):
        for _request in range(3):
            assert current_user(client).is_authenticated
    assert [record.message for record in caplog.records if record.name == "config.rowcache"] == [
        "Cache unavailable: signed-in reads go to the database"
    ]


def test_a_sign_out_during_an_outage_is_not_undone_when_redis_comes_back(client, member_a, settings, monkeypatch):
    monkeypatch.setattr(rowcache, "OUTAGE_SECONDS", 0)  # Redis is asked again at once
    signed_in(client, member_a)
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value  # the copy in Redis stays
    working = cache_down(settings)
    client.post(reverse("account_logout"), HTTP_HOST=HOST)
    settings.CACHES = working
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert not current_user(thief).is_authenticated


def test_a_deactivation_during_an_outage_counts_when_redis_comes_back(client, member_a, settings, monkeypatch):
    monkeypatch.setattr(rowcache, "OUTAGE_SECONDS", 0)
    signed_in(client, member_a)
    working = cache_down(settings)
    member_a.is_active = False
    member_a.save()
    settings.CACHES = working
    assert not current_user(client).is_authenticated


def redis_commands(monkeypatch) -> list[tuple]:
    """Every command sent to Redis from now on, with its arguments (bytes decoded)."""
    import redis

    sent: list[tuple] = []
    send = redis.Redis.execute_command

    def recorded(self, *args, **options):
        sent.append(tuple(arg.decode() if isinstance(arg, bytes) else str(arg) for arg in args))
        return send(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", recorded)
    return sent


@pytest.mark.parametrize("url", ["/", "/ideas/"])
def test_the_unread_count_is_read_with_the_member_in_one_round_trip(client, member_a, community_a, url, monkeypatch):
    from notifications.models import Notification

    Notification.objects.create(recipient=member_a, community=community_a, kind="comment", key="k1")
    signed_in(client, member_a)
    client.get(url, HTTP_HOST=HOST)  # this page's cache warm too
    sent = redis_commands(monkeypatch)

    page = client.get(url, HTTP_HOST=HOST).content.decode()

    about_unread = [command for command in sent if any(f"unread:{member_a.pk}" in arg for arg in command)]
    assert len(about_unread) == 1
    assert any(f"row:member:{member_a.pk}" in arg for arg in about_unread[0])
    assert re.search(r'data-testid="unread-count">.*?1<', page, re.S)


def test_a_count_read_ahead_is_not_given_once_this_process_changed_a_marker():
    ahead = rowcache.ReadAhead({"unread:1:1": 3}, rowcache.changes())
    assert ahead.get("unread:1:1") == 3
    assert ahead.get("unread:1:2") is rowcache.MISSING
    rowcache.markers_changed(["unread:1"])
    assert ahead.get("unread:1:1") is rowcache.MISSING
    # Read before a change made meanwhile by another thread of the process: not given either.
    since = rowcache.changes()
    rowcache.markers_changed(["unread:2"])
    assert rowcache.ReadAhead({"unread:1:1": 3}, since).get("unread:1:1") is rowcache.MISSING
