"""Sanctions: a suspended or banned member cannot write in that community, and is told why.

PRODUCT §4: "a suspended or banned member cannot post, vote or comment and is told why".
docs/moderation.md: "cannot post, edit, vote, comment, follow or flag in that community:
they get a 403 page saying why and until when. Sanctions are lifted, never erased."
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from community.models import Flag, ModerationItem, Sanction
from community.moderation.services import FlagRefused, flag_create
from ideas.exceptions import Refused
from ideas.models import Comment, Follow, Idea, Vote
from ideas.services import comment_create, comment_update, follow_toggle, idea_create, idea_update, vote_toggle
from tests.factories import login_with_mfa, make_idea

# Runs on the embedded default (SQLite) as well.
pytestmark = pytest.mark.smoke

HOST_A = "ideas.brand-a.test"
REASON = "Propos insultants"


@pytest.fixture
def own_idea(community_a, member_b):
    """member_b's idea in community A, posted before the sanction."""
    return make_idea(community_a, member_b, title="Des bancs sur les quais", body="Pour attendre assis.")


@pytest.fixture
def own_comment(idea_a, member_b):
    return comment_create(idea=idea_a, author=member_b, body="Bonne idée, vraiment.")


def sanction(community, user, kind="suspension", **fields) -> Sanction:
    if kind == "suspension":
        fields.setdefault("until", timezone.now() + timedelta(days=1))
    return Sanction.objects.create(community=community, user=user, kind=kind, reason=REASON, **fields)


def writes(community_a, own_idea, own_comment, idea_a) -> dict:
    """Everything a write endpoint could change."""
    own_idea = Idea.objects.get(pk=own_idea.pk)
    own_comment = Comment.objects.get(pk=own_comment.pk)
    return {
        "ideas": Idea.objects.filter(community=community_a).count(),
        "votes": Vote.objects.count(),
        "comments": Comment.objects.count(),
        "follows": sorted(Follow.objects.values_list("idea_id", "user_id")),
        "flags": Flag.objects.count(),
        "items": ModerationItem.objects.count(),
        "own_idea": (own_idea.title, own_idea.body, own_idea.revision),
        "own_comment": (own_comment.body, own_comment.revision),
    }


ENDPOINTS = {
    "post an idea": lambda ideas: (reverse("ideas:create"), {"title": "Des casiers à vélos", "body": "Sécurisés."}),
    "edit my idea": lambda ideas: (
        reverse("ideas:edit", args=[ideas["own_idea"].pk]),
        {"title": "Des bancs sur tous les quais", "body": "Corrigé."},
    ),
    "vote": lambda ideas: (reverse("ideas:vote", args=[ideas["idea_a"].pk]), {"value": "1"}),
    "comment": lambda ideas: (reverse("ideas:comment", args=[ideas["idea_a"].pk]), {"body": "Encore moi."}),
    "follow": lambda ideas: (reverse("ideas:follow", args=[ideas["idea_a"].pk]), {}),
    "flag": lambda ideas: (reverse("ideas:flag", args=[ideas["idea_a"].pk]), {"reason": "spam"}),
    "edit my comment": lambda ideas: (
        reverse("ideas:comment_edit", args=[ideas["own_comment"].pk]),
        {"body": "Corrigé."},
    ),
}


def endpoint_params():
    for name in ENDPOINTS:
        yield pytest.param(name, id=name.replace(" ", "-"))


@pytest.fixture
def targets(idea_a, own_idea, own_comment):
    return {"idea_a": idea_a, "own_idea": own_idea, "own_comment": own_comment}


# --- Every write endpoint ------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", list(endpoint_params()))
def test_a_suspended_member_is_refused_and_told_why_and_until_when(
    client, community_a, member_b, targets, endpoint, django_capture_on_commit_callbacks
):
    suspension = sanction(community_a, member_b)
    before = writes(community_a, targets["own_idea"], targets["own_comment"], targets["idea_a"])
    client.force_login(member_b)
    url, data = ENDPOINTS[endpoint](targets)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data, HTTP_HOST=HOST_A)
    assert response.status_code == 403
    content = response.content.decode()
    assert REASON in content
    until = timezone.localtime(suspension.until)
    assert f"jusqu’au {date_format(until, 'DATE_FORMAT')} à {until:%H:%M}" in content  # as the inbox writes it
    assert writes(community_a, targets["own_idea"], targets["own_comment"], targets["idea_a"]) == before


@pytest.mark.parametrize("endpoint", list(endpoint_params()))
def test_a_banned_member_is_refused_and_told_why(
    client, community_a, member_b, targets, endpoint, django_capture_on_commit_callbacks
):
    sanction(community_a, member_b, kind="ban")
    before = writes(community_a, targets["own_idea"], targets["own_comment"], targets["idea_a"])
    client.force_login(member_b)
    url, data = ENDPOINTS[endpoint](targets)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data, HTTP_HOST=HOST_A)
    assert response.status_code == 403
    assert REASON in response.content.decode()
    assert writes(community_a, targets["own_idea"], targets["own_comment"], targets["idea_a"]) == before


def test_a_script_gets_the_reason_in_json(client, community_a, member_b, idea_a):
    sanction(community_a, member_b)
    client.force_login(member_b)
    response = client.post(
        reverse("ideas:vote", args=[idea_a.pk]), {"value": "1"}, HTTP_HOST=HOST_A, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 403
    assert REASON in response.json()["error"]
    assert not Vote.objects.exists()


def test_a_suspended_member_is_told_before_typing_an_idea(client, community_a, member_b):
    sanction(community_a, member_b)
    client.force_login(member_b)
    response = client.get(reverse("ideas:create"), HTTP_HOST=HOST_A)
    assert response.status_code == 403
    assert REASON in response.content.decode()


# --- When a sanction applies ------------------------------------------------------------------


def vote_as(client, user, idea):
    client.force_login(user)
    return client.post(reverse("ideas:vote", args=[idea.pk]), {"value": "1"}, HTTP_HOST=HOST_A)


def test_an_expired_suspension_no_longer_applies(client, community_a, member_b, idea_a):
    sanction(community_a, member_b, until=timezone.now() - timedelta(minutes=1))
    assert vote_as(client, member_b, idea_a).status_code == 302
    assert Vote.objects.filter(idea=idea_a, user=member_b).exists()


@pytest.mark.parametrize("kind", ["suspension", "ban"])
def test_a_lifted_sanction_no_longer_applies(client, community_a, member_b, idea_a, kind):
    sanction(community_a, member_b, kind=kind, lifted_at=timezone.now())
    assert vote_as(client, member_b, idea_a).status_code == 302
    assert Vote.objects.filter(idea=idea_a, user=member_b).exists()
    assert Sanction.objects.filter(user=member_b).exists()  # lifted, never erased


@pytest.mark.parametrize("kind", ["suspension", "ban"])
def test_a_sanction_in_community_b_does_not_apply_in_community_a(client, community_b, member_b, idea_a, kind):
    sanction(community_b, member_b, kind=kind)
    assert vote_as(client, member_b, idea_a).status_code == 302
    client.force_login(member_b)
    response = client.post(reverse("ideas:create"), {"title": "Des casiers à vélos", "body": "Oui."}, HTTP_HOST=HOST_A)
    assert response.status_code == 302
    assert Idea.objects.filter(author=member_b, title="Des casiers à vélos").exists()


def test_a_ban_has_no_end(client, community_a, member_b, idea_a):
    sanction(community_a, member_b, kind="ban", until=timezone.now() - timedelta(days=1))
    assert vote_as(client, member_b, idea_a).status_code == 403


def test_a_sanction_of_one_member_does_not_touch_another(client, community_a, member_a, member_b, own_idea):
    sanction(community_a, member_b)
    assert vote_as(client, member_a, own_idea).status_code == 302
    assert Vote.objects.filter(idea=own_idea, user=member_a).exists()


# --- The services refuse too ----------------------------------------------------------------


@pytest.fixture
def suspended(community_a, member_b, own_idea, own_comment):
    sanction(community_a, member_b)
    return member_b


def test_vote_toggle_refuses_a_suspended_member(suspended, idea_a):
    with pytest.raises(Refused) as refusal:
        vote_toggle(idea=idea_a, user=suspended)
    assert refusal.value.status == 403
    assert REASON in refusal.value.message
    assert not Vote.objects.exists()


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(
            lambda user, c, idea, own, comment: idea_create(community=c, author=user, title="Des casiers", body="Oui."),
            id="idea_create",
        ),
        pytest.param(
            lambda user, c, idea, own, comment: comment_create(idea=idea, author=user, body="Encore."),
            id="comment_create",
        ),
        pytest.param(lambda user, c, idea, own, comment: follow_toggle(idea=idea, user=user), id="follow_toggle"),
        pytest.param(
            lambda user, c, idea, own, comment: idea_update(idea=own, user=user, title="Des bancs partout", body="."),
            id="idea_update",
        ),
        pytest.param(
            lambda user, c, idea, own, comment: comment_update(comment=comment, user=user, body="Corrigé."),
            id="comment_update",
        ),
    ],
)
def test_every_write_service_refuses_a_suspended_member(suspended, community_a, idea_a, own_idea, own_comment, write):
    before = writes(community_a, own_idea, own_comment, idea_a)
    with pytest.raises(Refused) as refusal:
        write(suspended, community_a, idea_a, own_idea, own_comment)
    assert refusal.value.status == 403
    assert REASON in refusal.value.message
    assert writes(community_a, own_idea, own_comment, idea_a) == before


def test_flag_create_refuses_a_suspended_member(suspended, idea_a):
    with pytest.raises(FlagRefused) as refusal:
        flag_create(content=idea_a, flagger=suspended, reason="spam")
    assert refusal.value.status == 403
    assert REASON in refusal.value.message
    assert not Flag.objects.exists()


# --- The member is told ----------------------------------------------------------------------


def sanction_form(community, username: str, **changes) -> dict:
    return {
        "community": community.pk,
        "user": username,
        "kind": "suspension",
        "until_0": "2030-03-08",
        "until_1": "14:30:00",
        "reason": REASON,
        **changes,
    }


def mails_to(user) -> list:
    from django.core import mail

    return [message for message in mail.outbox if message.to == [user.email]]


def test_a_member_suspended_in_the_admin_is_told_why_and_until_when(
    client, community_a, member_a, moderator_a, django_capture_on_commit_callbacks
):
    from notifications.models import Kind, Notification

    login_with_mfa(client, moderator_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:community_sanction_add"), sanction_form(community_a, "member-a"))
    assert response.status_code == 302
    suspension = Sanction.objects.get(user=member_a)
    assert suspension.created_by == moderator_a

    notification = Notification.objects.get(recipient=member_a)
    assert (notification.kind, notification.key, notification.community) == (
        Kind.SANCTION,
        f"sanction:{suspension.pk}",
        community_a,
    )
    [message] = mails_to(member_a)
    assert message.subject.startswith("[Brand A]")
    assert "Votre compte est suspendu dans Brand A jusqu’au 8 mars 2030 à 14:30." in message.body
    assert REASON in message.body
    assert "suspendue" not in message.body
    # The inbox says why, too.
    member = Client()
    member.force_login(member_a)
    inbox = member.get(reverse("notifications:inbox"), HTTP_HOST="ideas.brand-a.test").content.decode()
    assert "jusqu’au 8 mars 2030" in inbox and escape(REASON) in inbox


def test_a_suspension_is_told_in_the_members_language(community_a, member_a, django_capture_on_commit_callbacks):
    from community.moderation.services import sanction_create

    member_a.language = "en"
    member_a.save()
    until = timezone.make_aware(timezone.datetime(2030, 3, 8, 14, 30))
    with django_capture_on_commit_callbacks(execute=True):
        sanction_create(community=community_a, user=member_a, kind="suspension", until=until, reason=REASON)
    [message] = mails_to(member_a)
    assert "Your account is suspended in Brand A until March 8, 2030 at 2:30 p.m." in message.body


def test_a_banned_member_is_told_it_is_permanent(
    client, community_a, member_a, moderator_a, django_capture_on_commit_callbacks
):
    login_with_mfa(client, moderator_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:community_sanction_add"), sanction_form(community_a, "member-a", kind="ban")
        )
    assert response.status_code == 302
    [message] = mails_to(member_a)
    assert "Votre compte est définitivement exclu de Brand A." in message.body
    assert REASON in message.body


def test_a_sanction_refused_by_the_form_tells_nobody(
    client, community_a, member_a, moderator_a, django_capture_on_commit_callbacks
):
    login_with_mfa(client, moderator_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:community_sanction_add"), sanction_form(community_a, "member-a", until_0="", until_1="")
        )
    assert response.status_code == 200  # a suspension needs an end
    assert not Sanction.objects.exists()
    assert mails_to(member_a) == []
