from __future__ import annotations

from tests.api.conftest import ApiClient


def test_it_lists_and_shows_ideas_with_a_read_key(api_as, admin_a, community_a, idea_a):
    api = api_as(admin_a, community_a, ["read"])
    listed = api.get("/ideas")
    assert listed.status_code == 200, listed.content
    assert [row["id"] for row in listed.json()["results"]] == [idea_a.pk]
    assert listed.json()["results"][0]["url"] == f"http://ideas.brand-a.test{idea_a.get_absolute_url()}"
    shown = api.get(f"/ideas/{idea_a.pk}")
    assert shown.status_code == 200, shown.content
    assert shown.json()["body"] == idea_a.body


def test_it_refuses_a_request_without_credentials(community_a):
    assert ApiClient().get("/ideas").status_code == 401
