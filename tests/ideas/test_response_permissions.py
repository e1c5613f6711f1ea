"""Who may speak for the brand: every persona against every response action.

Only the brand managers and admins of the idea's community, and superusers, act; members,
moderators and another community's managers get 403, visitors are sent to sign in (401
for a script). Ids from another idea or community answer 404. A refusal changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from community.models import Role, Status
from ideas.models import IdeaStats, OfficialResponse, ResponseState, StatusChange
from ideas.responses import (
    response_approve,
    response_create,
    response_publish,
    response_submit,
)
from tests.factories import MembershipFactory, UserFactory, login_with_mfa, make_idea

HOST_A = "ideas.brand-a.test"
HOST_B = "ideas.brand-b.test"
BODY = "Merci pour cette idée : nous l'étudions avec nos équipes."

Draft, Awaiting, Approved = ResponseState.DRAFT, ResponseState.AWAITING_APPROVAL, ResponseState.APPROVED
Scheduled, Published, Withdrawn = ResponseState.SCHEDULED, ResponseState.PUBLISHED, ResponseState.WITHDRAWN

PERSONAS = ("visitor", "member", "moderator", "brand_manager", "community_admin", "manager_of_b", "superuser")
MAY_SPEAK = {"brand_manager", "community_admin", "superuser"}


def _manager(username, community, role=Role.BRAND_MANAGER):
    user = UserFactory(username=username, is_staff=True)
    MembershipFactory(user=user, community=community, role=role)
    return user


@pytest.fixture
def manager_of_b(community_b):
    return _manager("manager-b", community_b)


@pytest.fixture
def writer(community_a):
    """The manager of A who wrote the responses in these tests (not one of the personas)."""
    return _manager("writer-a", community_a)


@pytest.fixture
def checker(community_a):
    """The manager of A who approved them."""
    return _manager("checker-a", community_a)


@pytest.fixture
def people(member_a, moderator_a, brand_manager_a, admin_a, manager_of_b, superuser):
    return {
        "visitor": None,
        "member": member_a,
        "moderator": moderator_a,
        "brand_manager": brand_manager_a,
        "community_admin": admin_a,
        "manager_of_b": manager_of_b,
        "superuser": superuser,
    }


@pytest.fixture(autouse=True)
def _two_managers_rule(community_a):
    community_a.response_needs_approval = True
    community_a.save()


@pytest.fixture
def idea_b(community_b, member_b):
    return make_idea(community_b, member_b, title="Des bornes de recharge au parking")


def signed_in(client, people, persona):
    if people[persona] is not None:
        login_with_mfa(client, people[persona])
    return client


def is_sign_in_redirect(page) -> bool:
    return page.status_code == 302 and "/accounts/login/" in page["Location"]


def snapshot() -> tuple:
    """Everything a response action may touch."""
    return (
        list(OfficialResponse.objects.order_by("pk").values()),
        list(StatusChange.objects.order_by("pk").values()),
        list(IdeaStats.objects.order_by("pk").values_list("pk", "answered_at", "status_id")),
    )


def status(community, slug) -> Status:
    return Status.objects.get(community=community, slug=slug)


def prepared(state, *, idea, writer, checker, capture) -> OfficialResponse:
    response = response_create(idea=idea, user=writer, body=BODY, status=status(idea.community, "planned"))
    if state in (Awaiting, Approved, Published):
        response_submit(response=response, user=writer)
    if state in (Approved, Published):
        response_approve(response=response, user=checker)
    if state == Published:
        with capture(execute=True):
            response_publish(response=response, user=writer)
    response.refresh_from_db()
    assert response.state == state
    return response


def respond(client, idea, host=HOST_A, **data):
    return client.post(reverse("ideas:respond", args=[idea.pk]), data, HTTP_HOST=host)


# Each action: the state it starts from (None: no response yet) and where it leads.
ACTIONS = {
    "save": (None, Draft),
    "submit": (Draft, Awaiting),
    "approve": (Awaiting, Approved),
    "return": (Approved, Draft),
    "schedule": (Approved, Scheduled),
    "publish": (Approved, Published),
    "withdraw": (Published, Withdrawn),
}


def form_data(action, response) -> dict:
    data = {"action": action}
    if response is not None:
        data["response"] = response.pk
    if action == "save":
        data["body"] = BODY
    if action == "schedule":
        data["publish_at"] = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    return data


# --- The matrix --------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_act_on_a_response(
    client, people, persona, action, idea_a, writer, checker, django_capture_on_commit_callbacks
):
    start, end = ACTIONS[action]
    capture = django_capture_on_commit_callbacks
    response = (
        prepared(start, idea=idea_a, writer=writer, checker=checker, capture=capture) if start is not None else None
    )
    before = snapshot()
    signed_in(client, people, persona)

    with capture(execute=True):
        page = respond(client, idea_a, **form_data(action, response))

    if persona not in MAY_SPEAK:
        assert is_sign_in_redirect(page) if persona == "visitor" else page.status_code == 403
        assert snapshot() == before
        return
    assert page.status_code == 302
    assert page["Location"] == f"{idea_a.get_absolute_url()}#official-response"
    acted_on = response or OfficialResponse.objects.get(idea=idea_a)
    acted_on.refresh_from_db()
    assert acted_on.state == end
    if action == "save":
        assert acted_on.author == people[persona]


@pytest.mark.parametrize("action", ACTIONS)
def test_a_script_without_a_session_is_told_to_sign_in(client, action, idea_a, writer, checker):
    response = prepared(Draft, idea=idea_a, writer=writer, checker=checker, capture=None)
    before = snapshot()

    page = client.post(
        reverse("ideas:respond", args=[idea_a.pk]),
        form_data(action, response),
        HTTP_HOST=HOST_A,
        HTTP_ACCEPT="application/json",
    )

    assert page.status_code == 401
    assert "login" in page.json()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("visitor", "sign-in"),
        ("member", 403),
        ("moderator", 403),
        ("brand_manager", 200),
        ("community_admin", 200),
        ("manager_of_b", 403),
        ("superuser", 200),
    ],
)
def test_who_may_open_the_console(client, people, persona, expected, community_a):
    signed_in(client, people, persona)

    page = client.get(reverse("manage:console"), HTTP_HOST=HOST_A)

    if expected == "sign-in":
        assert is_sign_in_redirect(page)
    else:
        assert page.status_code == expected


def test_the_console_answers_a_script_without_a_session_with_401(client, community_a):
    page = client.get(reverse("manage:console"), HTTP_HOST=HOST_A, HTTP_ACCEPT="application/json")

    assert page.status_code == 401


def test_a_manager_of_b_speaks_on_their_own_community(client, manager_of_b, idea_b):
    """The control for the matrix: manager_of_b is refused on A for being of B, not for
    being unable to answer at all."""
    login_with_mfa(client, manager_of_b)

    page = respond(client, idea_b, host=HOST_B, action="save", body=BODY)

    assert page.status_code == 302
    assert OfficialResponse.objects.get(idea=idea_b).author == manager_of_b


# --- Crafted requests --------------------------------------------------------------------


def test_a_response_of_another_idea_answers_404(client, brand_manager_a, idea_a, community_a, writer, checker):
    other_idea = make_idea(community_a, title="Des casiers à vélos en gare")
    other = prepared(Draft, idea=other_idea, writer=writer, checker=checker, capture=None)
    before = snapshot()
    login_with_mfa(client, brand_manager_a)

    for action in ("withdraw", "save", "submit"):
        page = respond(client, idea_a, action=action, response=other.pk, body="Détourné")
        assert page.status_code == 404

    assert snapshot() == before


def test_a_response_of_another_community_answers_404(client, superuser, idea_a, idea_b, manager_of_b):
    theirs = response_create(idea=idea_b, user=manager_of_b, body=BODY)
    before = snapshot()
    login_with_mfa(client, superuser)

    page = respond(client, idea_a, action="withdraw", response=theirs.pk)

    assert page.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("persona", ["brand_manager", "superuser", "manager_of_b"])
def test_another_communitys_idea_on_this_host_answers_404(client, people, persona, idea_b):
    signed_in(client, people, persona)
    before = snapshot()

    page = respond(client, idea_b, host=HOST_A, action="save", body=BODY)

    assert page.status_code == 404
    assert snapshot() == before


def test_a_status_of_another_community_is_bad_input(client, brand_manager_a, idea_a, community_b):
    login_with_mfa(client, brand_manager_a)
    before = snapshot()

    page = respond(client, idea_a, action="save", body=BODY, status=status(community_b, "planned").pk)

    assert page.status_code == 400
    assert snapshot() == before


def test_an_unknown_action_is_bad_input(client, brand_manager_a, idea_a):
    login_with_mfa(client, brand_manager_a)

    page = respond(client, idea_a, action="delete", body=BODY)

    assert page.status_code == 400
    assert not OfficialResponse.objects.exists()


# --- The admin ---------------------------------------------------------------------------

CHANGELIST = "admin:ideas_officialresponse_changelist"


@pytest.fixture
def both_communities_answered(idea_a, idea_b, writer, manager_of_b):
    return response_create(idea=idea_a, user=writer, body=BODY), response_create(
        idea=idea_b, user=manager_of_b, body=BODY
    )


@pytest.mark.parametrize(
    ("persona", "sees"),
    [("brand_manager", {"a"}), ("community_admin", {"a"}), ("manager_of_b", {"b"}), ("superuser", {"a", "b"})],
)
def test_the_admin_lists_only_the_managers_own_communities(client, people, persona, sees, both_communities_answered):
    of_a, of_b = both_communities_answered
    signed_in(client, people, persona)

    page = client.get(reverse(CHANGELIST))

    assert page.status_code == 200
    listed = set(page.context["cl"].result_list)
    assert listed == {response for key, response in (("a", of_a), ("b", of_b)) if key in sees}
    if "b" not in sees:
        assert client.get(reverse("admin:ideas_officialresponse_change", args=[of_b.pk])).status_code in (302, 404)


def run_admin_action(client, action, *responses):
    return client.post(
        reverse(CHANGELIST), {"action": action, ACTION_CHECKBOX_NAME: [response.pk for response in responses]}
    )


def state_of(response) -> str:
    return OfficialResponse.objects.values_list("state", flat=True).get(pk=response.pk)


def test_the_admin_approve_action_keeps_the_two_manager_rule(client, idea_a, writer, checker):
    response = prepared(Awaiting, idea=idea_a, writer=writer, checker=checker, capture=None)

    login_with_mfa(client, writer)
    assert run_admin_action(client, "approve", response).status_code == 302
    assert state_of(response) == Awaiting

    login_with_mfa(client, checker)
    run_admin_action(client, "approve", response)
    assert state_of(response) == Approved
    response.refresh_from_db()
    assert response.approved_by == checker


def test_the_admin_publishes_only_approved_responses(
    client, idea_a, community_a, writer, checker, brand_manager_a, django_capture_on_commit_callbacks
):
    awaiting = prepared(Awaiting, idea=idea_a, writer=writer, checker=checker, capture=None)
    other_idea = make_idea(community_a, title="Des casiers à vélos en gare")
    approved = prepared(Approved, idea=other_idea, writer=writer, checker=checker, capture=None)
    login_with_mfa(client, brand_manager_a)

    with django_capture_on_commit_callbacks(execute=True):
        run_admin_action(client, "publish_now", awaiting, approved)

    assert (state_of(awaiting), state_of(approved)) == (Awaiting, Published)
    assert StatusChange.objects.filter(response=approved).count() == 1
    assert IdeaStats.objects.get(pk=other_idea.pk).answered_at is not None


def test_the_admin_withdraws_a_published_response(
    client, idea_a, writer, checker, admin_a, django_capture_on_commit_callbacks
):
    response = prepared(
        Published, idea=idea_a, writer=writer, checker=checker, capture=django_capture_on_commit_callbacks
    )

    login_with_mfa(client, admin_a)
    run_admin_action(client, "withdraw", response)

    assert state_of(response) == Withdrawn
    assert IdeaStats.objects.get(pk=idea_a.pk).answered_at is None


@pytest.mark.parametrize("action", ["approve", "publish_now", "withdraw"])
def test_admin_actions_do_not_reach_another_communitys_responses(
    client, action, brand_manager_a, idea_b, manager_of_b, django_capture_on_commit_callbacks
):
    community_b = idea_b.community
    community_b.response_needs_approval = True
    community_b.save()
    theirs = response_create(idea=idea_b, user=manager_of_b, body=BODY)
    response_submit(response=theirs, user=manager_of_b)
    before = snapshot()
    login_with_mfa(client, brand_manager_a)

    with django_capture_on_commit_callbacks(execute=True):
        run_admin_action(client, action, theirs)

    assert snapshot() == before


@pytest.mark.parametrize("action", ["approve", "publish_now", "withdraw"])
def test_a_moderator_sees_responses_in_the_admin_but_cannot_act(
    client, action, moderator_a, idea_a, writer, checker, django_capture_on_commit_callbacks
):
    response = prepared(Awaiting, idea=idea_a, writer=writer, checker=checker, capture=None)
    before = snapshot()
    login_with_mfa(client, moderator_a)

    assert client.get(reverse(CHANGELIST)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        run_admin_action(client, action, response)

    assert snapshot() == before


def test_a_member_is_sent_to_the_admin_sign_in(client, member_a, idea_a, writer, checker):
    response = prepared(Awaiting, idea=idea_a, writer=writer, checker=checker, capture=None)
    before = snapshot()
    client.force_login(member_a)

    page = run_admin_action(client, "approve", response)

    assert page.status_code == 302 and "/admin/login/" in page["Location"]
    assert snapshot() == before
