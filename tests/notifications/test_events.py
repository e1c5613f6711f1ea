"""Who hears of what: comments, replies, mentions, status changes and moderation decisions.

A public comment tells the members it mentions, then the author of the comment it
answers, then the idea's author, then the idea's followers; each hears of it once, as the
first of those they are, and the commenter never hears of their own comment. Comments on
an idea one merely follows wait for the daily digest by default. A status change tells
the idea's followers; a moderation decision tells the author, in the inbox and by e-mail.
A comment awaiting moderation tells nobody until it is public.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.core import mail
from django.urls import reverse

from community.models import ModerationItem
from community.moderation.services import moderation_check, moderation_decide, rule_for
from ideas.services import comment_create, content_set_moderation_state, idea_set_status
from notifications.models import Delivery, Kind, Notification
from notifications.services import digests_send, preferences_set
from tests.factories import MembershipFactory, UserFactory
from tests.notifications.conftest import follow


def mails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def told(key: str) -> dict[int, str]:
    """{recipient id: kind} of an event's notifications."""
    return dict(Notification.objects.filter(key=key).values_list("recipient_id", "kind"))


def about(comment) -> dict[int, str]:
    return told(f"comment:{comment.pk}")


def member(community, username: str, **fields):
    user = UserFactory(username=username, display_name=username.title(), **fields)
    MembershipFactory(user=user, community=community)
    return user


@pytest.fixture
def camille(community_a):
    return member(community_a, "camille")


@pytest.fixture
def reader(community_a, idea_a):
    """A member who follows idea_a and has not posted on it."""
    user = member(community_a, "reader")
    follow(idea_a, user)
    return user


@pytest.fixture
def decide(django_capture_on_commit_callbacks):
    def decide(item, moderator, outcome, message=""):
        with django_capture_on_commit_callbacks(execute=True):
            return moderation_decide(item=item, moderator=moderator, outcome=outcome, message=message)

    return decide


# --- Comments ----------------------------------------------------------------------------


def test_a_comment_on_my_idea_tells_me_at_once(comment, idea_a, member_a, camille):
    posted = comment(idea_a, camille, "Le Wi-Fi coupe à chaque tunnel.")
    assert about(posted)[member_a.pk] == Kind.COMMENT_ON_MINE
    [message] = mails_to(member_a)
    assert f"Camille a commenté votre idée « {idea_a.title} »" in message.body
    assert "Le Wi-Fi coupe à chaque tunnel." in message.body


def test_a_reply_tells_the_author_of_the_comment_as_a_reply_not_also_as_a_comment(
    comment, idea_a, member_a, reader, camille
):
    first = comment(idea_a, reader, "Dans quels trains ?")
    mail.outbox.clear()
    reply = comment(idea_a, camille, "Les TER surtout.", parent=first)

    assert about(reply) == {reader.pk: Kind.REPLY, member_a.pk: Kind.COMMENT_ON_MINE}
    [message] = mails_to(reader)
    assert f"Camille a répondu à votre commentaire sur « {idea_a.title} »" in message.body


def test_a_mention_tells_the_member_named(comment, idea_a, camille, community_a):
    dominique = member(community_a, "dominique")
    posted = comment(idea_a, camille, "Qu’en pense @dominique ?")
    assert about(posted)[dominique.pk] == Kind.MENTION
    [message] = mails_to(dominique)
    assert f"Camille vous a mentionné sur « {idea_a.title} »" in message.body


def test_followers_hear_of_comments_in_the_daily_digest(comment, idea_a, reader, camille):
    posted = comment(idea_a, camille, "Même chose sur ma ligne.")

    notification = Notification.objects.get(recipient=reader)
    assert (notification.kind, notification.key) == (Kind.COMMENT_FOLLOWED, f"comment:{posted.pk}")
    assert notification.email_delivery == Delivery.DAILY
    assert mails_to(reader) == []
    digests_send(Delivery.DAILY)
    [digest] = mails_to(reader)
    assert f"Camille a commenté « {idea_a.title} »" in digest.body


def test_nobody_is_told_twice_of_one_comment(comment, idea_a, member_a, reader, camille):
    first = comment(idea_a, reader, "Dans quels trains ?")
    mail.outbox.clear()
    # reader is mentioned, answered and a follower; member_a is mentioned, the idea's
    # author and a follower.
    reply = comment(idea_a, camille, "@reader @member-a les TER surtout.", parent=first)

    assert about(reply) == {reader.pk: Kind.MENTION, member_a.pk: Kind.MENTION}
    assert Counter(message.to[0] for message in mail.outbox) == Counter([reader.email, member_a.email])


def test_the_commenter_is_never_told_of_their_own_comment(comment, idea_a, member_a, reader):
    first = comment(idea_a, member_a, "Précision : surtout le matin.")
    mail.outbox.clear()
    own_reply = comment(idea_a, member_a, "Et @member-a le soir aussi.", parent=first)

    assert member_a.pk not in about(first)
    assert member_a.pk not in about(own_reply)
    assert about(own_reply) == {reader.pk: Kind.COMMENT_FOLLOWED}
    assert mails_to(member_a) == []


def test_an_author_who_turned_off_comments_on_their_idea_is_not_told_as_a_follower(comment, idea_a, member_a, camille):
    preferences_set(member_a, {Kind.COMMENT_ON_MINE: Delivery.OFF})  # as the e-mail's unsubscribe link does
    posted = comment(idea_a, camille)
    digests_send(Delivery.DAILY)
    assert member_a.pk not in about(posted)
    assert mails_to(member_a) == []


def test_a_comment_approved_again_after_a_hide_tells_nobody_again(
    comment, django_capture_on_commit_callbacks, idea_a, member_a, camille
):
    posted = comment(idea_a, camille)
    with django_capture_on_commit_callbacks(execute=True):
        content_set_moderation_state(content=posted, state="hidden")
    with django_capture_on_commit_callbacks(execute=True):
        content_set_moderation_state(content=posted, state="approved")
    assert Notification.objects.filter(key=f"comment:{posted.pk}").count() == 1
    assert len(mails_to(member_a)) == 1


# --- Pre-moderation --------------------------------------------------------------------------


@pytest.fixture
def pre_moderated(community_a, idea_a):
    """Community A switches to pre-moderation after idea_a was published."""
    community_a.moderation_mode = "pre"
    community_a.save()
    return community_a


def test_a_comment_awaiting_moderation_tells_nobody_until_it_is_public(
    django_capture_on_commit_callbacks, pre_moderated, idea_a, member_a, reader, camille
):
    with django_capture_on_commit_callbacks(execute=False):
        waiting = comment_create(idea=idea_a, author=camille, body="Bonne idée, vraiment.")
    assert about(waiting) == {}
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        moderation_check(ModerationItem.objects.get(comment=waiting).pk)  # the check approves it

    assert about(waiting) == {member_a.pk: Kind.COMMENT_ON_MINE, reader.pk: Kind.COMMENT_FOLLOWED}


def test_a_held_comment_tells_its_audience_once_a_moderator_approves_it(
    comment, decide, pre_moderated, idea_a, member_a, reader, camille, moderator_a
):
    rule = rule_for(pre_moderated)
    rule.banned_words = "arnaque"
    rule.save()
    held = comment(idea_a, camille, "Encore une arnaque de la direction ?")
    assert ModerationItem.objects.get(comment=held).state == "held"
    assert about(held) == {}
    assert mails_to(member_a) == []

    decide(ModerationItem.objects.get(comment=held), moderator_a, "approve")

    assert about(held) == {member_a.pk: Kind.COMMENT_ON_MINE, reader.pk: Kind.COMMENT_FOLLOWED}
    assert len(mails_to(member_a)) == 1


# --- Status changes --------------------------------------------------------------------------


def test_a_status_change_in_the_admin_tells_the_followers(
    client, django_capture_on_commit_callbacks, community_a, idea_a, member_a, reader, moderator_a
):
    follow(idea_a, moderator_a)
    declined = community_a.statuses.get(slug="declined")
    reason = "Le matériel roulant ne le permet pas."
    client.force_login(moderator_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("admin:ideas_idea_change", args=[idea_a.pk]),
            {
                "title": idea_a.title,
                "body": idea_a.body,
                "category": "",
                "tags": "",
                "status": declined.pk,
                "status_reason": reason,
            },
        )
    assert answer.status_code == 302

    [key] = set(Notification.objects.values_list("key", flat=True))
    assert told(key) == {member_a.pk: Kind.STATUS, reader.pk: Kind.STATUS}  # not the moderator who changed it
    [message] = mails_to(reader)
    assert f"« {idea_a.title} » est maintenant « Refusée »" in message.body
    assert reason in message.body


def test_setting_the_same_status_again_tells_nobody(django_capture_on_commit_callbacks, idea_a, reader):
    with django_capture_on_commit_callbacks(execute=True):
        idea_set_status(idea=idea_a, status=idea_a.status, user=None)
    assert not Notification.objects.exists()


def test_a_status_change_that_comes_with_a_response_is_told_once_by_the_response(
    publish, community_a, idea_a, member_a, reader
):
    response = publish(idea_a, body="C’est prévu pour l’été.", status=community_a.statuses.get(slug="planned"))
    assert told(f"response:{response.pk}") == {member_a.pk: Kind.RESPONSE, reader.pk: Kind.RESPONSE}
    assert not Notification.objects.filter(kind=Kind.STATUS).exists()
    [message] = mails_to(reader)
    assert "Prévue" in message.body


# --- Moderation decisions --------------------------------------------------------------------


def test_a_moderation_decision_tells_the_author_in_the_inbox_and_by_email(
    comment, decide, community_a, idea_a, camille, moderator_a
):
    posted = comment(idea_a, camille, "Mon numéro : 06 12 34 56 78")
    mail.outbox.clear()
    decision = decide(ModerationItem.objects.get(comment=posted), moderator_a, "hide", "Pas de données personnelles.")

    notification = Notification.objects.get(recipient=camille)
    assert (notification.kind, notification.key) == (Kind.MODERATION, f"moderation:{decision.pk}")
    assert notification.community == community_a
    assert notification.url == f"{idea_a.get_absolute_url()}#comment-{posted.pk}"
    [message] = mails_to(camille)
    assert "Les modérateurs de Brand A ont masqué votre message :" in message.body
    assert "Pas de données personnelles." in message.body
