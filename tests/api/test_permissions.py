"""The permission matrix through the API: every scope, every role of the key's creator, every
action. A write needs the key's scope AND the site's role rule for its creator."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from api.models import Scope
from community.models import Role
from tests.factories import MembershipFactory, UserFactory, make_idea

ROLES = (Role.MEMBER, Role.MODERATOR, Role.BRAND_MANAGER, Role.ADMIN)
STAFF = {Role.MODERATOR, Role.BRAND_MANAGER, Role.ADMIN}


@dataclass(frozen=True)
class Action:
    name: str
    scopes: tuple[str, ...]  # the key needs one of these
    roles: frozenset[str]  # the creator needs one of these
    ok: int


ACTIONS = (
    Action("list ideas", ("read",), frozenset(ROLES), 200),
    Action("post an idea", ("write:ideas",), frozenset(ROLES), 201),
    Action("post for a customer", ("write:ideas",), frozenset(STAFF), 201),
    Action("comment", ("write:ideas",), frozenset(ROLES), 201),
    Action("vote", ("write:votes",), frozenset(ROLES), 200),
    Action("vote for a customer", ("write:votes",), frozenset(STAFF), 200),
    Action("see who voted", ("moderation", "admin"), frozenset(STAFF), 200),
    Action("draft a response", ("write:responses",), frozenset({Role.BRAND_MANAGER, Role.ADMIN}), 201),
    Action("change a status", ("write:responses",), frozenset({Role.MODERATOR, Role.BRAND_MANAGER, Role.ADMIN}), 200),
    Action("read the moderation queue", ("moderation",), frozenset({Role.MODERATOR, Role.ADMIN}), 200),
)


def perform(api, action: Action, idea, community) -> object:
    if action.name == "list ideas":
        return api.get("/ideas")
    if action.name == "post an idea":
        return api.post("/ideas", {"title": "Un guichet ouvert le dimanche", "body": "Pour les voyageurs."})
    if action.name == "post for a customer":
        return api.post(
            "/ideas",
            {
                "title": "Un guichet ouvert le dimanche",
                "body": "Demandé au téléphone.",
                "author": {"email": "client@example.test", "name": "Claire Client"},
            },
        )
    if action.name == "comment":
        return api.post(f"/ideas/{idea.pk}/comments", {"body": "Bonne idée."})
    if action.name == "vote":
        return api.post(f"/ideas/{idea.pk}/votes", {"value": 1})
    if action.name == "vote for a customer":
        return api.post(f"/ideas/{idea.pk}/votes", {"member": {"email": "client@example.test", "name": "Claire"}})
    if action.name == "see who voted":
        return api.get(f"/ideas/{idea.pk}/votes")
    if action.name == "draft a response":
        return api.post(f"/ideas/{idea.pk}/responses", {"body": "Merci, nous étudions."})
    if action.name == "change a status":
        planned = community.statuses.get(slug="planned")
        return api.post(f"/ideas/{idea.pk}/status", {"status": planned.pk})
    if action.name == "read the moderation queue":
        return api.get("/moderation/items")
    raise AssertionError(action.name)


def _creator(community, role: str):
    user = UserFactory(username=f"creator-{role}".replace("_", "-"), is_staff=role in STAFF)
    MembershipFactory(user=user, community=community, role=role)
    return user


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.name)
def test_it_allows_an_action_with_its_scope_only_to_the_roles_of_the_site(api_as, community_a, action, role):
    idea = make_idea(community_a, title="Des prises à chaque siège")
    creator = _creator(community_a, role)
    response = perform(api_as(creator, community_a, [action.scopes[0]]), action, idea, community_a)
    if role in action.roles:
        assert response.status_code == action.ok, response.content
    else:
        assert response.status_code == 403, response.content
        assert response.json()["error"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS, ids=lambda action: action.name)
def test_it_refuses_an_action_to_a_key_without_its_scope(api_as, community_a, action, role):
    idea = make_idea(community_a, title="Des prises à chaque siège")
    creator = _creator(community_a, role)
    others = [scope for scope in Scope.values if scope not in action.scopes]
    response = perform(api_as(creator, community_a, others), action, idea, community_a)
    assert response.status_code == 403, response.content
    assert "scope" in response.json()["error"] or response.json()["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/ideas/{idea}",
        "/ideas/{idea}/comments",
        "/ideas/{idea}/votes",
        "/ideas/{idea}/responses",
    ],
)
def test_it_answers_404_for_another_communitys_idea(api_as, admin_a, community_a, community_b, member_b, path):
    other = make_idea(community_b, member_b, title="Une idée de la marque B")
    api = api_as(admin_a, community_a)
    assert api.get(path.format(idea=other.pk)).status_code == 404
    assert api.get(path.format(idea=10**12)).status_code == 404


def test_it_answers_404_for_writes_on_another_communitys_objects(api_as, admin_a, community_a, community_b, member_b):
    other = make_idea(community_b, member_b, title="Une idée de la marque B")
    api = api_as(admin_a, community_a)
    assert api.post(f"/ideas/{other.pk}/votes", {"value": 1}).status_code == 404
    assert api.post(f"/ideas/{other.pk}/comments", {"body": "Ici ?"}).status_code == 404
    assert api.patch(f"/ideas/{other.pk}", {"title": "Prise de contrôle"}).status_code == 404
    assert api.post(f"/ideas/{other.pk}/status", {"status": other.status_id}).status_code == 404
    assert api.post(f"/ideas/{other.pk}/responses", {"body": "Non."}).status_code == 404
    item = other.community.moderation_items.first()
    assert api.post(f"/moderation/items/{item.pk}/decision", {"outcome": "hide"}).status_code == 404
    other.refresh_from_db()
    assert other.title == "Une idée de la marque B"


def test_a_key_used_on_another_communitys_host_reaches_only_its_own(
    api_as, admin_a, community_a, community_b, member_b, idea_a
):
    other = make_idea(community_b, member_b, title="Une idée de la marque B")
    api = api_as(admin_a, community_a, host="ideas.brand-b.test")
    listed = api.get("/ideas").json()["results"]
    assert [row["id"] for row in listed] == [idea_a.pk]
    assert listed[0]["url"].startswith("http://ideas.brand-a.test/")
    assert api.get(f"/ideas/{other.pk}").status_code == 404


def test_member_emails_only_for_admin_scoped_keys_of_community_admins(api_as, admin_a, moderator_a, community_a):
    admin_key = api_as(admin_a, community_a, ["read", "admin"])
    assert admin_key.get(f"/members/{moderator_a.pk}").json()["email"] == moderator_a.email
    for api in (api_as(admin_a, community_a, ["read"]), api_as(moderator_a, community_a, ["read", "admin"])):
        shown = api.get(f"/members/{admin_a.pk}").json()
        assert shown["username"] == admin_a.username
        assert shown.get("email") is None
