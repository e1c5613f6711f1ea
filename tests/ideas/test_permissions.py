"""Who may do what with ideas: every persona against every action.

Personas: a visitor; a member of A; the idea's author; a member of community B; a
moderator of A; a moderator of B. Actions: post, edit, vote, comment, follow, merge.
Another community's ids answer 404, whoever asks.
"""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from ideas.exceptions import Refused
from ideas.models import Comment, Follow, Idea, Vote
from ideas.services import idea_merge
from tests.factories import UserFactory, login_with_mfa, make_idea

# Runs on the embedded default (SQLite) as well.
pytestmark = pytest.mark.smoke

HOST_A = "ideas.brand-a.test"
HOST_B = "ideas.brand-b.test"


@pytest.fixture
def people(request, member_a, moderator_a, moderator_b, member_b, community_a):
    return {
        "visitor": None,
        "member": UserFactory(username="other-member-a"),
        "author": member_a,
        "member_of_b": member_b,
        "moderator": moderator_a,
        "moderator_of_b": moderator_b,
    }


def signed_in(client, people, persona):
    if people[persona] is not None:
        login_with_mfa(client, people[persona])
    return client


def is_sign_in_redirect(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "may_post"),
    [("visitor", False), ("member", True), ("author", True), ("member_of_b", True), ("moderator", True)],
)
def test_posting_an_idea(client, people, persona, may_post, community_a):
    signed_in(client, people, persona)
    data = {"title": "Des casiers à vélos en gare", "body": "Sécurisés, près des quais."}
    response = client.post(reverse("ideas:create"), data, HTTP_HOST=HOST_A)
    created = Idea.objects.filter(title=data["title"], community=community_a).first()
    assert (created is not None) is may_post
    if may_post:
        assert response["Location"] == created.get_absolute_url()
        # Posting on a community's site makes you one of its members.
        assert created.author.memberships.filter(community=community_a).exists()
    else:
        assert is_sign_in_redirect(response)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("visitor", "sign-in"),
        ("member", 403),
        ("author", "edited"),
        ("member_of_b", 403),
        ("moderator", "edited"),
        ("moderator_of_b", 403),
    ],
)
def test_editing_an_idea(client, people, persona, expected, idea_a):
    signed_in(client, people, persona)
    url = reverse("ideas:edit", args=[idea_a.pk])
    response = client.post(url, {"title": "Un titre corrigé", "body": "Texte corrigé."}, HTTP_HOST=HOST_A)
    idea_a.refresh_from_db()
    if expected == "sign-in":
        assert is_sign_in_redirect(response)
    elif expected == "edited":
        assert response.status_code == 302
        assert idea_a.title == "Un titre corrigé"
        assert "Texte corrigé." in idea_a.body_html
    else:
        assert response.status_code == expected
    if expected != "edited":
        assert idea_a.title == "Du Wi-Fi stable dans tous les trains"


def test_the_author_cannot_edit_after_the_window(client, member_a, idea_a):
    Idea.objects.filter(pk=idea_a.pk).update(created_at=idea_a.created_at.replace(year=2020))
    client.force_login(member_a)
    response = client.post(reverse("ideas:edit", args=[idea_a.pk]), {"title": "Trop tard", "body": "x"})
    assert response.status_code == 403


ACTIONS = {
    "vote": ("ideas:vote", {"value": "1"}, lambda idea, user: Vote.objects.filter(idea=idea, user=user).exists()),
    "comment": (
        "ideas:comment",
        {"body": "Bonne idée"},
        lambda idea, user: Comment.objects.filter(idea=idea, author=user).exists(),
    ),
    "follow": ("ideas:follow", {}, lambda idea, user: Follow.objects.filter(idea=idea, user=user).exists()),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("persona", ["visitor", "member", "author", "member_of_b", "moderator"])
def test_taking_part_on_the_communitys_site(client, people, persona, action, idea_a):
    url_name, data, happened = ACTIONS[action]
    user = people[persona]
    if persona == "author" and action == "follow":
        Follow.objects.filter(idea=idea_a, user=user).delete()  # authors follow on posting
    signed_in(client, people, persona)
    response = client.post(reverse(url_name, args=[idea_a.pk]), data, HTTP_HOST=HOST_A)
    if user is None:
        assert is_sign_in_redirect(response)
        assert not Vote.objects.filter(idea=idea_a).exists()
        assert Comment.objects.filter(idea=idea_a).count() == 0
    else:
        assert response.status_code == 302
        assert happened(idea_a, user)


@pytest.mark.parametrize("action", [*sorted(ACTIONS), "detail", "edit"])
@pytest.mark.parametrize("persona", ["member", "author", "member_of_b", "moderator"])
def test_another_communitys_ids_answer_404(client, people, persona, action, idea_a, community_b):
    signed_in(client, people, persona)
    if action == "detail":
        response = client.get(idea_a.get_absolute_url(), HTTP_HOST=HOST_B)
    elif action == "edit":
        response = client.get(reverse("ideas:edit", args=[idea_a.pk]), HTTP_HOST=HOST_B)
    else:
        url_name, data, _happened = ACTIONS[action]
        response = client.post(reverse(url_name, args=[idea_a.pk]), data, HTTP_HOST=HOST_B)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("persona", "may_merge"),
    [("member", False), ("author", False), ("member_of_b", False), ("moderator", True), ("moderator_of_b", False)],
)
def test_merging_with_the_service(people, persona, may_merge, idea_a, community_a):
    original = make_idea(community_a, title="Le Wi-Fi à bord, partout et tout le temps")
    if may_merge:
        idea_merge(duplicate=idea_a, original=original, user=people[persona])
        idea_a.refresh_from_db()
        assert idea_a.merged_into == original
    else:
        with pytest.raises(Refused) as refusal:
            idea_merge(duplicate=idea_a, original=original, user=people[persona])
        assert refusal.value.status == 403


@pytest.mark.parametrize(
    ("persona", "may_merge"),
    [("visitor", False), ("member", False), ("moderator", True), ("moderator_of_b", False)],
)
def test_merging_from_the_admin(client, people, persona, may_merge, idea_a, community_a):
    original = make_idea(community_a, title="Le Wi-Fi à bord, partout et tout le temps")
    signed_in(client, people, persona)
    url = reverse("admin:ideas_idea_changelist")
    data = {"action": "merge_into", ACTION_CHECKBOX_NAME: [idea_a.pk], "apply": "1", "original": original.pk}
    response = client.post(url, data)
    idea_a.refresh_from_db()
    assert (idea_a.merged_into_id == original.pk) is may_merge
    if persona in ("visitor", "member"):
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
