"""Who hears of what: comments, replies, mentions, status changes and moderation decisions.

A public comment tells the members it mentions, then the author of the comment it
answers, then the idea's author, then the idea's followers; each hears of it once, as the
first of those they are, and the commenter never hears of their own comment. Comments on
an idea one merely follows wait for the daily digest by default. A status change tells
the idea's followers; a moderation decision tells the author, in the inbox and by e-mail.
Nothing held, hidden or rejected tells anybody anything (PRODUCT §12): a comment is
announced, and its author rewarded, when the moderation check (or a moderator) approves
it, even where it is public at once (post-moderation); an edit's new mentions wait for the
edited revision's approval. Only members of the idea's community can be mentioned.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import PointEvent
from community.models import ModerationItem
from community.moderation.services import moderation_check, moderation_decide, rule_for
from ideas.models import Comment, Idea
from ideas.services import (
    comment_create,
    comment_delete,
    comment_update,
    content_set_moderation_state,
    idea_create,
    idea_set_status,
)
from notifications.models import Delivery, Kind, Notification
from notifications.services import digests_send, preferences_set
from tests.factories import MembershipFactory, UserFactory, login_with_mfa, run_as_task
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
    run_as_task(digests_send, Delivery.DAILY)
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
    run_as_task(digests_send, Delivery.DAILY)
    assert member_a.pk not in about(posted)
    assert mails_to(member_a) == []


def test_a_comment_approved_again_after_a_hide_tells_nobody_again(
    comment, django_capture_on_commit_callbacks, idea_a, member_a, camille
):
    posted = comment(idea_a, camille)
    with django_capture_on_commit_callbacks(execute=True):
        content_set_moderation_state(content=posted, state="hidden")
    assert Notification.objects.filter(key=f"comment:{posted.pk}").count() == 0  # withdrawn while hidden
    with django_capture_on_commit_callbacks(execute=True):
        content_set_moderation_state(content=posted, state="approved")
    assert len(mails_to(member_a)) == 1


# --- Post-moderation: public at once, announced once checked -----------------------------


@pytest.fixture
def banned(community_a):
    rule = rule_for(community_a)
    rule.banned_words = "arnaque"
    rule.save()
    return rule


def points_of(user) -> list[str]:
    return list(PointEvent.objects.filter(user=user).values_list("key", flat=True))


def test_a_comment_tells_nobody_before_its_check_and_its_audience_once_after(
    django_capture_on_commit_callbacks, idea_a, member_a, reader, camille
):
    with django_capture_on_commit_callbacks(execute=False):
        posted = comment_create(idea=idea_a, author=camille, body="Le Wi-Fi coupe à chaque tunnel.")
    assert posted.moderation_state == "approved"  # public at once…
    assert about(posted) == {}  # …but nobody is told before the check
    assert points_of(camille) == []

    item = ModerationItem.objects.get(comment=posted)
    with django_capture_on_commit_callbacks(execute=True):
        assert moderation_check(item.pk) == "approve"
    with django_capture_on_commit_callbacks(execute=True):
        assert moderation_check(item.pk) is None  # a redelivered check: nothing more

    assert about(posted) == {member_a.pk: Kind.COMMENT_ON_MINE, reader.pk: Kind.COMMENT_FOLLOWED}
    assert len(mails_to(member_a)) == 1
    assert points_of(camille) == [f"comment:{posted.pk}"]


def test_a_held_comment_in_post_moderation_leaves_nothing_until_a_moderator_approves_it(
    comment, decide, banned, community_a, idea_a, member_a, reader, camille, moderator_a
):
    held = comment(idea_a, camille, "Encore une arnaque, @reader ?")
    assert ModerationItem.objects.get(comment=held).state == "held"
    run_as_task(digests_send, Delivery.DAILY)
    assert mails_to(member_a) == [] and mails_to(reader) == []
    # (idea_a's own check ran in the same batch: its author's first-idea badge is all there is)
    assert not Notification.objects.exclude(recipient=member_a, kind=Kind.BADGE).exists()
    assert points_of(camille) == []

    decide(ModerationItem.objects.get(comment=held), moderator_a, "approve")
    assert about(held) == {reader.pk: Kind.MENTION, member_a.pk: Kind.COMMENT_ON_MINE}
    assert len(mails_to(member_a)) == 1
    assert len(mails_to(reader)) == 1
    assert points_of(camille) == [f"comment:{held.pk}"]

    # Hidden: what was said of it is withdrawn; approved again: nobody is e-mailed twice.
    decide(ModerationItem.objects.get(comment=held), moderator_a, "hide")
    assert about(held) == {}
    decide(ModerationItem.objects.get(comment=held), moderator_a, "approve")
    assert len(mails_to(member_a)) == 1
    assert len(mails_to(reader)) == 1


def test_a_comment_hidden_after_it_was_announced_leaves_no_digest_and_no_inbox_row(
    comment, decide, idea_a, member_a, reader, camille, moderator_a
):
    posted = comment(idea_a, camille, "Le Wi-Fi coupe à chaque tunnel, vraiment pénible.")
    assert about(posted)[reader.pk] == Kind.COMMENT_FOLLOWED  # waits for the daily digest
    assert mails_to(reader) == []

    decide(ModerationItem.objects.get(comment=posted), moderator_a, "hide")
    assert about(posted) == {}
    mail.outbox.clear()
    run_as_task(digests_send, Delivery.DAILY)
    assert not any("tunnel" in message.body for message in mail.outbox)
    assert mails_to(reader) == []


def test_a_comment_hidden_by_members_reports_leaves_no_digest_and_no_inbox_row(
    client, comment, idea_a, member_a, reader, camille
):
    posted = comment(idea_a, camille, "Le Wi-Fi coupe à chaque tunnel, signalez-moi.")
    assert about(posted)[reader.pk] == Kind.COMMENT_FOLLOWED  # waits for the daily digest
    for flagger in (UserFactory(), UserFactory(), UserFactory()):  # the default threshold: 3
        client.force_login(flagger)
        url = reverse("ideas:comment_flag", args=[posted.pk])
        assert client.post(url, {"reason": "spam"}, HTTP_HOST="ideas.brand-a.test").status_code == 302
    assert Comment.objects.get(pk=posted.pk).moderation_state == "pending"  # hidden until a moderator looks

    assert about(posted) == {}
    mail.outbox.clear()
    run_as_task(digests_send, Delivery.DAILY)
    assert not any("signalez-moi" in message.body for message in mail.outbox)


def test_an_idea_hidden_by_members_reports_takes_back_what_its_followers_were_told(
    client, comment, idea_a, reader, camille
):
    posted = comment(idea_a, camille, "Le Wi-Fi coupe à chaque tunnel, encore et encore.")
    assert reader.pk in about(posted)
    url = reverse("ideas:flag", args=[idea_a.pk])
    for flagger in (UserFactory(), UserFactory(), UserFactory()):
        client.force_login(flagger)
        assert client.post(url, {"reason": "spam"}, HTTP_HOST="ideas.brand-a.test").status_code == 302
    assert Idea.objects.get(pk=idea_a.pk).moderation_state == "pending"  # hidden until a moderator looks
    assert about(posted) == {}
    mail.outbox.clear()
    run_as_task(digests_send, Delivery.DAILY)
    assert mails_to(reader) == []


def test_a_comment_deleted_by_its_author_leaves_no_digest(comment, idea_a, reader, camille):
    posted = comment(idea_a, camille, "Un message que je regrette, sur le tunnel.")
    assert reader.pk in about(posted)
    comment_delete(comment=posted, user=camille)
    mail.outbox.clear()
    run_as_task(digests_send, Delivery.DAILY)
    assert about(posted) == {}
    assert mails_to(reader) == []


def test_a_comment_hidden_before_its_announcement_is_delivered_tells_nobody(
    comment, django_capture_on_commit_callbacks, idea_a, member_a, reader, camille
):
    with django_capture_on_commit_callbacks(execute=False):
        posted = comment_create(idea=idea_a, author=camille, body="Le Wi-Fi coupe à chaque tunnel, encore.")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        moderation_check(ModerationItem.objects.get(comment=posted).pk)  # approved: announcement queued
    # A moderator hides it before the queued delivery runs (a busy worker).
    Comment.objects.filter(pk=posted.pk).update(moderation_state="hidden")
    mail.outbox.clear()
    for callback in callbacks:
        callback()
    assert about(posted) == {}
    assert mails_to(member_a) == [] and mails_to(reader) == []


def test_a_rejected_comment_tells_nobody(comment, decide, banned, idea_a, member_a, reader, camille, moderator_a):
    held = comment(idea_a, camille, "Encore une arnaque.")
    decide(ModerationItem.objects.get(comment=held), moderator_a, "reject")
    run_as_task(digests_send, Delivery.DAILY)
    assert about(held) == {}
    assert mails_to(member_a) == [] and mails_to(reader) == []


def test_an_edit_that_adds_a_mention_tells_the_member_once_the_edit_passes(
    comment, django_capture_on_commit_callbacks, community_a, idea_a, member_a, camille
):
    dominique = member(community_a, "dominique")
    posted = comment(idea_a, camille, "Le Wi-Fi coupe à chaque tunnel.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False):
        comment_update(comment=posted, user=camille, body="Le Wi-Fi coupe, n’est-ce pas @dominique ?")
    assert dominique.pk not in about(posted)  # not before the edit is checked

    with django_capture_on_commit_callbacks(execute=True):
        moderation_check(ModerationItem.objects.get(comment=posted, revision=2).pk)
    assert about(posted)[dominique.pk] == Kind.MENTION
    assert [message.to for message in mail.outbox] == [[dominique.email]]  # the idea's author is not told again


def test_an_edit_held_by_the_check_tells_nobody_it_names(
    comment, decide, django_capture_on_commit_callbacks, banned, community_a, idea_a, camille, moderator_a
):
    dominique = member(community_a, "dominique")
    posted = comment(idea_a, camille, "Le Wi-Fi coupe à chaque tunnel.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        comment_update(comment=posted, user=camille, body="Quelle arnaque, hein @dominique ?")
    assert ModerationItem.objects.get(comment=posted, revision=2).state == "held"
    assert dominique.pk not in about(posted)
    assert mail.outbox == []

    decide(ModerationItem.objects.get(comment=posted, revision=2), moderator_a, "approve")
    assert about(posted)[dominique.pk] == Kind.MENTION
    assert [message.to for message in mail.outbox if "mentionné" in message.body] == [[dominique.email]]


def test_a_held_idea_earns_no_points_and_its_first_idea_badge_waits(
    django_capture_on_commit_callbacks, banned, community_a, camille, moderator_a, decide
):
    with django_capture_on_commit_callbacks(execute=True):
        idea = idea_create(community=community_a, author=camille, title="Une arnaque de plus", body="Vraiment.")
    assert ModerationItem.objects.get(idea=idea).state == "held"
    assert points_of(camille) == []
    assert not Notification.objects.filter(recipient=camille).exists()  # no "first idea" badge

    decide(ModerationItem.objects.get(idea=idea), moderator_a, "approve")
    assert points_of(camille) == [f"idea:{idea.pk}"]


def test_a_clean_idea_earns_its_points_once_checked(django_capture_on_commit_callbacks, community_a, camille):
    with django_capture_on_commit_callbacks(execute=False):
        idea = idea_create(community=community_a, author=camille, title="Des prises partout", body="Merci.")
    assert points_of(camille) == []
    with django_capture_on_commit_callbacks(execute=True):
        moderation_check(ModerationItem.objects.get(idea=idea).pk)
    assert points_of(camille) == [f"idea:{idea.pk}"]


# --- Mentions -------------------------------------------------------------------------------


def test_a_member_of_another_community_cannot_be_mentioned(comment, idea_a, camille, community_b, member_b):
    posted = comment(idea_a, camille, "Qu’en pense @member-b ?")
    assert not Comment.objects.get(pk=posted.pk).mentions.exists()
    assert member_b.pk not in about(posted)
    assert mails_to(member_b) == []


def test_a_former_or_inactive_member_is_not_mentioned(comment, community_a, idea_a, camille):
    gone = member(community_a, "gone", is_active=False)
    posted = comment(idea_a, camille, "Et @gone ?")
    assert not Comment.objects.get(pk=posted.pk).mentions.exists()
    assert gone.pk not in about(posted)


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
    assert points_of(camille) == [f"comment:{waiting.pk}"]


def test_a_pre_moderated_idea_earns_nothing_until_approved(
    django_capture_on_commit_callbacks, pre_moderated, banned, camille, moderator_a, decide
):
    with django_capture_on_commit_callbacks(execute=True):
        idea = idea_create(community=pre_moderated, author=camille, title="Une arnaque ?", body="Sans doute.")
    assert idea.moderation_state == "pending"
    assert points_of(camille) == [] and mail.outbox == []
    decide(ModerationItem.objects.get(idea=idea), moderator_a, "approve")
    assert points_of(camille) == [f"idea:{idea.pk}"]


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
    login_with_mfa(client, moderator_a)
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


def test_a_status_change_of_an_idea_that_is_not_public_tells_nobody(
    client, django_capture_on_commit_callbacks, community_a, idea_a, member_a, reader, moderator_a
):
    Idea.objects.filter(pk=idea_a.pk).update(moderation_state="hidden")
    declined = community_a.statuses.get(slug="declined")
    login_with_mfa(client, moderator_a)
    form = {"title": idea_a.title, "body": idea_a.body, "category": "", "tags": ""}
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("admin:ideas_idea_change", args=[idea_a.pk]),
            {**form, "status": declined.pk, "status_reason": "Hors sujet."},
        )
    assert answer.status_code == 302
    assert Idea.objects.get(pk=idea_a.pk).status == declined  # recorded in its history all the same
    assert not Notification.objects.exists()
    assert mails_to(reader) == [] and mails_to(member_a) == []


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


# --- History is not news -------------------------------------------------------------------


def test_seeding_the_demo_tells_nobody_even_once_its_checks_run(db, settings, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    assert ModerationItem.objects.filter(state="approved").exists()  # the checks ran, quietly
    assert PointEvent.objects.exists()  # and the demo's members have their points
    assert not Notification.objects.exists()
    assert mail.outbox == []
