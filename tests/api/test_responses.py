"""Official responses through the API follow the brand voice's state machine."""

from __future__ import annotations

from community.models import Role
from ideas.models import OfficialResponse
from tests.factories import MembershipFactory, UserFactory


def test_a_response_needing_approval_goes_draft_submit_approve_publish(
    api_as, brand_manager_a, admin_a, community_a, idea_a, django_capture_on_commit_callbacks
):
    community_a.response_needs_approval = True
    community_a.save()
    writer = api_as(brand_manager_a, community_a, ["write:responses", "read"])
    approver = api_as(admin_a, community_a, ["write:responses", "read"])
    planned = community_a.statuses.get(slug="planned")
    draft = writer.post(f"/ideas/{idea_a.pk}/responses", {"body": "C'est prévu pour mars.", "status": planned.pk})
    assert draft.status_code == 201, draft.content
    response_id = draft.json()["id"]
    assert draft.json()["state"] == "draft"
    refused = writer.post(f"/responses/{response_id}/publish")
    assert refused.status_code == 409
    assert writer.post(f"/responses/{response_id}/submit").json()["state"] == "awaiting_approval"
    assert writer.post(f"/responses/{response_id}/approve").status_code == 403  # not the author
    assert approver.post(f"/responses/{response_id}/approve").json()["state"] == "approved"
    with django_capture_on_commit_callbacks(execute=True):
        published = writer.post(f"/responses/{response_id}/publish")
    assert published.status_code == 200
    assert OfficialResponse.objects.get(pk=response_id).state == "published"
    idea = writer.get(f"/ideas/{idea_a.pk}").json()
    assert idea["status"]["slug"] == "planned"
    assert idea["official_response"]["body"] == "C'est prévu pour mars."


def test_others_see_only_published_responses(api_as, brand_manager_a, member_a, community_a, idea_a):
    api_as(brand_manager_a, community_a, ["write:responses"]).post(
        f"/ideas/{idea_a.pk}/responses", {"body": "Brouillon interne."}
    )
    reader = api_as(member_a, community_a, ["read", "write:responses"])
    assert reader.get(f"/ideas/{idea_a.pk}/responses").json() == []
    other_manager = UserFactory(username="manager-two", is_staff=True)
    MembershipFactory(user=other_manager, community=community_a, role=Role.BRAND_MANAGER)
    manager_read = api_as(other_manager, community_a, ["read"])
    assert manager_read.get(f"/ideas/{idea_a.pk}/responses").json() == []  # no write:responses: public only
    manager = api_as(other_manager, community_a, ["read", "write:responses"])
    assert [row["state"] for row in manager.get(f"/ideas/{idea_a.pk}/responses").json()] == ["draft"]


def test_a_second_draft_is_a_409(api_as, brand_manager_a, community_a, idea_a):
    writer = api_as(brand_manager_a, community_a, ["write:responses"])
    assert writer.post(f"/ideas/{idea_a.pk}/responses", {"body": "Un."}).status_code == 201
    again = writer.post(f"/ideas/{idea_a.pk}/responses", {"body": "Deux."})
    assert again.status_code == 409
    assert again.json()["error"]
