"""How a member chooses to hear of each kind of news: immediately, in a daily or weekly
digest, or not at all.

Without a choice, the news a member asked for (answers, status changes, comments on their
idea, replies, mentions, moderation) comes by e-mail at once; comments on ideas they merely
follow wait for the daily digest; badges for the weekly one. A digest is one e-mail per
member and community, in the member's language, with every item that waited for it, sent
once. "Off" means neither an inbox row nor an e-mail.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from ideas.services import idea_set_status
from notifications.forms import SPEAKER_KINDS
from notifications.models import DEFAULT_DELIVERY, Delivery, Kind, Notification, Preference
from notifications.services import digests_send, preferences_of, preferences_set
from tests.factories import MembershipFactory, UserFactory, login_with_mfa, make_idea, run_as_task
from tests.notifications.conftest import HOST_A, follow

SETTINGS = reverse("notifications:preferences")
# A Monday morning; the daily digest runs at 07:00 the next day, the weekly one a week on.
MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
TUESDAY = datetime(2025, 3, 4, 7, 0, tzinfo=UTC)
NEXT_MONDAY = datetime(2025, 3, 10, 7, 0, tzinfo=UTC)
IDEA_B_TITLE = "Des quais abrités contre la pluie"


def mails_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def checked(html: str) -> dict[str, str]:
    """The radio buttons checked on a page, as {field name: value}."""
    return dict(re.findall(r'<input type="radio" name="(\w+)" value="(\w+)"[^>]*\bchecked\b', html))


def choices(**changes) -> dict[str, str]:
    """What a member's form posts: every kind they are offered, defaults unless changed."""
    return {
        kind.value: delivery.value for kind, delivery in DEFAULT_DELIVERY.items() if kind not in SPEAKER_KINDS
    } | changes


def member_of(*communities, **fields):
    user = UserFactory(**fields)
    for community in communities:
        MembershipFactory(user=user, community=community)
    return user


@pytest.fixture
def camille(community_a, community_b):
    """Who comments, in both communities."""
    return member_of(community_a, community_b, username="camille", display_name="Camille")


@pytest.fixture
def idea_b(community_b, member_b):
    return make_idea(community_b, member_b, title=IDEA_B_TITLE)


@pytest.fixture
def reader(community_a, community_b, idea_a, idea_b):
    """An English-speaking member following one idea in each community."""
    user = member_of(community_a, community_b, username="reader", display_name="Robin", language="en")
    follow(idea_a, user)
    follow(idea_b, user)
    return user


@pytest.fixture
def lecteur(community_a, idea_a):
    """A member who chose no language: they read community A's, French."""
    user = member_of(community_a, username="lecteur", display_name="Louise", language="")
    follow(idea_a, user)
    return user


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(MONDAY, tick=False)
    return time_machine


# --- Defaults ----------------------------------------------------------------------------


def test_without_a_choice_a_member_gets_the_defaults(member_a):
    assert preferences_of(member_a) == {kind.value: delivery.value for kind, delivery in DEFAULT_DELIVERY.items()}
    assert preferences_of(member_a)[Kind.RESPONSE] == Delivery.IMMEDIATE
    assert preferences_of(member_a)[Kind.COMMENT_FOLLOWED] == Delivery.DAILY
    assert preferences_of(member_a)[Kind.BADGE] == Delivery.WEEKLY


def test_the_settings_page_shows_the_defaults(client, member_a):
    client.force_login(member_a)
    page = client.get(SETTINGS, HTTP_HOST=HOST_A).content.decode()
    expected = {kind.value: delivery.value for kind, delivery in DEFAULT_DELIVERY.items() if kind not in SPEAKER_KINDS}
    assert checked(page) == expected  # the managers' kinds are not offered to a member


def test_a_brand_manager_is_offered_the_reminder_of_ideas_awaiting_an_answer(client, brand_manager_a):
    login_with_mfa(client, brand_manager_a)
    page = client.get(SETTINGS, HTTP_HOST=HOST_A).content.decode()
    assert checked(page)[Kind.AWAITING] == Delivery.IMMEDIATE
    assert checked(page)[Kind.RESPONSE_FLOW] == Delivery.IMMEDIATE


# --- Immediately -------------------------------------------------------------------------


def test_immediately_means_an_email_as_soon_as_the_event_is_delivered(publish, idea_a, member_a):
    response = publish(idea_a)
    [message] = mails_to(member_a)
    assert f"a répondu officiellement sur « {idea_a.title} »" in message.body
    notification = Notification.objects.get(recipient=member_a)
    assert (notification.key, notification.email_delivery) == (f"response:{response.pk}", Delivery.IMMEDIATE)
    assert notification.emailed_at is not None


# --- Digests -----------------------------------------------------------------------------


def test_followed_comments_wait_for_the_daily_digest(frozen, comment, idea_a, reader, camille):
    comment(idea_a, camille, "Le Wi-Fi coupe à chaque tunnel.")
    assert Notification.objects.filter(recipient=reader, kind=Kind.COMMENT_FOLLOWED).exists()  # in the inbox now
    assert mails_to(reader) == []  # the e-mail waits


def test_the_daily_digest_sends_one_email_per_member_and_community_with_every_pending_item(
    frozen, comment, community_a, idea_a, idea_b, reader, lecteur, camille
):
    comment(idea_a, camille, "Le Wi-Fi coupe à chaque tunnel.")
    frozen.move_to(MONDAY + timedelta(hours=3), tick=False)
    comment(idea_a, camille, "Et la prise ne marche pas.")
    comment(idea_b, camille, "Même chose sur la ligne B.")
    frozen.move_to(TUESDAY, tick=False)
    mail.outbox.clear()

    assert run_as_task(digests_send, Delivery.DAILY) == 3

    assert {message.to[0] for message in mail.outbox} == {reader.email, lecteur.email}
    to_reader = {message.subject: message for message in mails_to(reader)}
    assert set(to_reader) == {"[Brand A] Your daily digest", "[Brand B] Your daily digest"}
    in_a = to_reader["[Brand A] Your daily digest"]
    assert in_a.body.count(f"Camille commented on “{idea_a.title}”") == 2
    assert "Le Wi-Fi coupe à chaque tunnel." in in_a.body
    assert "Et la prise ne marche pas." in in_a.body
    assert IDEA_B_TITLE not in in_a.body  # each community's news in its own e-mail
    in_b = to_reader["[Brand B] Your daily digest"]
    assert f"Camille commented on “{IDEA_B_TITLE}”" in in_b.body
    assert "Même chose sur la ligne B." in in_b.body

    [to_lecteur] = mails_to(lecteur)
    assert to_lecteur.subject == "[Brand A] Votre résumé du jour"
    assert to_lecteur.body.count(f"Camille a commenté « {idea_a.title} »") == 2
    assert "Bonjour Louise," in to_lecteur.body


def test_a_digest_is_sent_once(frozen, comment, idea_a, reader, camille):
    comment(idea_a, camille)
    frozen.move_to(TUESDAY, tick=False)
    assert run_as_task(digests_send, Delivery.DAILY) == 1
    sent = len(mail.outbox)

    assert run_as_task(digests_send, Delivery.DAILY) == 0
    assert len(mail.outbox) == sent


def test_news_arriving_after_the_digest_ran_waits_for_the_next_one(frozen, comment, idea_a, reader, camille):
    comment(idea_a, camille, "Avant le résumé.")
    frozen.move_to(TUESDAY, tick=False)
    run_as_task(digests_send, Delivery.DAILY)
    comment(idea_a, camille, "Après le résumé.")
    [first] = mails_to(reader)
    assert "Avant le résumé." in first.body
    assert "Après le résumé." not in first.body

    frozen.move_to(TUESDAY + timedelta(days=1), tick=False)
    run_as_task(digests_send, Delivery.DAILY)
    [_first, second] = mails_to(reader)
    assert "Après le résumé." in second.body
    assert "Avant le résumé." not in second.body


def test_a_member_deactivated_before_the_digest_gets_none(frozen, comment, idea_a, reader, camille):
    comment(idea_a, camille)
    reader.is_active = False
    reader.save()
    frozen.move_to(TUESDAY, tick=False)
    run_as_task(digests_send, Delivery.DAILY)
    assert mails_to(reader) == []


def test_weekly_news_is_not_in_the_daily_digest(
    frozen, comment, django_capture_on_commit_callbacks, community_a, idea_a, reader, camille, moderator_a
):
    preferences_set(reader, {Kind.STATUS: Delivery.WEEKLY})
    with django_capture_on_commit_callbacks(execute=True):
        idea_set_status(idea=idea_a, status=community_a.statuses.get(slug="planned"), user=moderator_a)
    comment(idea_a, camille, "Enfin !")
    assert mails_to(reader) == []
    planned = f"“{idea_a.title}” is now “Planned”"

    frozen.move_to(TUESDAY, tick=False)
    run_as_task(digests_send, Delivery.DAILY)
    [daily] = mails_to(reader)
    assert "Enfin !" in daily.body
    assert planned not in daily.body

    frozen.move_to(NEXT_MONDAY, tick=False)
    run_as_task(digests_send, Delivery.WEEKLY)
    [_daily, weekly] = mails_to(reader)
    assert weekly.subject == "[Brand A] Your weekly digest"
    assert planned in weekly.body
    assert "Enfin !" not in weekly.body


# --- Off ---------------------------------------------------------------------------------


def test_off_means_no_inbox_row_and_no_email(frozen, publish, comment, idea_a, reader, camille):
    preferences_set(reader, {Kind.RESPONSE: Delivery.OFF, Kind.COMMENT_FOLLOWED: Delivery.OFF})
    publish(idea_a)
    comment(idea_a, camille)
    frozen.move_to(NEXT_MONDAY, tick=False)
    run_as_task(digests_send, Delivery.DAILY)
    run_as_task(digests_send, Delivery.WEEKLY)

    assert not Notification.objects.filter(recipient=reader).exists()
    assert mails_to(reader) == []


def test_turning_a_kind_off_in_the_settings_cancels_what_waited_for_the_digest(
    client, frozen, comment, idea_a, reader, camille
):
    comment(idea_a, camille, "Avant le changement d’avis.")
    client.force_login(reader)
    client.post(SETTINGS, choices(comment_followed=Delivery.OFF), HTTP_HOST=HOST_A)
    frozen.move_to(TUESDAY, tick=False)
    run_as_task(digests_send, Delivery.DAILY)
    assert mails_to(reader) == []


# --- The settings page -------------------------------------------------------------------


def test_the_settings_page_saves_the_choices(client, member_a):
    client.force_login(member_a)
    answer = client.post(SETTINGS, choices(response=Delivery.WEEKLY, mention=Delivery.OFF), HTTP_HOST=HOST_A)
    assert answer.status_code == 302
    assert preferences_of(member_a)[Kind.RESPONSE] == Delivery.WEEKLY
    assert preferences_of(member_a)[Kind.MENTION] == Delivery.OFF
    page = client.get(SETTINGS, HTTP_HOST=HOST_A).content.decode()
    assert checked(page)[Kind.RESPONSE] == Delivery.WEEKLY
    assert checked(page)[Kind.MENTION] == Delivery.OFF


def test_the_settings_page_rejects_an_unknown_choice_and_keeps_the_form(client, member_a):
    client.force_login(member_a)
    answer = client.post(SETTINGS, choices(response=Delivery.WEEKLY, mention="hourly"), HTTP_HOST=HOST_A)
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "Choisissez l’une des options." in page
    assert checked(page)[Kind.RESPONSE] == Delivery.WEEKLY  # what the member picked stays picked
    assert not Preference.objects.filter(user=member_a).exists()


def test_a_visitor_is_sent_to_sign_in(client, community_a):
    answer = client.get(SETTINGS, HTTP_HOST=HOST_A)
    assert answer.status_code == 302
    assert answer.url.startswith(reverse("account_login"))
    assert client.post(SETTINGS, choices(), HTTP_HOST=HOST_A).status_code == 302
    assert not Preference.objects.exists()


# --- The settings grid: one row per kind, one column per delivery -----------------------


def radios_and_labels(html: str) -> dict[str, tuple[str, str, str]]:
    """Each radio of the page by id: (name, value, the text of its <label for=id>, tags removed)."""
    radios = re.findall(r'<input type="radio" name="(\w+)" value="(\w+)"[^>]*\bid="([\w-]+)"', html)
    labels = {
        target: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
        for target, text in re.findall(r'<label[^>]*\bfor="([\w-]+)"[^>]*>(.*?)</label>', html, re.DOTALL)
    }
    return {radio_id: (name, value, labels.get(radio_id, "")) for name, value, radio_id in radios}


@pytest.mark.parametrize("delivery", list(Delivery))
def test_every_kind_saves_every_delivery_through_the_grid(client, member_a, delivery):
    client.force_login(member_a)
    offered = choices()
    answer = client.post(SETTINGS, dict.fromkeys(offered, delivery.value), HTTP_HOST=HOST_A)
    assert answer.status_code == 302
    assert {kind: preferences_of(member_a)[kind] for kind in offered} == dict.fromkeys(offered, delivery.value)
    page = client.get(SETTINGS, HTTP_HOST=HOST_A).content.decode()
    assert checked(page) == dict.fromkeys(offered, delivery.value)


def test_the_grid_has_one_row_per_kind_and_one_radio_per_delivery(client, member_a):
    client.force_login(member_a)
    page = client.get(SETTINGS, HTTP_HOST=HOST_A).content.decode()
    assert page.count('data-testid="preference-row"') == len(choices())
    radios = radios_and_labels(page)
    assert {(name, value) for name, value, _label in radios.values()} == {
        (kind, delivery.value) for kind in choices() for delivery in Delivery
    }


@pytest.mark.parametrize("language", ["fr", "en"])
def test_each_radio_is_named_by_its_kind_and_its_delivery(client, member_a, language, settings):
    from django.utils import translation

    client.force_login(member_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(SETTINGS, HTTP_HOST=HOST_A).content.decode()
    with translation.override(language):
        kinds = {kind.value: str(kind.label) for kind in Kind}
        deliveries = {delivery.value: str(delivery.label) for delivery in Delivery}
    for name, value, label in radios_and_labels(page).values():
        assert kinds[name] in label and deliveries[value] in label, (name, value, label)
    assert f'<html lang="{language}">' in page
