"""Official responses: the brand's state machine, its publication task and what the public sees.

draft → (submit → awaiting approval → approve by another manager →) approved → schedule /
publish → scheduled → (due) published → withdrawn. Refusals are `Refused` with 400 (bad
input), 403 (not this person) or 409 (not in this state).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from community.models import Role, Status
from ideas.exceptions import Refused
from ideas.models import (
    Idea,
    IdeaStats,
    ModerationState,
    OfficialResponse,
    ResponseRevision,
    ResponseState,
    StatusChange,
)
from ideas.responses import (
    publish_if_due,
    response_approve,
    response_create,
    response_publish,
    response_return_to_draft,
    response_schedule,
    response_submit,
    response_update,
    response_withdraw,
)
from ideas.services import idea_merge
from notifications.models import Notification
from notifications.tasks import publish_due, publish_response
from tests.factories import MembershipFactory, UserFactory, login_with_mfa, make_idea, run_as_task

HOST_A = "ideas.brand-a.test"
BODY = "Merci ! Le Wi-Fi sera déployé sur toutes les lignes en 2026."

Draft, Awaiting, Approved = ResponseState.DRAFT, ResponseState.AWAITING_APPROVAL, ResponseState.APPROVED
Scheduled, Published, Withdrawn = ResponseState.SCHEDULED, ResponseState.PUBLISHED, ResponseState.WITHDRAWN


# --- Helpers -----------------------------------------------------------------------------


def status(community, slug: str) -> Status:
    return Status.objects.get(community=community, slug=slug)


def row(response) -> dict:
    """Everything stored about the response, to show a refusal changed nothing."""
    return OfficialResponse.objects.values().get(pk=response.pk)


def answered_at(idea):
    return IdeaStats.objects.values_list("answered_at", flat=True).get(pk=idea.pk)


def in_future(**delta):
    return timezone.now() + timedelta(**delta)


def refused(call) -> Refused:
    with pytest.raises(Refused) as caught:
        call()
    return caught.value


def respond(client, idea, **data):
    return client.post(reverse("ideas:respond", args=[idea.pk]), data, HTTP_HOST=HOST_A)


def idea_page(client, idea):
    return client.get(idea.get_absolute_url(), HTTP_HOST=HOST_A)


@pytest.fixture
def manager_2(community_a):
    """A second brand manager of community A (the one who approves)."""
    user = UserFactory(username="manager-2-a", display_name="Camille Martin", is_staff=True)
    MembershipFactory(user=user, community=community_a, role=Role.BRAND_MANAGER)
    return user


@pytest.fixture
def two_managers_rule(community_a):
    community_a.response_needs_approval = True
    community_a.save()
    return community_a


@pytest.fixture
def publish(django_capture_on_commit_callbacks, brand_manager_a):
    """Publish now, and let the publication task run as it does once the request commits."""

    def run(response, user=None):
        with django_capture_on_commit_callbacks(execute=True):
            response_publish(response=response, user=user or brand_manager_a)
        response.refresh_from_db()
        return response

    return run


def response_in(state: str, *, idea, author, approver, capture) -> OfficialResponse:
    """A response brought to `state` through the services (the approval rule on)."""
    response = response_create(idea=idea, user=author, body=BODY, status=status(idea.community, "planned"))
    if state == Draft:
        return response
    if state == Withdrawn:
        return response_withdraw(response=response, user=author)
    response_submit(response=response, user=author)
    if state != Awaiting:
        response_approve(response=response, user=approver)
    if state == Scheduled:
        response_schedule(response=response, user=author, publish_at=in_future(days=1))
    if state == Published:
        with capture(execute=True):
            response_publish(response=response, user=author)
    response.refresh_from_db()
    assert response.state == state
    return response


# --- Every state against every action ----------------------------------------------------

ACTIONS = {
    "edit": lambda response, user: response_update(response=response, user=user, body="Un texte revu."),
    "submit": lambda response, user: response_submit(response=response, user=user),
    "approve": lambda response, user: response_approve(response=response, user=user),
    "return": lambda response, user: response_return_to_draft(response=response, user=user),
    "schedule": lambda response, user: response_schedule(response=response, user=user, publish_at=in_future(days=2)),
    "publish": lambda response, user: response_publish(response=response, user=user),
    "withdraw": lambda response, user: response_withdraw(response=response, user=user),
}
REFUSED = 409

# With the two-manager rule. The actor is a manager who neither wrote nor edited it.
TRANSITIONS = {
    Draft: {
        "edit": Draft,
        "submit": Awaiting,
        "approve": REFUSED,
        "return": REFUSED,
        "schedule": REFUSED,  # not approved yet
        "publish": REFUSED,
        "withdraw": Withdrawn,
    },
    Awaiting: {
        "edit": Draft,  # the approval asked for was for the old text
        "submit": REFUSED,
        "approve": Approved,
        "return": Draft,
        "schedule": REFUSED,
        "publish": REFUSED,
        "withdraw": Withdrawn,
    },
    Approved: {
        "edit": Draft,
        "submit": REFUSED,
        "approve": REFUSED,
        "return": Draft,
        "schedule": Scheduled,
        "publish": Published,
        "withdraw": Withdrawn,
    },
    Scheduled: {
        "edit": Draft,
        "submit": REFUSED,
        "approve": REFUSED,
        "return": Draft,
        "schedule": Scheduled,  # another time
        "publish": Published,
        "withdraw": Withdrawn,
    },
    Published: {
        "edit": Published,  # with a revision
        "submit": REFUSED,
        "approve": REFUSED,
        "return": REFUSED,
        "schedule": REFUSED,
        "publish": REFUSED,
        "withdraw": Withdrawn,
    },
    Withdrawn: dict.fromkeys(ACTIONS, REFUSED),
}


@pytest.mark.parametrize(
    ("state", "action", "expected"),
    [(state, action, outcome) for state, outcomes in TRANSITIONS.items() for action, outcome in outcomes.items()],
)
def test_the_state_machine_with_the_two_manager_rule(
    state,
    action,
    expected,
    two_managers_rule,
    idea_a,
    brand_manager_a,
    admin_a,
    manager_2,
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    response = response_in(state, idea=idea_a, author=brand_manager_a, approver=admin_a, capture=capture)
    before = row(response)

    if expected == REFUSED:
        refusal = refused(lambda: ACTIONS[action](response, manager_2))
        assert refusal.status == 409
        assert row(response) == before
        return
    with capture(execute=True):
        ACTIONS[action](response, manager_2)
    response.refresh_from_db()
    assert response.state == expected


# Without the rule a manager publishes their own draft; there is nothing to submit.
NO_APPROVAL_FROM_DRAFT = {
    "edit": Draft,
    "submit": REFUSED,
    "approve": REFUSED,
    "return": REFUSED,
    "schedule": Scheduled,
    "publish": Published,
    "withdraw": Withdrawn,
}


@pytest.mark.parametrize(("action", "expected"), NO_APPROVAL_FROM_DRAFT.items())
def test_the_state_machine_without_approval(
    action, expected, idea_a, brand_manager_a, django_capture_on_commit_callbacks
):
    response = response_create(idea=idea_a, user=brand_manager_a, body=BODY)
    before = row(response)

    if expected == REFUSED:
        assert refused(lambda: ACTIONS[action](response, brand_manager_a)).status == 409
        assert row(response) == before
        return
    with django_capture_on_commit_callbacks(execute=True):
        ACTIONS[action](response, brand_manager_a)
    response.refresh_from_db()
    assert response.state == expected


def test_editing_an_approved_response_sends_it_back_to_draft_and_drops_the_approval(
    two_managers_rule, idea_a, brand_manager_a, admin_a, django_capture_on_commit_callbacks
):
    response = response_in(
        Scheduled, idea=idea_a, author=brand_manager_a, approver=admin_a, capture=django_capture_on_commit_callbacks
    )

    response_update(response=response, user=brand_manager_a, body="Finalement, en 2027.")

    response.refresh_from_db()
    assert (response.state, response.approved_by, response.approved_at, response.publish_at) == (
        Draft,
        None,
        None,
        None,
    )
    assert refused(lambda: response_publish(response=response, user=admin_a)).status == 409


# --- The two-manager rule ----------------------------------------------------------------


def test_the_author_cannot_approve_their_own_response(two_managers_rule, idea_a, brand_manager_a):
    response = response_create(idea=idea_a, user=brand_manager_a, body=BODY)
    response_submit(response=response, user=brand_manager_a)
    before = row(response)

    assert refused(lambda: response_approve(response=response, user=brand_manager_a)).status == 403
    assert row(response) == before


def test_the_last_editor_cannot_approve(two_managers_rule, idea_a, brand_manager_a, manager_2, admin_a):
    response = response_create(idea=idea_a, user=brand_manager_a, body=BODY)
    response_update(response=response, user=manager_2, body=BODY + " Merci pour votre patience.")
    response_submit(response=response, user=brand_manager_a)
    before = row(response)

    assert refused(lambda: response_approve(response=response, user=manager_2)).status == 403
    assert row(response) == before

    response_approve(response=response, user=admin_a)
    response.refresh_from_db()
    assert (response.state, response.approved_by) == (Approved, admin_a)
    assert response.approved_at is not None


def test_a_second_manager_approves_and_the_author_then_publishes(
    two_managers_rule, idea_a, brand_manager_a, manager_2, publish
):
    response = response_create(idea=idea_a, user=brand_manager_a, body=BODY)
    response_submit(response=response, user=brand_manager_a)
    response_approve(response=response, user=manager_2)

    assert publish(response).state == Published


@pytest.mark.parametrize("state", [Draft, Awaiting])
def test_publishing_or_scheduling_before_approval_is_refused(
    state, two_managers_rule, idea_a, brand_manager_a, manager_2, django_capture_on_commit_callbacks
):
    response = response_in(
        state, idea=idea_a, author=brand_manager_a, approver=manager_2, capture=django_capture_on_commit_callbacks
    )
    before = row(response)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert refused(lambda: response_publish(response=response, user=manager_2)).status == 409
    assert (
        refused(lambda: response_schedule(response=response, user=manager_2, publish_at=in_future(days=1))).status
        == 409
    )

    assert callbacks == []  # no publication queued
    assert row(response) == before


def test_through_the_page_the_author_cannot_approve_and_cannot_publish_unapproved(
    client, two_managers_rule, idea_a, brand_manager_a, manager_2
):
    response = response_create(idea=idea_a, user=brand_manager_a, body=BODY)
    login_with_mfa(client, brand_manager_a)

    assert respond(client, idea_a, action="publish", response=response.pk, body=BODY).status_code == 409
    assert respond(client, idea_a, action="submit", response=response.pk).status_code == 302
    assert respond(client, idea_a, action="approve", response=response.pk).status_code == 403
    response.refresh_from_db()
    assert response.state == Awaiting

    login_with_mfa(client, manager_2)
    page = respond(client, idea_a, action="approve", response=response.pk)
    assert page.status_code == 302
    assert page["Location"].endswith("#official-response")
    response.refresh_from_db()
    assert (response.state, response.approved_by) == (Approved, manager_2)


# --- Scheduling --------------------------------------------------------------------------


def test_scheduling_in_the_past_is_refused_and_the_typed_text_comes_back(client, idea_a, brand_manager_a):
    login_with_mfa(client, brand_manager_a)
    typed = "Une réponse soigneusement rédigée"

    page = respond(client, idea_a, action="schedule", body=typed, publish_at="2020-01-01T10:00")

    assert page.status_code == 400
    assert not OfficialResponse.objects.filter(idea=idea_a).exists()  # not even the draft
    assert typed in page.content.decode()
    with translation.override("fr"):
        message = translation.gettext("Choose a publication time in the future, or publish now.")
    assert escape(message) in page.content.decode()


def test_scheduling_in_the_past_through_the_service_changes_nothing(idea_a, brand_manager_a):
    response = response_create(idea=idea_a, user=brand_manager_a, body=BODY)
    before = row(response)

    refusal = refused(
        lambda: response_schedule(
            response=response, user=brand_manager_a, publish_at=timezone.now() - timedelta(hours=1)
        )
    )

    assert refusal.status == 400
    assert row(response) == before


def test_scheduling_in_the_future_through_the_page(client, idea_a, brand_manager_a):
    login_with_mfa(client, brand_manager_a)
    when = timezone.localtime() + timedelta(days=3)

    page = respond(client, idea_a, action="schedule", body=BODY, publish_at=when.strftime("%Y-%m-%dT%H:%M"))

    assert page.status_code == 302
    response = OfficialResponse.objects.get(idea=idea_a)
    assert response.state == Scheduled
    assert response.publish_at == when.replace(second=0, microsecond=0)
    assert answered_at(idea_a) is None
    assert 'data-testid="official-response"' not in idea_page(client, idea_a).content.decode()


def test_a_scheduled_response_is_published_once_when_due(idea_a, brand_manager_a, community_a):
    planned = status(community_a, "planned")
    response = response_create(idea=idea_a, user=brand_manager_a, body=BODY, status=planned)
    when = in_future(hours=2)
    response_schedule(response=response, user=brand_manager_a, publish_at=when)

    assert publish_if_due(response.pk, now=when - timedelta(minutes=1)) is False
    response.refresh_from_db()
    assert response.state == Scheduled
    assert not StatusChange.objects.filter(idea=idea_a).exists()

    assert publish_if_due(response.pk, now=when + timedelta(minutes=1)) is True
    assert publish_if_due(response.pk, now=when + timedelta(minutes=2)) is False

    response.refresh_from_db()
    assert (response.state, response.published_at) == (Published, when + timedelta(minutes=1))
    assert StatusChange.objects.filter(idea=idea_a).count() == 1
    assert answered_at(idea_a) == when + timedelta(minutes=1)


def test_a_late_beat_still_publishes_and_announces_once(idea_a, brand_manager_a, member_a, community_a):
    response = response_create(idea=idea_a, user=brand_manager_a, body=BODY, status=status(community_a, "planned"))
    response_schedule(response=response, user=brand_manager_a, publish_at=in_future(hours=1))
    assert publish_due.delay().get() == 0  # not due yet

    with time_machine.travel(in_future(days=2)):  # the beat was down for two days
        run_as_task(publish_due.delay)
        run_as_task(publish_due.delay)
        run_as_task(publish_response.delay, response.pk)  # and the task delivered once more

    response.refresh_from_db()
    assert response.state == Published
    assert response.notified_at is not None
    assert StatusChange.objects.filter(idea=idea_a, response=response).count() == 1
    # The idea's author follows it: told once; the manager who scheduled it, that it is out.
    assert sorted(message.to for message in mail.outbox) == [[brand_manager_a.email], [member_a.email]]


def test_a_response_scheduled_on_an_idea_hidden_since_tells_its_followers_nothing(
    idea_a, brand_manager_a, member_a, community_a
):
    response = response_create(idea=idea_a, user=brand_manager_a, body=BODY, status=status(community_a, "planned"))
    response_schedule(response=response, user=brand_manager_a, publish_at=in_future(hours=1))
    Idea.objects.filter(pk=idea_a.pk).update(moderation_state="hidden")  # a moderator hid it meanwhile
    with time_machine.travel(in_future(hours=2)):
        publish_due.delay()
    response.refresh_from_db()
    assert response.state == Published  # the brand's work is kept, and shows if the idea comes back
    assert not Notification.objects.filter(key=f"response:{response.pk}").exists()
    assert [message.to for message in mail.outbox if message.to == [member_a.email]] == []


def test_a_lost_announcement_is_sent_by_the_sweep_once(idea_a, brand_manager_a, member_a):
    response = response_create(idea=idea_a, user=brand_manager_a, body=BODY)
    response_schedule(response=response, user=brand_manager_a, publish_at=in_future(minutes=5))
    with time_machine.travel(in_future(minutes=6)):
        assert publish_if_due(response.pk) is True  # the worker died before telling anyone
    assert mail.outbox == []

    with time_machine.travel(in_future(minutes=30)):
        run_as_task(publish_due.delay)
        run_as_task(publish_due.delay)

    response.refresh_from_db()
    assert response.notified_at is not None
    assert [message.to for message in mail.outbox] == [[member_a.email]]


# --- Publishing --------------------------------------------------------------------------


def test_publishing_moves_the_status_once_and_marks_the_idea_answered(
    client, idea_a, brand_manager_a, community_a, django_capture_on_commit_callbacks
):
    planned = status(community_a, "planned")
    login_with_mfa(client, brand_manager_a)

    with django_capture_on_commit_callbacks(execute=True):
        page = respond(client, idea_a, action="publish", body=BODY, status=planned.pk)

    assert page.status_code == 302
    response = OfficialResponse.objects.get(idea=idea_a)
    assert (response.state, response.published_by) == (Published, brand_manager_a)
    idea_a.refresh_from_db()
    assert idea_a.status == planned
    change = StatusChange.objects.get(idea=idea_a)
    assert (change.response, change.to_status, change.reason) == (response, planned, BODY)
    assert answered_at(idea_a) == response.published_at
    assert IdeaStats.objects.get(pk=idea_a.pk).status == planned


def test_a_response_without_a_status_change_writes_no_history(idea_a, brand_manager_a, publish):
    response = publish(response_create(idea=idea_a, user=brand_manager_a, body=BODY))

    assert response.state == Published
    assert not StatusChange.objects.filter(idea=idea_a).exists()
    assert answered_at(idea_a) == response.published_at


def test_the_idea_page_shows_the_published_response_with_the_badge_and_the_managers_name(
    client, idea_a, brand_manager_a, publish
):
    response_text = "Nous équipons les rames au printemps."
    publish(response_create(idea=idea_a, user=brand_manager_a, body=response_text))

    html = idea_page(client, idea_a).content.decode()  # a visitor

    assert 'data-testid="official-response"' in html
    assert "badge--brand" in html
    assert brand_manager_a.public_name in html
    assert response_text in html


def test_a_response_in_preparation_stays_off_the_public_page(client, idea_a, brand_manager_a):
    response_create(idea=idea_a, user=brand_manager_a, body="Brouillon confidentiel")

    html = idea_page(client, idea_a).content.decode()

    assert 'data-testid="official-response"' not in html
    assert "Brouillon confidentiel" not in html


def test_the_list_marks_answered_ideas_and_sorts_them_first(client, idea_a, brand_manager_a, community_a, publish):
    for title in ("Des prises à chaque siège", "Des casiers à vélos en gare"):
        make_idea(community_a, title=title)  # newer, unanswered
    publish(response_create(idea=idea_a, user=brand_manager_a, body=BODY))

    page = client.get(reverse("ideas:list"), {"sort": "answered"}, HTTP_HOST=HOST_A)

    assert page.status_code == 200
    assert page.context["page"].object_list[0] == idea_a
    html = page.content.decode()
    assert html.count("badge--answered") == 1
    assert ">Répondu</span>" in html  # a French community


# --- Withdrawing and editing after publication -------------------------------------------


def test_withdrawing_a_published_response_hides_it_and_unmarks_the_idea(
    client, idea_a, brand_manager_a, community_a, publish
):
    planned = status(community_a, "planned")
    response = publish(response_create(idea=idea_a, user=brand_manager_a, body=BODY, status=planned))
    login_with_mfa(client, brand_manager_a)

    page = respond(client, idea_a, action="withdraw", response=response.pk)

    assert page.status_code == 302
    response.refresh_from_db()
    assert response.state == Withdrawn
    assert response.withdrawn_at is not None
    assert answered_at(idea_a) is None
    idea_a.refresh_from_db()
    assert idea_a.status == planned  # the status stays as it is
    client.logout()
    assert 'data-testid="official-response"' not in idea_page(client, idea_a).content.decode()


def test_a_withdrawn_responses_text_is_nowhere_on_the_idea_page(client, idea_a, brand_manager_a, community_a, publish):
    response = publish(
        response_create(idea=idea_a, user=brand_manager_a, body=BODY, status=status(community_a, "planned"))
    )

    response_withdraw(response=response, user=brand_manager_a)

    assert BODY not in idea_page(client, idea_a).content.decode()


def test_withdrawing_the_latest_response_falls_back_to_the_previous_one(idea_a, brand_manager_a, publish):
    first = publish(response_create(idea=idea_a, user=brand_manager_a, body="Première réponse."))
    second = publish(response_create(idea=idea_a, user=brand_manager_a, body="Réponse mise à jour."))
    assert answered_at(idea_a) == second.published_at

    response_withdraw(response=second, user=brand_manager_a)

    assert answered_at(idea_a) == first.published_at


def test_editing_a_published_response_keeps_the_earlier_text(
    client, idea_a, brand_manager_a, manager_2, community_a, publish
):
    response = publish(
        response_create(idea=idea_a, user=brand_manager_a, body=BODY, status=status(community_a, "planned"))
    )
    login_with_mfa(client, manager_2)

    page = respond(client, idea_a, action="save", response=response.pk, body="Corrigé : en 2027.")

    assert page.status_code == 302
    response.refresh_from_db()
    assert (response.state, response.body, response.edited_by) == (Published, "Corrigé : en 2027.", manager_2)
    revision = ResponseRevision.objects.get(response=response)
    assert (revision.body, revision.edited_by) == (BODY, brand_manager_a)
    assert StatusChange.objects.filter(idea=idea_a).count() == 1  # no second move
    assert "Corrigé : en 2027." in idea_page(client, idea_a).content.decode()


def test_a_published_response_keeps_its_status_change(idea_a, brand_manager_a, community_a, publish):
    response = publish(
        response_create(idea=idea_a, user=brand_manager_a, body=BODY, status=status(community_a, "planned"))
    )
    before = row(response)

    refusal = refused(
        lambda: response_update(response=response, user=brand_manager_a, body=BODY, status=status(community_a, "done"))
    )

    assert refusal.status == 409
    assert row(response) == before
    assert not ResponseRevision.objects.exists()


# --- Content and idea rules --------------------------------------------------------------


@pytest.mark.parametrize("slug", ["declined", "duplicate"])
def test_declining_or_marking_duplicate_needs_a_public_reason(slug, idea_a, brand_manager_a, community_a):
    refusal = refused(
        lambda: response_create(idea=idea_a, user=brand_manager_a, body="   ", status=status(community_a, slug))
    )

    assert refusal.status == 400
    assert not OfficialResponse.objects.exists()


def test_a_draft_cannot_be_emptied_into_a_reasonless_decline(idea_a, brand_manager_a, community_a):
    response = response_create(idea=idea_a, user=brand_manager_a, body=BODY)
    before = row(response)

    refusal = refused(
        lambda: response_update(
            response=response, user=brand_manager_a, body="", status=status(community_a, "declined")
        )
    )

    assert refusal.status == 400
    assert row(response) == before


def test_declining_without_a_reason_through_the_page(client, idea_a, brand_manager_a, community_a):
    login_with_mfa(client, brand_manager_a)

    page = respond(client, idea_a, action="publish", body="", status=status(community_a, "declined").pk)

    assert page.status_code == 400
    assert not OfficialResponse.objects.exists()
    idea_a.refresh_from_db()
    assert idea_a.status.slug == "new"


@pytest.mark.parametrize("state", [ModerationState.PENDING, ModerationState.HIDDEN, ModerationState.REJECTED])
def test_only_a_public_idea_gets_a_response(state, idea_a, admin_a, client):
    type(idea_a).objects.filter(pk=idea_a.pk).update(moderation_state=state)
    IdeaStats.objects.filter(pk=idea_a.pk).update(is_listed=False)
    idea_a.refresh_from_db()

    assert refused(lambda: response_create(idea=idea_a, user=admin_a, body=BODY)).status == 409

    login_with_mfa(client, admin_a)  # an admin also moderates: they can open the held idea
    assert respond(client, idea_a, action="save", body=BODY).status_code == 409
    assert not OfficialResponse.objects.exists()


def test_a_merged_idea_gets_no_response(idea_a, community_a, moderator_a, brand_manager_a):
    original = make_idea(community_a, title="Le Wi-Fi à bord, partout")
    idea_merge(duplicate=idea_a, original=original, user=moderator_a)
    idea_a.refresh_from_db()

    assert refused(lambda: response_create(idea=idea_a, user=brand_manager_a, body=BODY)).status == 409


def test_an_idea_has_one_response_in_preparation_at_a_time(client, idea_a, brand_manager_a, manager_2, publish):
    first = response_create(idea=idea_a, user=brand_manager_a, body=BODY)

    assert refused(lambda: response_create(idea=idea_a, user=manager_2, body="Autre texte")).status == 409
    login_with_mfa(client, manager_2)
    assert respond(client, idea_a, action="save", body="Autre texte").status_code == 409
    assert list(OfficialResponse.objects.all()) == [first]

    # Once it is published (or withdrawn), a new one may be prepared.
    publish(first)
    second = response_create(idea=idea_a, user=manager_2, body="Un point d'étape.")
    response_withdraw(response=second, user=manager_2)
    assert response_create(idea=idea_a, user=manager_2, body="Un autre point d'étape.").state == Draft


def test_the_status_chosen_must_differ_from_the_ideas(idea_a, brand_manager_a):
    assert (
        refused(lambda: response_create(idea=idea_a, user=brand_manager_a, body=BODY, status=idea_a.status)).status
        == 400
    )
    assert not OfficialResponse.objects.exists()


def test_an_empty_response_without_a_status_is_refused(idea_a, brand_manager_a):
    assert refused(lambda: response_create(idea=idea_a, user=brand_manager_a, body="  ")).status == 400


# --- The managers are told of the workflow -------------------------------------------------


def workflow_mails(user) -> list[str]:
    return [message.body for message in mail.outbox if message.to == [user.email]]


def test_submitting_for_approval_tells_the_other_managers_and_admins(
    django_capture_on_commit_callbacks, two_managers_rule, idea_a, brand_manager_a, manager_2, admin_a, member_a
):
    from notifications.models import Kind, Notification

    response = response_create(idea=idea_a, user=brand_manager_a, body=BODY)
    with django_capture_on_commit_callbacks(execute=True):
        response_submit(response=response, user=brand_manager_a)

    told = dict(Notification.objects.filter(kind=Kind.RESPONSE_FLOW).values_list("recipient_id", "kind"))
    assert set(told) == {manager_2.pk, admin_a.pk}  # not the author, not a member
    [body] = workflow_mails(manager_2)
    assert f"vous demande d’approuver sa réponse officielle sur « {idea_a.title} »" in body
    assert "Le Wi-Fi sera déployé" in body
    assert workflow_mails(brand_manager_a) == [] and workflow_mails(member_a) == []


def test_an_approval_tells_the_author(
    django_capture_on_commit_callbacks, two_managers_rule, idea_a, brand_manager_a, manager_2
):
    response = response_create(idea=idea_a, user=brand_manager_a, body=BODY)
    response_submit(response=response, user=brand_manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        response_approve(response=response, user=manager_2)
    [body] = workflow_mails(brand_manager_a)
    assert f"Camille Martin a approuvé votre réponse officielle sur « {idea_a.title} »" in body
    assert workflow_mails(manager_2) == []


def test_the_author_is_told_when_another_manager_publishes_their_response(
    publish, two_managers_rule, idea_a, brand_manager_a, manager_2
):
    response = response_create(idea=idea_a, user=brand_manager_a, body=BODY)
    response_submit(response=response, user=brand_manager_a)
    response_approve(response=response, user=manager_2)
    publish(response, user=manager_2)
    assert [body for body in workflow_mails(brand_manager_a) if "est publiée" in body] != []
    assert workflow_mails(manager_2) == []  # who clicked "publish now" saw it happen


def test_publishing_ones_own_response_now_tells_nobody_of_the_workflow(publish, idea_a, brand_manager_a):
    from notifications.models import Kind, Notification

    publish(response_create(idea=idea_a, user=brand_manager_a, body=BODY))
    assert not Notification.objects.filter(kind=Kind.RESPONSE_FLOW).exists()


def test_a_scheduled_response_tells_its_author_when_it_goes_out(
    django_capture_on_commit_callbacks, idea_a, brand_manager_a
):
    response = response_create(idea=idea_a, user=brand_manager_a, body=BODY)
    when = in_future(hours=2)
    response_schedule(response=response, user=brand_manager_a, publish_at=when)
    with django_capture_on_commit_callbacks(execute=True):
        assert publish_if_due(response.pk, now=when + timedelta(minutes=1)) is True
    with django_capture_on_commit_callbacks(execute=True):
        assert publish_if_due(response.pk, now=when + timedelta(minutes=2)) is False
    [body] = workflow_mails(brand_manager_a)
    assert f"Votre réponse officielle sur « {idea_a.title} » est publiée" in body
