"""Notification e-mails and their one-click unsubscribe link.

Every notification e-mail has a plain-text and an HTML part, the community's name in its
subject, and a signed link, personal to its recipient, that stops that kind of e-mail (or,
from a digest, every kind that digest gathers). The same link is in the body and in the
`List-Unsubscribe` header, with `List-Unsubscribe-Post` for mail clients' one-click
(RFC 8058). It works signed out: GET only asks for confirmation (link scanners open
links), POST unsubscribes. A forged or altered link changes nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail, signing
from django.test import Client

from community.moderation.services import moderation_decide
from ideas.services import idea_set_status
from notifications.models import DEFAULT_DELIVERY, Delivery, Kind, Notification, Preference
from notifications.services import digests_send, preferences_of, preferences_set
from notifications.tokens import SALT, read_unsubscribe_token, unsubscribe_token
from tests.factories import MembershipFactory, UserFactory, make_idea, run_as_task
from tests.notifications.conftest import HOST_A, follow

MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
TUESDAY = datetime(2025, 3, 4, 7, 0, tzinfo=UTC)
WEDNESDAY = datetime(2025, 3, 5, 7, 0, tzinfo=UTC)


def mails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def link_of(message) -> str:
    """The unsubscribe address an e-mail's `List-Unsubscribe` header gives."""
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith("<") and header.endswith(">")
    return header[1:-1]


def path_of(url: str) -> str:
    parts = urlsplit(url)
    assert parts.netloc == HOST_A  # the link leads to the community's own site
    return parts.path


def token_of(url: str) -> str:
    return path_of(url).rstrip("/").rsplit("/", 1)[1]


def forged(payload, signature_from: str) -> str:
    """A token whose payload is replaced, keeping another token's signature."""
    return signing.b64_encode(json.dumps(payload, separators=(",", ":")).encode()).decode() + (
        ":" + signature_from.rsplit(":", 1)[1]
    )


def unsubscribe_path(user, topic: str) -> str:
    return f"/notifications/unsubscribe/{unsubscribe_token(user.pk, topic)}/"


@pytest.fixture
def camille(community_a):
    user = UserFactory(username="camille", display_name="Camille")
    MembershipFactory(user=user, community=community_a)
    return user


@pytest.fixture
def reader(community_a, idea_a):
    user = UserFactory(username="reader", display_name="Robin", language="en")
    MembershipFactory(user=user, community=community_a)
    follow(idea_a, user)
    return user


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(MONDAY, tick=False)
    return time_machine


# --- What each e-mail carries --------------------------------------------------------------


def response_email(request):
    request.getfixturevalue("publish")(request.getfixturevalue("idea_a"))
    return request.getfixturevalue("member_a"), Kind.RESPONSE


def comment_on_mine_email(request):
    request.getfixturevalue("comment")(request.getfixturevalue("idea_a"), request.getfixturevalue("camille"))
    return request.getfixturevalue("member_a"), Kind.COMMENT_ON_MINE


def status_email(request):
    idea, community = request.getfixturevalue("idea_a"), request.getfixturevalue("community_a")
    with request.getfixturevalue("django_capture_on_commit_callbacks")(execute=True):
        idea_set_status(idea=idea, status=community.statuses.get(slug="planned"), user=None)
    return request.getfixturevalue("member_a"), Kind.STATUS


def moderation_email(request):
    from community.models import ModerationItem

    comment = request.getfixturevalue("comment")(request.getfixturevalue("idea_a"), request.getfixturevalue("camille"))
    item = ModerationItem.objects.get(comment=comment)
    with request.getfixturevalue("django_capture_on_commit_callbacks")(execute=True):
        moderation_decide(
            item=item, moderator=request.getfixturevalue("moderator_a"), outcome="hide", message="Hors sujet."
        )
    return request.getfixturevalue("camille"), Kind.MODERATION


def digest_email(request):
    frozen = request.getfixturevalue("frozen")
    reader = request.getfixturevalue("reader")
    request.getfixturevalue("comment")(request.getfixturevalue("idea_a"), request.getfixturevalue("camille"))
    frozen.move_to(TUESDAY, tick=False)
    run_as_task(digests_send, Delivery.DAILY)
    return reader, "digest:daily"


@pytest.mark.parametrize(
    "make_email", [response_email, comment_on_mine_email, status_email, moderation_email, digest_email]
)
def test_every_notification_email_has_text_html_and_its_own_unsubscribe_link(request, make_email):
    recipient, topic = make_email(request)
    [message] = mails_to(recipient)

    assert message.subject.startswith("[Brand A] ")
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert message.content_subtype == "plain" and "<p>" not in message.body
    assert "<html" in html and "Brand A" in html
    link = link_of(message)
    # Tokens carry a timestamp: compare what they say, not their letters.
    assert read_unsubscribe_token(token_of(link)) == (recipient.pk, topic)
    assert link in message.body
    assert f'href="{link}"' in html
    sent = message.message()  # the MIME message as it leaves
    assert sent["List-Unsubscribe"] == f"<{link}>"
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_each_recipient_gets_their_own_link(publish, idea_a, member_a, reader):
    publish(idea_a)
    [to_member] = mails_to(member_a)
    [to_reader] = mails_to(reader)
    assert read_unsubscribe_token(token_of(link_of(to_member))) == (member_a.pk, Kind.RESPONSE)
    assert read_unsubscribe_token(token_of(link_of(to_reader))) == (reader.pk, Kind.RESPONSE)
    assert "Hello Robin," in to_reader.body
    assert "Bonjour Member-A," in to_member.body


def test_the_html_part_declares_the_recipients_language(publish, idea_a, reader):
    publish(idea_a)
    [message] = mails_to(reader)
    [(html, _mimetype)] = message.alternatives
    assert '<html lang="en">' in html


# --- Using the link ------------------------------------------------------------------------


@pytest.fixture
def response_link(publish, idea_a, member_a) -> str:
    """The path of the unsubscribe link in member_a's e-mail about an official response."""
    publish(idea_a)
    [message] = mails_to(member_a)
    return path_of(link_of(message))


def test_opening_the_link_signed_out_asks_for_confirmation_and_changes_nothing(client, response_link, member_a):
    page = client.get(response_link, HTTP_HOST=HOST_A)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<form method="post" action="{response_link}">' in html
    assert '<button type="submit">' in html
    assert not Preference.objects.filter(user=member_a).exists()
    assert preferences_of(member_a)[Kind.RESPONSE] == Delivery.IMMEDIATE


def test_confirming_turns_that_kind_off_and_only_that_kind(client, response_link, member_a):
    page = client.post(response_link, HTTP_HOST=HOST_A)
    assert page.status_code == 200
    assert 'data-testid="unsubscribed"' in page.content.decode()
    expected = {**DEFAULT_DELIVERY, Kind.RESPONSE: Delivery.OFF}
    assert preferences_of(member_a) == {kind.value: delivery.value for kind, delivery in expected.items()}


def test_a_mail_clients_one_click_post_needs_no_session_nor_csrf_token(response_link, member_a):
    mail_client = Client(enforce_csrf_checks=True)
    answer = mail_client.post(response_link, {"List-Unsubscribe": "One-Click"}, HTTP_HOST=HOST_A)
    assert answer.status_code == 200
    assert preferences_of(member_a)[Kind.RESPONSE] == Delivery.OFF


def test_after_unsubscribing_that_kind_brings_no_more_emails(client, response_link, community_a, member_a, publish):
    client.post(response_link, HTTP_HOST=HOST_A)
    mail.outbox.clear()
    another = make_idea(community_a, member_a, title="Des trains plus fréquents le dimanche")
    publish(another)
    assert mails_to(member_a) == []
    assert not Notification.objects.filter(recipient=member_a, idea=another).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_token_is_refused_and_changes_nothing(client, response_link, member_a, method):
    token = token_of(f"http://{HOST_A}{response_link}")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    answer = getattr(client, method)(f"/notifications/unsubscribe/{tampered}/", HTTP_HOST=HOST_A)
    assert answer.status_code == 400
    assert not Preference.objects.filter(user=member_a).exists()


def test_a_token_cannot_be_altered_to_serve_another_member(client, response_link, member_a, reader):
    token = token_of(f"http://{HOST_A}{response_link}")
    assert signing.loads(token, salt=SALT) == [member_a.pk, Kind.RESPONSE]
    for_reader = forged([reader.pk, Kind.RESPONSE], signature_from=token)
    answer = client.post(f"/notifications/unsubscribe/{for_reader}/", HTTP_HOST=HOST_A)
    assert answer.status_code == 400
    assert not Preference.objects.exists()


def test_a_token_cannot_be_altered_to_serve_another_kind(client, response_link, member_a):
    token = token_of(f"http://{HOST_A}{response_link}")
    for_mentions = forged([member_a.pk, Kind.MENTION], signature_from=token)
    answer = client.post(f"/notifications/unsubscribe/{for_mentions}/", HTTP_HOST=HOST_A)
    assert answer.status_code == 400
    assert not Preference.objects.exists()


def test_a_value_signed_for_another_purpose_is_refused(client, member_a):
    other_purpose = signing.dumps([member_a.pk, Kind.RESPONSE])  # same key, no unsubscribe salt
    answer = client.post(f"/notifications/unsubscribe/{other_purpose}/", HTTP_HOST=HOST_A)
    assert answer.status_code == 400
    assert not Preference.objects.exists()


def test_a_link_for_an_unknown_topic_or_a_deactivated_member_is_refused(client, member_a, camille):
    assert client.post(unsubscribe_path(member_a, "everything"), HTTP_HOST=HOST_A).status_code == 400
    camille.is_active = False
    camille.save()
    assert client.post(unsubscribe_path(camille, Kind.RESPONSE), HTTP_HOST=HOST_A).status_code == 400
    assert not Preference.objects.exists()


# --- From a digest -------------------------------------------------------------------------


def test_the_digest_link_turns_off_every_kind_that_digest_gathers(client, frozen, comment, idea_a, reader, camille):
    preferences_set(reader, {Kind.STATUS: Delivery.DAILY})
    comment(idea_a, camille)
    frozen.move_to(TUESDAY, tick=False)
    run_as_task(digests_send, Delivery.DAILY)
    [digest] = mails_to(reader)
    assert "Stop the daily digest" in digest.alternatives[0][0]

    assert client.post(path_of(link_of(digest)), HTTP_HOST=HOST_A).status_code == 200

    choices = preferences_of(reader)
    assert choices[Kind.COMMENT_FOLLOWED] == choices[Kind.STATUS] == Delivery.OFF
    assert choices[Kind.RESPONSE] == Delivery.IMMEDIATE  # kinds sent otherwise stay as they were
    assert choices[Kind.BADGE] == Delivery.WEEKLY


def test_news_waiting_for_a_digest_is_not_sent_after_unsubscribing(client, frozen, comment, idea_a, reader, camille):
    comment(idea_a, camille, "Avant.")
    frozen.move_to(TUESDAY, tick=False)
    run_as_task(digests_send, Delivery.DAILY)
    [digest] = mails_to(reader)
    comment(idea_a, camille, "Pendant.")  # waits for Wednesday's digest

    client.post(path_of(link_of(digest)), HTTP_HOST=HOST_A)
    frozen.move_to(WEDNESDAY, tick=False)
    run_as_task(digests_send, Delivery.DAILY)

    assert mails_to(reader) == [digest]
    # What was already in the inbox stays there.
    assert Notification.objects.filter(recipient=reader, kind=Kind.COMMENT_FOLLOWED).count() == 2
