"""The API's posts take the site's moderation path, and nothing held, hidden or rejected
reaches anyone who may not see it."""

from __future__ import annotations

from django.test import Client

from community.models import ModerationMode
from community.moderation.services import rule_for
from ideas.models import Idea
from tests.api.conftest import ApiClient
from tests.factories import UserFactory, make_idea


def _hold_new_members(community) -> None:
    rule = rule_for(community)
    rule.new_member_hold_count = 1
    rule.save()


def test_an_idea_posted_for_an_untrusted_customer_is_held_as_the_sites_would_be(
    api_as, client, moderator_a, community_a, django_capture_on_commit_callbacks
):
    _hold_new_members(community_a)
    newcomer = UserFactory(username="newcomer")
    client.force_login(newcomer)
    with django_capture_on_commit_callbacks(execute=True):
        site = client.post(
            "/ideas/new/",
            {"title": "Des casiers à vélo en gare", "body": "Pour laisser son vélo."},
            HTTP_HOST="ideas.brand-a.test",
        )
    assert site.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        posted = api_as(moderator_a, community_a, ["write:ideas"]).post(
            "/ideas",
            {
                "title": "Des casiers à vélo à Lyon",
                "body": "Demandé par téléphone.",
                "author": {"email": "new.customer@example.test", "name": "Nina Nouvelle"},
            },
        )
    assert posted.status_code == 201, posted.content
    by_site = Idea.objects.get(title="Des casiers à vélo en gare")
    by_api = Idea.objects.get(pk=posted.json()["id"])
    assert by_site.moderation_state == "pending"
    assert by_api.moderation_state == by_site.moderation_state
    assert by_api.author.email == "new.customer@example.test"
    assert by_api.submitted_by == moderator_a


def test_a_held_idea_is_in_no_list_nor_detail_for_others(api_as, admin_a, member_a, moderator_a, community_a, idea_a):
    community_a.moderation_mode = ModerationMode.PRE
    community_a.save()
    held = make_idea(community_a, member_a, title="Une idée pas encore relue")
    assert held.moderation_state == "pending"
    readers = [api_as(admin_a, community_a, ["read", "write:ideas", "write:votes"])]
    other = UserFactory(username="other-member")
    session = ApiClient(client=Client())
    session.client.force_login(other)
    readers.append(session)
    for api in readers:
        ids = [row["id"] for row in api.get("/ideas", {"sort": "new"}).json()["results"]]
        assert held.pk not in ids
        assert idea_a.pk in ids
        assert api.get(f"/ideas/{held.pk}").status_code == 404
        assert api.get(f"/ideas/{held.pk}/comments").status_code == 404
        assert api.post(f"/ideas/{held.pk}/votes", {"value": 1}).status_code == 404
        assert api.get("/ideas", {"q": "relue"}).json()["results"] == []


def test_the_author_and_moderation_keys_see_a_held_idea(api_as, moderator_a, member_a, community_a):
    community_a.moderation_mode = ModerationMode.PRE
    community_a.save()
    held = make_idea(community_a, member_a, title="Une idée pas encore relue")
    author = ApiClient(client=Client())
    author.client.force_login(member_a)
    shown = author.get(f"/ideas/{held.pk}")
    assert shown.status_code == 200
    assert shown.json()["moderation_state"] == "pending"
    assert [row["id"] for row in author.get("/ideas", {"mine": "true"}).json()["results"]] == [held.pk]
    moderation = api_as(moderator_a, community_a, ["read", "moderation"])
    assert moderation.get(f"/ideas/{held.pk}").status_code == 200
    items = moderation.get("/moderation/items").json()
    assert [item["idea"] for item in items] == [held.pk]


def test_a_moderator_key_approves_an_item_and_the_idea_goes_public(
    api_as, moderator_a, member_a, admin_a, community_a, django_capture_on_commit_callbacks
):
    community_a.moderation_mode = ModerationMode.PRE
    community_a.save()
    held = make_idea(community_a, member_a, title="Une idée pas encore relue")
    reader = api_as(admin_a, community_a, ["read"])
    assert reader.get(f"/ideas/{held.pk}").status_code == 404
    moderation = api_as(moderator_a, community_a, ["moderation"])
    item = moderation.get("/moderation/items").json()[0]
    with django_capture_on_commit_callbacks(execute=True):
        decided = moderation.post(f"/moderation/items/{item['id']}/decision", {"outcome": "approve", "message": "OK"})
    assert decided.status_code == 201, decided.content
    assert reader.get(f"/ideas/{held.pk}").status_code == 200
    again = moderation.post(f"/moderation/items/{item['id']}/decision", {"outcome": "hide"})
    assert again.status_code == 201
    assert reader.get(f"/ideas/{held.pk}").status_code == 404


def test_a_hidden_comment_is_not_in_the_thread_for_others(api_as, admin_a, member_a, community_a, idea_a):
    from ideas.services import comment_create, content_set_moderation_state

    comment = comment_create(idea=idea_a, author=member_a, body="Un commentaire masqué.")
    content_set_moderation_state(content=comment, state="hidden")
    thread = api_as(admin_a, community_a, ["read"]).get(f"/ideas/{idea_a.pk}/comments").json()
    assert thread == []
