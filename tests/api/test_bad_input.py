"""Bad input gets a 4xx with a JSON message naming the field, never a 500."""

from __future__ import annotations

import pytest

from community.models import ModerationMode


@pytest.fixture
def api(api_as, admin_a, community_a):
    return api_as(admin_a, community_a)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"title": "abc", "body": "Trop court."}, "title"),
        ({"title": "x" * 121, "body": "Trop long."}, "title"),
        ({"title": "Un titre correct", "body": "   "}, "body"),
        ({"title": "Un titre correct", "body": "x" * 10_001}, "body"),
        ({"title": "Un titre correct", "body": "Ok", "tags": ["a", "b", "c", "d", "e", "f"]}, "tags"),
        ({"title": "Un titre correct", "body": "Ok", "tags": ["x" * 51]}, "tags"),
        ({"title": "Un titre correct", "body": "Ok", "category": 10**9}, "category"),
        ({"title": 12, "body": "Ok"}, "title"),
        ({"body": "Ok"}, "title"),
        ({"title": "Un titre correct", "body": "Ok", "category": 2**70}, "category"),
    ],
)
def test_a_bad_idea_is_refused_with_the_field_named(api, community_a, payload, field):
    answer = api.post("/ideas", payload)
    assert answer.status_code == 400, answer.content
    assert field in answer.json()["fields"]
    assert community_a.ideas.count() == 0


def test_another_communitys_category_is_unknown(api, community_b):
    from tests.factories import CategoryFactory

    theirs = CategoryFactory(community=community_b)
    answer = api.post("/ideas", {"title": "Un titre correct", "body": "Ok", "category": theirs.pk})
    assert answer.status_code == 400
    assert "category" in answer.json()["fields"]


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"title": "\\u0000 nul byte", "body": "x"}', b"\xff\xfe", b'{"title": null}'],
)
def test_malformed_bodies_are_400(api, body):
    answer = api.client.post(
        "/api/v1/ideas", body, content_type="application/json", HTTP_HOST=api.host, headers=api.headers
    )
    assert 400 <= answer.status_code < 500, answer.content
    assert answer.json()["error"]


def test_huge_ids_are_400_not_a_database_error(api):
    assert api.get(f"/ideas/{2**70}").status_code in (400, 404)
    assert api.post(f"/ideas/{2**64}/votes", {"value": 1}).status_code in (400, 404)


def test_a_vote_value_other_than_1_or_minus_1_is_refused(api, idea_a):
    answer = api.post(f"/ideas/{idea_a.pk}/votes", {"value": 2})
    assert answer.status_code == 400
    assert "value" in answer.json()["fields"]


def test_a_vote_on_a_closed_idea_is_409(api, idea_a, community_a):
    from ideas.services import idea_set_status

    idea_set_status(idea=idea_a, status=community_a.statuses.get(slug="done"), user=None)
    answer = api.post(f"/ideas/{idea_a.pk}/votes", {"value": 1})
    assert answer.status_code == 409
    assert answer.json()["error"]


def test_declining_without_a_reason_is_refused(api, idea_a, community_a):
    declined = community_a.statuses.get(slug="declined")
    answer = api.post(f"/ideas/{idea_a.pk}/status", {"status": declined.pk})
    assert answer.status_code == 400
    assert answer.json()["error"]
    done = api.post(f"/ideas/{idea_a.pk}/status", {"status": declined.pk, "reason": "Hors périmètre."})
    assert done.status_code == 200
    assert done.json()["status"]["slug"] == "declined"


def test_a_reply_to_an_unknown_comment_is_refused(api, idea_a):
    answer = api.post(f"/ideas/{idea_a.pk}/comments", {"body": "Oui", "parent": 10**9})
    assert answer.status_code == 400
    assert "parent" in answer.json()["fields"]


def test_an_idea_in_a_pre_moderated_community_is_held_and_says_so(api, community_a):
    community_a.moderation_mode = ModerationMode.PRE
    community_a.save()
    answer = api.post("/ideas", {"title": "Un titre correct", "body": "Ok"})
    assert answer.status_code == 201
    assert answer.json()["moderation_state"] == "pending"


def test_a_nul_character_in_the_query_is_a_json_400(api):
    # Found by schemathesis: the site's guard answered the API with an HTML page.
    answer = api.get("/ideas", {"q": "wifi\x00"})
    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["error"]
