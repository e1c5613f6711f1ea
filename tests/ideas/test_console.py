"""The brand's to-do list: /manage/ and the daily reminder of ideas awaiting a response.

An idea awaits a response when it is public, open (not a closed status), has no published
response, and has at least `response_vote_threshold` votes or is older than
`response_age_days`; oldest first. Another community's ideas never appear.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from community.models import Role, Status
from ideas.models import IdeaStats, ModerationState, ResponseState
from ideas.responses import (
    response_approve,
    response_create,
    response_publish,
    response_schedule,
    response_submit,
    response_withdraw,
)
from ideas.selectors import awaiting_response
from ideas.services import idea_set_status, vote_toggle
from notifications.responses import awaiting_reminders_send
from notifications.tasks import awaiting_reminder
from tests.factories import MembershipFactory, UserFactory, login_with_mfa, make_idea, run_as_task

HOST_A = "ideas.brand-a.test"
THRESHOLD = 3
AGE_DAYS = 30
BODY = "Merci, nous regardons cela de près."


@pytest.fixture(autouse=True)
def _rules(community_a, community_b):
    for community in (community_a, community_b):
        community.response_vote_threshold = THRESHOLD
        community.response_age_days = AGE_DAYS
        community.save()


@pytest.fixture
def manager_2(community_a):
    user = UserFactory(username="manager-2-a", is_staff=True)
    MembershipFactory(user=user, community=community_a, role=Role.BRAND_MANAGER)
    return user


@pytest.fixture
def manager_of_b(community_b):
    user = UserFactory(username="manager-b", is_staff=True)
    MembershipFactory(user=user, community=community_b, role=Role.BRAND_MANAGER)
    return user


def idea(community, title, *, days_old=0, votes=0):
    """An idea posted `days_old` days ago with `votes` up-votes."""
    with time_machine.travel(timezone.now() - timedelta(days=days_old)):
        made = make_idea(community, title=title)
    for _ in range(votes):
        vote_toggle(idea=made, user=UserFactory())
    return made


def old_idea(community, title):
    return idea(community, title, days_old=AGE_DAYS + 10)


def titles(ideas) -> list[str]:
    return [each.title for each in ideas]


def console(client, user):
    login_with_mfa(client, user)
    page = client.get(reverse("manage:console"), HTTP_HOST=HOST_A)
    assert page.status_code == 200
    return page


def published(response, user, capture):
    with capture(execute=True):
        response_publish(response=response, user=user)
    response.refresh_from_db()
    assert response.state == ResponseState.PUBLISHED
    return response


# --- Awaiting a response -----------------------------------------------------------------


def test_ideas_over_the_vote_threshold_or_the_age_await_a_response_oldest_first(client, community_a, brand_manager_a):
    voted = idea(community_a, "Assez de votes", votes=THRESHOLD)
    old = idea(community_a, "Assez ancienne", days_old=AGE_DAYS + 1)
    old_and_voted = idea(community_a, "Ancienne et votée", days_old=10, votes=THRESHOLD + 1)
    idea(community_a, "Trop jeune, pas assez de votes", days_old=AGE_DAYS - 1, votes=THRESHOLD - 1)

    assert titles(awaiting_response(community_a)) == titles([old, old_and_voted, voted])
    page = console(client, brand_manager_a)
    assert page.context["awaiting"] == [old, old_and_voted, voted]
    assert page.context["awaiting_count"] == 3
    assert 'data-testid="count-awaiting">3<' in page.content.decode()


def test_an_answered_idea_no_longer_awaits_until_its_response_is_withdrawn(
    community_a, brand_manager_a, django_capture_on_commit_callbacks
):
    answered = old_idea(community_a, "Répondue")
    response = published(
        response_create(idea=answered, user=brand_manager_a, body=BODY),
        brand_manager_a,
        django_capture_on_commit_callbacks,
    )
    assert answered not in awaiting_response(community_a)

    response_withdraw(response=response, user=brand_manager_a)

    assert answered in awaiting_response(community_a)


def test_a_response_in_preparation_does_not_stop_the_idea_awaiting(community_a, brand_manager_a):
    drafted = old_idea(community_a, "Une réponse en cours")
    response_create(idea=drafted, user=brand_manager_a, body=BODY)

    assert list(awaiting_response(community_a)) == [drafted]


def test_closed_hidden_and_merged_ideas_do_not_await(community_a, moderator_a):
    closed = old_idea(community_a, "Déjà réalisée")
    idea_set_status(idea=closed, status=Status.objects.get(community=community_a, slug="done"), user=moderator_a)
    hidden = old_idea(community_a, "Masquée")
    type(hidden).objects.filter(pk=hidden.pk).update(moderation_state=ModerationState.HIDDEN)
    IdeaStats.objects.filter(pk=hidden.pk).update(is_listed=False)
    still_open = old_idea(community_a, "Toujours ouverte")
    idea_set_status(idea=still_open, status=Status.objects.get(community=community_a, slug="planned"), user=moderator_a)

    assert list(awaiting_response(community_a)) == [still_open]


def test_another_communitys_ideas_never_appear(client, community_a, community_b, brand_manager_a):
    idea(community_b, "Chez la marque B", days_old=AGE_DAYS + 5, votes=THRESHOLD)
    mine = old_idea(community_a, "Chez la marque A")

    assert list(awaiting_response(community_a)) == [mine]
    page = console(client, brand_manager_a)
    assert page.context["awaiting"] == [mine]
    assert "Chez la marque B" not in page.content.decode()


# --- The stages --------------------------------------------------------------------------


def in_each_stage(community, author, approver, capture, *, per_stage=1, prefix="Idée"):
    """`per_stage` responses in each stage (and one withdrawn), each on its own idea."""
    community.response_needs_approval = True
    community.save()
    made = []
    for n in range(per_stage):
        for state in (*ResponseState.values, "extra draft"):
            response = response_create(
                idea=make_idea(community, title=f"{prefix} {state} {n}"), user=author, body=f"{BODY} ({n})"
            )
            if state in (ResponseState.DRAFT, "extra draft"):
                made.append(response)
                continue
            if state == ResponseState.WITHDRAWN:
                made.append(response_withdraw(response=response, user=author))
                continue
            response_submit(response=response, user=author)
            if state != ResponseState.AWAITING_APPROVAL:
                response_approve(response=response, user=approver)
            if state == ResponseState.SCHEDULED:
                response_schedule(
                    response=response, user=author, publish_at=timezone.now() + timedelta(days=1, hours=n)
                )
            if state == ResponseState.PUBLISHED:
                published(response, author, capture)
            made.append(response)
    return made


def test_each_stage_lists_its_responses_with_its_count(
    client, community_a, community_b, brand_manager_a, manager_2, manager_of_b, django_capture_on_commit_callbacks
):
    in_each_stage(community_a, brand_manager_a, manager_2, django_capture_on_commit_callbacks)
    # Another community's responses count for nobody here.
    response_create(idea=make_idea(community_b, title="Chez B"), user=manager_of_b, body=BODY)

    page = console(client, brand_manager_a)

    stages = page.context["stages"]
    counts = {state: stage["count"] for state, stage in stages.items()}
    assert counts == {
        ResponseState.DRAFT: 2,
        ResponseState.AWAITING_APPROVAL: 1,
        ResponseState.APPROVED: 1,
        ResponseState.SCHEDULED: 1,
    }
    assert all(len(stage["rows"]) == stage["count"] for stage in stages.values())
    assert all(row.idea.community_id == community_a.pk for stage in stages.values() for row in stage["rows"])
    assert page.context["published_count"] == 1
    html = page.content.decode()
    for testid, count in (("draft", 2), ("awaiting_approval", 1), ("approved", 1), ("scheduled", 1), ("published", 1)):
        assert f'data-testid="count-{testid}">{count}<' in html
    assert "Chez B" not in html


def test_scheduled_responses_are_listed_by_publication_time(client, community_a, brand_manager_a):
    later, sooner = (make_idea(community_a, title=title) for title in ("Publiée plus tard", "Publiée bientôt"))
    for each, hours in ((later, 48), (sooner, 2)):
        response = response_create(idea=each, user=brand_manager_a, body=BODY)
        response_schedule(response=response, user=brand_manager_a, publish_at=timezone.now() + timedelta(hours=hours))

    rows = console(client, brand_manager_a).context["stages"][ResponseState.SCHEDULED]["rows"]

    assert [row.idea for row in rows] == [sooner, later]


# --- Query budget ------------------------------------------------------------------------

CONSOLE_QUERIES = 17  # measured with 3 rows; must not grow with the rows


def test_the_console_costs_the_same_queries_for_3_and_30_rows(
    client, community_a, brand_manager_a, manager_2, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    def rows(count):
        for n in range(count):
            old_idea(community_a, f"En attente {count}-{n}")
        in_each_stage(
            community_a, brand_manager_a, manager_2, django_capture_on_commit_callbacks, per_stage=count, prefix=count
        )

    login_with_mfa(client, brand_manager_a)
    url = reverse("manage:console")
    client.get(url, HTTP_HOST=HOST_A)  # warm the caches (the host, the vocabularies)

    rows(3)
    with django_assert_max_num_queries(CONSOLE_QUERIES) as few:
        page = client.get(url, HTTP_HOST=HOST_A)
    assert page.context["stages"][ResponseState.DRAFT]["count"] == 6

    rows(27)
    with django_assert_max_num_queries(CONSOLE_QUERIES) as many:
        page = client.get(url, HTTP_HOST=HOST_A)
    assert page.context["stages"][ResponseState.DRAFT]["count"] == 60
    assert page.context["awaiting_count"] == 30

    assert len(many) == len(few)


# --- The daily reminder ------------------------------------------------------------------


@pytest.fixture
def awaiting_everywhere(community_a, community_b):
    return {
        "a": [old_idea(community_a, "Des prises à chaque siège"), idea(community_a, "Le Wi-Fi", votes=THRESHOLD)],
        "b": [old_idea(community_b, "Des bornes de recharge")],
    }


def mail_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


def test_each_communitys_managers_get_one_reminder_listing_its_awaiting_ideas(
    awaiting_everywhere, brand_manager_a, admin_a, manager_of_b, member_a, moderator_a
):
    run_as_task(awaiting_reminders_send)

    for manager in (brand_manager_a, admin_a):
        (message,) = mail_to(manager)
        assert "Des prises à chaque siège" in message.body
        assert "Le Wi-Fi" in message.body
        assert "Des bornes de recharge" not in message.body
    (message,) = mail_to(manager_of_b)
    assert "Des bornes de recharge" in message.body
    assert "Des prises à chaque siège" not in message.body
    assert mail_to(member_a) == mail_to(moderator_a) == []
    assert len(mail.outbox) == 3


def test_the_reminder_is_sent_once_a_day(awaiting_everywhere, brand_manager_a, manager_of_b):
    today = timezone.now()

    run_as_task(awaiting_reminders_send, now=today)
    run_as_task(awaiting_reminder.delay)  # the beat, run again the same day
    assert len(mail_to(brand_manager_a)) == len(mail_to(manager_of_b)) == 1

    run_as_task(awaiting_reminders_send, now=today + timedelta(days=1))
    assert len(mail_to(brand_manager_a)) == len(mail_to(manager_of_b)) == 2


def test_nothing_awaiting_means_no_reminder(community_a, brand_manager_a):
    idea(community_a, "Toute neuve", votes=THRESHOLD - 1)

    assert run_as_task(awaiting_reminders_send) == 0
    assert mail.outbox == []


def test_a_manager_of_two_communities_hears_of_each(awaiting_everywhere, community_b, brand_manager_a):
    MembershipFactory(user=brand_manager_a, community=community_b, role=Role.BRAND_MANAGER)

    run_as_task(awaiting_reminders_send)

    bodies = [message.body for message in mail_to(brand_manager_a)]
    assert len(bodies) == 2
    assert any("Des bornes de recharge" in body for body in bodies)


# --- The console's cards -------------------------------------------------------------------


def test_an_awaiting_idea_is_a_card_with_its_votes_status_and_a_reply_link(client, community_a, brand_manager_a):
    voted = idea(community_a, "Des prises à chaque siège", votes=THRESHOLD + 2)
    html = console(client, brand_manager_a).content.decode()
    start = html.index('data-testid="awaiting-idea"')
    card = html[start : html.index("</li>", start)]
    assert voted.title in card
    assert f'data-testid="awaiting-votes">{THRESHOLD + 2}<' in card
    assert f">{voted.status.name}</span>" in card
    assert f'href="{voted.get_absolute_url()}#official-response" data-testid="respond-link">' in card
    assert "Répondre" in card


def test_the_cards_cost_the_same_queries_for_1_and_12_awaiting_ideas(
    client, community_a, brand_manager_a, django_assert_max_num_queries
):
    login_with_mfa(client, brand_manager_a)
    url = reverse("manage:console")
    old_idea(community_a, "La première")
    client.get(url, HTTP_HOST=HOST_A)  # warm the caches (the host, the vocabularies)
    with django_assert_max_num_queries(CONSOLE_QUERIES) as one:
        page = client.get(url, HTTP_HOST=HOST_A)
    assert page.content.decode().count('data-testid="awaiting-idea"') == 1
    for number in range(11):
        old_idea(community_a, f"Une autre idée {number}")
    with django_assert_max_num_queries(CONSOLE_QUERIES) as twelve:
        page = client.get(url, HTTP_HOST=HOST_A)
    assert page.content.decode().count('data-testid="awaiting-idea"') == 12
    assert len(twelve) == len(one)
