"""Staff act only for their community's members, and a merge never quotes a hidden duplicate
(found in review: an e-mail address reached any account of the site)."""

from __future__ import annotations

from django.db import transaction

from ideas.models import Idea, ModerationState, Vote
from integrations.models import WebhookDelivery
from tests.factories import make_idea
from tests.integrations.conftest import make_endpoint

IDEA = {"title": "Un menu végétarien au bar", "body": "Au guichet."}


def test_staff_cannot_post_as_the_operator_by_giving_their_email(api_as, brand_manager_a, community_a, superuser):
    api = api_as(brand_manager_a, community_a, ["write:ideas", "read"])
    r = api.post("/ideas", {**IDEA, "author": {"email": superuser.email.upper()}})
    assert r.status_code == 409, r.content
    assert not Idea.objects.filter(author=superuser).exists()


def test_a_brand_manager_cannot_post_as_the_community_admin_by_email(api_as, brand_manager_a, community_a, admin_a):
    api = api_as(brand_manager_a, community_a, ["write:ideas", "read"])
    r = api.post("/ideas", {**IDEA, "author": {"email": admin_a.email}})
    assert r.status_code == 409, r.content
    assert not Idea.objects.filter(author=admin_a).exists()


def test_a_member_of_another_community_is_refused_by_email_as_by_id(api_as, moderator_a, community_a, member_b, idea_a):
    api = api_as(moderator_a, community_a, ["write:votes", "read"])
    r = api.post(f"/ideas/{idea_a.pk}/votes", {"value": 1, "member": {"email": member_b.email}})
    assert r.status_code == 409, r.content
    assert list(r.json()["fields"]) == ["email"]
    assert not Vote.objects.filter(user=member_b).exists()
    assert not member_b.memberships.filter(community=community_a).exists()  # nobody signed them up


def test_merging_a_hidden_duplicate_sends_nothing_of_it(community_a, idea_a, moderator_a, member_a, settings):
    from ideas.services import content_set_moderation_state, idea_merge

    settings.WEBHOOKS_ALLOW_PRIVATE = True
    dup = make_idea(community_a, member_a, title="Secret spam title held", body="x")
    content_set_moderation_state(content=dup, state=ModerationState.HIDDEN)
    dup.refresh_from_db()
    make_endpoint(community_a, "http://127.0.0.1:9/hook", ["idea.merged"])
    with transaction.atomic():
        idea_merge(duplicate=Idea.objects.get(pk=dup.pk), original=Idea.objects.get(pk=idea_a.pk), user=moderator_a)
    bodies = [d.body for d in WebhookDelivery.objects.all()]
    assert not any("Secret spam title held" in b for b in bodies), bodies
