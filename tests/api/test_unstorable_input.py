"""Input the schema lets through but the database cannot store is a 400, never a 500 (found
in review: NUL characters, a date past year 9999 in UTC)."""

from __future__ import annotations

import pytest

from community.models import Category, ModerationItem
from tests.api.conftest import HOST_B, ApiClient
from tests.factories import make_idea


@pytest.fixture
def api(api_as, admin_a, community_a):
    from django.test import Client

    a = api_as(admin_a, community_a)
    a.client = Client(raise_request_exception=False)
    return a


def _check(r, label):
    assert r.status_code < 500, (label, r.status_code, r.content[:300])
    return r


def test_idea_list_inputs(api, idea_a):
    for params in [
        {"limit": "abc"},
        {"limit": 10**30},
        {"cursor": "garbage"},
        {"cursor": "x" * 499},
        {"sort": "relevance"},
        {"sort": "answered"},
        {"q": "a\x00b"},
        {"tag": "\x00"},
        {"status": "é\u202e"},
        {"category": "../"},
        {"q": "'\"&|!:*()<>"},
        {"q": "ünïcödé 🚀"},
        {"mine": "maybe"},
    ]:
        _check(api.get("/ideas", params), params)
    page = api.get("/ideas", {"sort": "answered", "limit": 1}).json()
    make_idea(idea_a.community, title="Encore une idée de test", body="x")
    page = api.get("/ideas", {"sort": "answered", "limit": 1}).json()
    if page["next_cursor"]:
        _check(api.get("/ideas", {"sort": "answered", "limit": 1, "cursor": page["next_cursor"]}), "answered cursor")
        _check(api.get("/ideas", {"sort": "relevance", "limit": 1, "cursor": page["next_cursor"]}), "x-sort cursor")


def test_null_bytes_in_bodies(api, idea_a, community_a):
    cases = [
        ("post", "/ideas", {"title": "Titre avec\x00nul", "body": "b\x00"}),
        ("post", "/ideas", {"title": "Titre correct ici", "body": "ok", "tags": ["a\x00b"]}),
        (
            "post",
            "/ideas",
            {"title": "Titre correct ici", "body": "ok", "author": {"email": "new@example.test", "name": "Nu\x00l"}},
        ),
        (
            "post",
            "/ideas",
            {"title": "Titre correct ici", "body": "ok", "author": {"email": "n\x00ew@example.test", "name": "N"}},
        ),
        ("post", f"/ideas/{idea_a.pk}/comments", {"body": "c\x00"}),
        ("post", f"/ideas/{idea_a.pk}/status", {"status": idea_a.status_id + 1, "reason": "r\x00"}),
        ("post", f"/ideas/{idea_a.pk}/responses", {"body": "resp\x00onse"}),
    ]
    bad = []
    for method, path, body in cases:
        r = getattr(api, method)(path, body)
        if r.status_code >= 500:
            bad.append((path, body))
    assert not bad, bad


def test_decision_message_nul(api, community_a):
    from community.models import ModerationMode

    community_a.moderation_mode = ModerationMode.PRE
    community_a.save()
    idea = make_idea(community_a, title="Une idée retenue ici", body="x")
    item = ModerationItem.objects.filter(idea=idea).first()
    if item is None:
        pytest.skip("no item")
    _check(api.post(f"/moderation/items/{item.pk}/decision", {"outcome": "reject", "message": "m\x00"}), "decision")


def test_schedule_far_future(api, idea_a):
    r = api.post(f"/ideas/{idea_a.pk}/responses", {"body": "Merci, c'est noté."})
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    bad = []
    for when in ["0001-01-01T00:00:00+05:00", "2030-01-01T00:00:00+25:00", "9999-12-31T23:59:59-05:00"]:
        if api.post(f"/responses/{rid}/schedule", {"publish_at": when}).status_code >= 500:
            bad.append(when)
    assert not bad, bad


def test_raw_bodies(api, idea_a):
    c = api.client
    for ct, data in [
        ("application/json", "[]"),
        ("application/json", '"x"'),
        ("application/json", "{"),
        ("text/plain", "hello"),
        ("application/json", ""),
        ("application/json", '{"title": 5, "body": []}'),
        ("application/json", '{"value": 1, "member": {"id": 1e400}}'),
        ("application/json", '{"value": true}'),
    ]:
        for path in ["/api/v1/ideas", f"/api/v1/ideas/{idea_a.pk}/votes", f"/api/v1/ideas/{idea_a.pk}/comments"]:
            r = c.post(path, data=data, content_type=ct, HTTP_HOST="ideas.brand-a.test", headers=api.headers)
            _check(r, (path, ct, data))


def test_other_community_category_and_parent(api_as, admin_a, community_a, community_b, moderator_b, idea_a):
    cat_b = (
        Category.objects.create(community=community_b, slug="b-cat", name_fr="B", name_en="B")
        if not Category.objects.filter(community=community_b).exists()
        else Category.objects.filter(community=community_b).first()
    )
    api = api_as(admin_a, community_a)
    r = api.post("/ideas", {"title": "Titre correct ici", "body": "ok", "category": cat_b.pk})
    assert r.status_code == 400, r.content
    idea_b = make_idea(community_b, moderator_b, title="Idée de la communauté B", body="x")
    from ideas.services import comment_create

    cb = comment_create(idea=idea_b, author=moderator_b, body="commentaire B")
    r = api.post(f"/ideas/{idea_a.pk}/comments", {"body": "réponse", "parent": cb.pk})
    assert r.status_code == 400, r.content
    assert api.get(f"/ideas/{idea_b.pk}").status_code == 404
    r = api.patch(f"/ideas/{idea_a.pk}", {"category": cat_b.pk})
    assert r.status_code == 400, r.content
    # key of A used on B's host
    r = ApiClient(api.headers["Authorization"].split()[1], host=HOST_B).get(f"/ideas/{idea_b.pk}")
    assert r.status_code == 404, r.content
