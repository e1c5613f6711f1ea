"""Hostile input at every public address, query parameter and form (PRODUCT.md §10).

Whatever a visitor or a member sends — a NUL character, a superscript digit that
`str.isdigit()` accepts and `int()` refuses, a string of 10,000 characters, negative or
huge numbers, words where ids go, unknown choices, PHP-style arrays, missing fields, a JSON
or plain-text body where a form is expected — the answer is never a server error. Each
test gathers every (request, status) that failed, so that one run names them all.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from notifications.models import Kind, Notification
from notifications.tokens import unsubscribe_token
from tests.factories import CategoryFactory

HOSTILE = [
    "\x00",
    "a\x00b",
    "²",  # %C2%B2: a digit for str.isdigit(), not for int()
    "١٢",  # Arabic-Indic digits
    "x" * 10_000,
    "-1",
    "0",
    "2147483648",  # just over a PostgreSQL integer
    "99999999999999999999999",  # over a bigint
    "1e309",
    "NaN",
    "abc",
    "1.5",
    " ",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%",
    "\u202e\u200b",
    "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),  # bytes of a lone surrogate
]
QUERY_PARAMETERS = ["status", "category", "tag", "sort", "page", "q", "mine", "followed", "title", "period", "next"]


class Personas:
    def __init__(self, member, idea, comment, category, notification) -> None:
        self.member = member
        self.idea = idea
        self.comment = comment
        self.category = category
        self.notification = notification

    def client(self, who: str) -> Client:
        client = Client(raise_request_exception=False)
        if who == "member":
            client.force_login(self.member)
        return client


@pytest.fixture
def world(community_a, member_a, idea_a, member_b, django_capture_on_commit_callbacks) -> Personas:
    from ideas.services import comment_create

    EmailAddress.objects.update_or_create(
        user=member_a, email=member_a.email, defaults={"verified": True, "primary": True}
    )
    category = CategoryFactory(community=community_a, slug="confort")
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_create(idea=idea_a, author=member_a, body="Un premier commentaire, bien à moi.")
    notification = Notification.objects.create(
        recipient=member_a,
        community=community_a,
        kind=Kind.BADGE,
        key="badge:hostile",
        data={"badge_slug": "first-idea"},
        url="/",
    )
    return Personas(member_a, idea_a, comment, category, notification)


def assert_no_server_error(client: Client, requests) -> None:
    """Send each (method, path, kwargs); fail naming every one answered with a 5xx."""
    failed = []
    for method, path, kwargs in requests:
        response = getattr(client, method)(path, **kwargs)
        if response.status_code >= 500:
            failed.append(f"{method.upper()} {path[:120]} {str(kwargs)[:160]!r} -> {response.status_code}")
    assert not failed, f"{len(failed)} server errors:\n" + "\n".join(failed)


def pages(world: Personas) -> tuple[list[str], list[str]]:
    """(pages that read their query string, the other pages)."""
    idea, comment = world.idea, world.comment
    reading = [
        "/",
        "/ideas/",
        "/ideas/similar/",
        "/ideas/feed/",
        f"/u/{world.member.username}/",
        "/leaderboard/",
        "/notifications/",
        "/accounts/login/",
        "/accounts/signup/",
    ]
    others = [
        "/ideas/new/",
        f"/ideas/feed/category/{world.category.slug}/",
        idea.get_absolute_url(),
        f"/ideas/{idea.pk}/",
        f"/ideas/{idea.pk}/edit/",
        f"/ideas/comments/{comment.pk}/edit/",
        "/roadmap/",
        "/notifications/settings/",
        f"/notifications/{world.notification.pk}/",
        "/accounts/profile/",
        "/accounts/privacy/",
        "/accounts/privacy/delete/",
        "/accounts/password/reset/",
        "/manage/",
        "/sitemap.xml",
        "/robots.txt",
    ]
    return reading, others


def hostile_queries(path: str, *, each: bool) -> list[tuple[str, str, dict]]:
    """Every parameter alone with each value (`each`), or all of them at once."""
    requests = []
    for value in HOSTILE:
        if each:
            requests += [("get", f"{path}?{urlencode({name: value})}", {}) for name in QUERY_PARAMETERS]
        else:
            requests.append(("get", f"{path}?{urlencode(dict.fromkeys(QUERY_PARAMETERS, value))}", {}))
        requests.append(("get", f"{path}?{urlencode({f'{name}[]': value for name in QUERY_PARAMETERS})}", {}))
    requests.append(("get", f"{path}?{urlencode([(name, 'a') for name in QUERY_PARAMETERS] * 2)}", {}))
    requests.append(("get", f"{path}?status=%ZZ&page=%FF%FE&q=%C0%AF&tag=%E9", {}))  # not UTF-8
    return requests


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_hostile_query_parameters_never_cause_a_server_error(world, who):
    client = world.client(who)
    reading, others = pages(world)
    requests = [request for path in reading for request in hostile_queries(path, each=True)]
    requests += [request for path in others for request in hostile_queries(path, each=False)]
    assert_no_server_error(client, requests)


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_hostile_values_in_addresses_never_cause_a_server_error(world, who):
    client = world.client(who)
    requests = []
    for value in [*HOSTILE, "%00", "%C2%B2"]:
        part = quote(value, safe="")
        for template in [
            "/u/{}/",
            "/ideas/{}/",
            "/ideas/{}-slug/",
            "/ideas/feed/{}/x/",
            "/ideas/feed/category/{}/",
            "/ideas/feed/status/{}/",
            "/notifications/{}/",
            "/notifications/unsubscribe/{}/",
            "/accounts/privacy/export/{}/",
            "/accounts/confirm-email/{}/",
            "/accounts/password/reset/key/{}/",
            "/ideas/comments/{}/edit/",
            "/{}",
        ]:
            requests.append(("get", template.format(part), {}))
    for number in ["0", "2147483648", "99999999999999999999999"]:
        for template in [
            "/ideas/{}/",
            "/ideas/{}-x/",
            "/ideas/{}/edit/",
            "/notifications/{}/",
            "/ideas/comments/{}/edit/",
        ]:
            requests.append(("get", template.format(number), {}))
    assert_no_server_error(client, requests)


def endpoints(world: Personas) -> list[tuple[str, dict]]:
    """Every POST endpoint with a body that it would accept."""
    idea, comment = world.idea, world.comment
    typed = {"title": "Des trains à l’heure le lundi", "body": "Les retards gâchent la semaine.", "tags": "lundi"}
    token = unsubscribe_token(world.member.pk, Kind.BADGE)
    return [
        ("/ideas/new/", {**typed, "category": str(world.category.pk)}),
        (f"/ideas/{idea.pk}/edit/", {**typed, "category": ""}),
        (f"/ideas/{idea.pk}/vote/", {"value": "1", "next": "/"}),
        (f"/ideas/{idea.pk}/comments/", {"body": "Je suis d’accord.", "parent": str(comment.pk)}),
        (f"/ideas/{idea.pk}/follow/", {"next": "/"}),
        (f"/ideas/{idea.pk}/flag/", {"reason": "spam", "note": "Publicité"}),
        (f"/ideas/{idea.pk}/response/", {"action": "save", "body": "Merci.", "response": "", "status": ""}),
        (f"/ideas/comments/{comment.pk}/edit/", {"body": "Un commentaire corrigé."}),
        (f"/ideas/comments/{comment.pk}/flag/", {"reason": "spam", "note": ""}),
        (f"/ideas/comments/{comment.pk}/delete/", {}),
        ("/notifications/read/", {"notification": str(world.notification.pk)}),
        ("/notifications/settings/", {kind.value: "daily" for kind in Kind}),
        (f"/notifications/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"}),
        ("/accounts/profile/", {"display_name": "Camille", "bio": "", "language": "fr"}),
        ("/accounts/privacy/export/", {}),
        ("/accounts/privacy/delete/", {}),  # never the right username: nothing is deleted
        ("/i18n/setlang/", {"language": "en", "next": "/"}),
        ("/accounts/login/", {"login": "someone", "password": "not-the-password"}),
        ("/accounts/signup/", {"email": "new@example.test", "username": "newcomer", "display_name": "N"}),
        ("/accounts/password/reset/", {"email": "someone@example.test"}),
        ("/accounts/password/change/", {"oldpassword": "wrong", "password1": "x", "password2": "y"}),
        ("/accounts/email/", {"email": "other@example.test"}),
    ]


def hostile_posts(path: str, valid: dict) -> list[tuple[str, str, dict]]:
    fields = list(valid) or ["x"]
    requests = [
        ("post", path, {"data": {}}),
        ("post", path, {"data": valid, "HTTP_ACCEPT": "application/json"}),
        ("post", path, {"data": '{"value": [1, 2]}', "content_type": "application/json"}),
        ("post", path, {"data": "[1, {\x00", "content_type": "application/json"}),
        ("post", path, {"data": "\x00\xff garbage", "content_type": "text/plain"}),
        (
            "post",
            path,
            {
                "data": urlencode({f"{name}[]": "1" for name in fields}),
                "content_type": "application/x-www-form-urlencoded",
            },
        ),
        ("post", path, {"data": "%ZZ=%FF&a=%C0%AF", "content_type": "application/x-www-form-urlencoded"}),
        ("post", path, {"data": {name: ["1", "2"] for name in fields}}),
    ]
    for value in HOSTILE:
        requests.append(("post", path, {"data": dict.fromkeys(fields, value)}))
        for name in fields:
            requests.append(("post", path, {"data": {**valid, name: value}, "HTTP_ACCEPT": "application/json"}))
    return requests


@pytest.mark.parametrize("who", ["visitor", "member"])
def test_hostile_form_posts_never_cause_a_server_error(world, who, django_capture_on_commit_callbacks):
    client = world.client(who)
    requests = []
    for path, valid in endpoints(world):
        requests += hostile_posts(path, valid)
    with django_capture_on_commit_callbacks(execute=True):
        assert_no_server_error(client, requests)


@pytest.mark.parametrize("value", ["\x00", "²", "99999999999999999999999", "-1", "abc", "x" * 10_000])
def test_marking_a_hostile_notification_id_read_is_refused_with_400(world, value):
    client = world.client("member")
    response = client.post("/notifications/read/", {"notification": value})
    assert response.status_code == 400
    world.notification.refresh_from_db()
    assert world.notification.read_at is None


def test_a_member_page_with_a_nul_in_the_name_is_a_400(world):
    assert world.client("visitor").get("/u/%00/").status_code == 400


@pytest.mark.parametrize("target", ["2", "²", "a\x00b", "ideas:list", "//evil.test/"])
def test_a_next_that_is_not_a_path_of_this_site_falls_back_to_the_idea(world, target):
    response = world.client("member").post(f"/ideas/{world.idea.pk}/follow/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == world.idea.get_absolute_url()
