"""The member's own session: the site's scripts use the API with it, CSRF enforced on
unsafe methods; staff powers need the second factor, as on the site."""

from __future__ import annotations

from django.test import Client

from tests.api.conftest import ApiClient
from tests.factories import login_with_mfa


def test_a_member_lists_and_votes_with_their_session_and_csrf_token(member_a, community_a, idea_a):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member_a)
    browser.get("/", HTTP_HOST="ideas.brand-a.test")
    token = browser.cookies["csrftoken"].value
    api = ApiClient(client=browser)
    assert api.get("/ideas").status_code == 200
    refused = api.post(f"/ideas/{idea_a.pk}/votes", {"value": 1})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]
    voted = api.post(f"/ideas/{idea_a.pk}/votes", {"value": 1}, headers={"X-CSRFToken": token})
    assert voted.status_code == 200
    assert voted.json()["value"] == 1
    assert api.get(f"/ideas/{idea_a.pk}").json()["my_vote"] == 1


def test_a_bearer_key_needs_no_csrf_token(api_as, member_a, community_a, idea_a):
    api = api_as(member_a, community_a, ["write:votes"])
    api.client = Client(enforce_csrf_checks=True)
    assert api.post(f"/ideas/{idea_a.pk}/votes", {"value": 1}).status_code == 200


def test_staff_sessions_without_the_second_factor_get_no_staff_powers(
    moderator_a, brand_manager_a, community_a, idea_a
):
    moderator = ApiClient(client=Client())
    moderator.client.force_login(moderator_a)
    assert moderator.get("/moderation/items").status_code == 403
    manager = ApiClient(client=Client())
    manager.client.force_login(brand_manager_a)
    refused = manager.post(f"/ideas/{idea_a.pk}/responses", {"body": "Merci."})
    assert refused.status_code == 403
    assert "second fact" in refused.json()["error"]  # "second facteur" in French

    login_with_mfa(moderator.client, moderator_a)
    assert moderator.get("/moderation/items").status_code == 200
    login_with_mfa(manager.client, brand_manager_a)
    assert manager.post(f"/ideas/{idea_a.pk}/responses", {"body": "Merci."}).status_code == 201


def test_mine_and_followed_are_for_sessions(api_as, member_a, community_a, idea_a):
    assert api_as(member_a, community_a, ["read"]).get("/ideas", {"mine": "true"}).status_code == 400
    browser = ApiClient(client=Client())
    browser.client.force_login(member_a)
    mine = browser.get("/ideas", {"mine": "true"})
    assert mine.status_code == 200
    assert [row["id"] for row in mine.json()["results"]] == [idea_a.pk]
