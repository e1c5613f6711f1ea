"""Staff powers used from the public pages need a second factor too (accounts.mfa).

A brand manager answering in the brand's name, a moderator editing or deleting others'
content: from a password-only session (`force_login`, no authentication record) the act is
refused with 403, the page comes back with what was typed and the link to confirm, and
nothing changes. After the second factor it goes through. Members are refused as before.
"""

from __future__ import annotations

import html
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.models import Role, Status
from ideas.models import Comment, Idea, IdeaStats, OfficialResponse, ResponseState, StatusChange
from ideas.responses import response_approve, response_create, response_publish, response_submit
from ideas.services import comment_create
from tests.factories import MembershipFactory, UserFactory, login_with_mfa, totp_code, totp_enrol

# Each action of the response form: the state it starts from (None: no response yet) and where it leads.
from tests.ideas.test_response_permissions import ACTIONS

HOST_A = "ideas.brand-a.test"
BODY = "Merci pour cette idée : nous l'étudions avec nos équipes."
TYPED = "Texte tapé avant le second facteur : nous équipons les rames d'ici l'été."
LINK = "Confirmer avec votre second facteur pour répondre"

Awaiting, Approved = ResponseState.AWAITING_APPROVAL, ResponseState.APPROVED
Published = ResponseState.PUBLISHED

# (An approved response edited goes back to draft: schedule and publish send no new text.)
WRITES_TEXT = ("save", "submit")


@pytest.fixture(autouse=True)
def _two_managers_rule(community_a):
    community_a.response_needs_approval = True
    community_a.save()


@pytest.fixture
def writer(community_a):
    """The manager of A who wrote the responses (brand_manager_a approves or acts on them)."""
    user = UserFactory(username="writer-a", is_staff=True)
    MembershipFactory(user=user, community=community_a, role=Role.BRAND_MANAGER)
    return user


@pytest.fixture
def checker(community_a):
    user = UserFactory(username="checker-a", is_staff=True)
    MembershipFactory(user=user, community=community_a, role=Role.BRAND_MANAGER)
    return user


@pytest.fixture
def enrolled(brand_manager_a):
    """brand_manager_a has an authenticator app; returns its secret."""
    _authenticator, secret = totp_enrol(brand_manager_a)
    return secret


def planned(community) -> Status:
    return Status.objects.get(community=community, slug="planned")


def prepared(state, *, idea, writer, checker, capture) -> OfficialResponse | None:
    if state is None:
        return None
    response = response_create(idea=idea, user=writer, body=BODY, status=planned(idea.community))
    if state in (Awaiting, Approved, Published):
        response_submit(response=response, user=writer)
    if state in (Approved, Published):
        response_approve(response=response, user=checker)
    if state == Published:
        with capture(execute=True):
            response_publish(response=response, user=writer)
    response.refresh_from_db()
    return response


def form_data(action, response) -> dict:
    """What the idea page's form sends: the text forms send the body typed."""
    data = {"action": action}
    if response is not None:
        data["response"] = response.pk
    if action in WRITES_TEXT:
        data["body"] = TYPED
    if action == "schedule":
        data["publish_at"] = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    return data


def snapshot() -> tuple:
    """Everything a response action may touch."""
    return (
        list(OfficialResponse.objects.order_by("pk").values()),
        list(StatusChange.objects.order_by("pk").values()),
        list(IdeaStats.objects.order_by("pk").values_list("pk", "answered_at", "status_id")),
    )


def respond(client, idea, **data):
    return client.post(reverse("ideas:respond", args=[idea.pk]), data, HTTP_HOST=HOST_A)


def with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def text_of(page) -> str:
    return html.unescape(page.content.decode())


# --- The official response ---------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_it_refuses_a_response_action_from_a_password_only_session(
    client, action, idea_a, brand_manager_a, enrolled, writer, checker, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    response = prepared(ACTIONS[action][0], idea=idea_a, writer=writer, checker=checker, capture=capture)
    before = snapshot()
    client.force_login(brand_manager_a)

    with capture(execute=True):
        page = respond(client, idea_a, **form_data(action, response))

    assert page.status_code == 403
    text = text_of(page)
    assert 'data-testid="second-factor-notice"' in text
    assert LINK in text
    assert with_next("mfa_reauthenticate", idea_a.get_absolute_url()) in text
    if action in WRITES_TEXT:
        assert TYPED in text  # back in the form: nothing typed is lost
    if action == "schedule":
        assert f'value="{form_data(action, response)["publish_at"]}"' in text
    assert snapshot() == before


@pytest.mark.parametrize("action", ACTIONS)
def test_it_takes_a_response_action_after_the_second_factor(
    client, action, idea_a, brand_manager_a, writer, checker, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    response = prepared(ACTIONS[action][0], idea=idea_a, writer=writer, checker=checker, capture=capture)
    login_with_mfa(client, brand_manager_a)

    with capture(execute=True):
        page = respond(client, idea_a, **form_data(action, response))

    assert page.status_code == 302, text_of(page)[:2000]
    acted_on = response or OfficialResponse.objects.get(idea=idea_a)
    acted_on.refresh_from_db()
    assert acted_on.state == ACTIONS[action][1]


def test_without_an_authenticator_the_link_leads_to_enrol(client, idea_a, brand_manager_a):
    client.force_login(brand_manager_a)

    page = respond(client, idea_a, action="save", body=TYPED)

    assert page.status_code == 403
    assert with_next("mfa_required", idea_a.get_absolute_url()) in text_of(page)
    assert not OfficialResponse.objects.exists()


def test_the_typed_text_is_back_in_the_form_after_confirming(client, idea_a, brand_manager_a, enrolled):
    client.force_login(brand_manager_a)
    respond(client, idea_a, action="save", body=TYPED, status=planned(idea_a.community).pk)

    confirmed = client.post(
        with_next("mfa_reauthenticate", idea_a.get_absolute_url()), {"code": totp_code(enrolled)}, HTTP_HOST=HOST_A
    )
    assert confirmed["Location"] == idea_a.get_absolute_url()
    page = text_of(client.get(idea_a.get_absolute_url(), HTTP_HOST=HOST_A))

    assert 'name="action" value="save"' in page
    assert TYPED in page
    assert f'value="{planned(idea_a.community).pk}" selected' in page
    assert not OfficialResponse.objects.exists()  # kept for the form, not saved
    # Once only: the next visit shows the form as usual.
    assert TYPED not in text_of(client.get(idea_a.get_absolute_url(), HTTP_HOST=HOST_A))


@pytest.mark.parametrize("persona", ["member_a", "moderator_a"])
def test_those_who_cannot_speak_are_refused_as_before(request, client, persona, idea_a):
    """No role to answer with: the refusal says so, second factor or not."""
    person = request.getfixturevalue(persona)
    client.force_login(person)

    page = respond(client, idea_a, action="save", body=TYPED)

    assert page.status_code == 403
    assert "Seuls les responsables de la marque peuvent répondre officiellement." in text_of(page)
    assert "second-factor-notice" not in page.content.decode()
    assert not OfficialResponse.objects.exists()


# --- The idea page -----------------------------------------------------------------------


def test_the_idea_page_shows_a_manager_the_link_before_the_second_factor(client, idea_a, brand_manager_a, enrolled):
    client.force_login(brand_manager_a)

    page = text_of(client.get(idea_a.get_absolute_url(), HTTP_HOST=HOST_A))

    assert LINK in page
    assert with_next("mfa_reauthenticate", idea_a.get_absolute_url()) in page
    assert reverse("ideas:respond", args=[idea_a.pk]) not in page


def test_the_idea_page_shows_a_manager_the_form_after_the_second_factor(client, idea_a, brand_manager_a):
    login_with_mfa(client, brand_manager_a)

    page = text_of(client.get(idea_a.get_absolute_url(), HTTP_HOST=HOST_A))

    assert reverse("ideas:respond", args=[idea_a.pk]) in page
    assert "second-factor-notice" not in page


def test_the_notice_costs_the_idea_page_no_more_than_the_form(client, idea_a, brand_manager_a, enrolled):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(idea_a.get_absolute_url(), HTTP_HOST=HOST_A).status_code == 200
        return len(captured)

    client.force_login(brand_manager_a)
    queries()  # (the first request of a process fills caches)
    before_second_factor = queries()
    login_with_mfa(client, brand_manager_a)
    after_second_factor = queries()

    assert before_second_factor <= after_second_factor


def test_a_member_sees_neither_the_form_nor_the_notice(client, idea_a, member_a):
    client.force_login(member_a)

    page = text_of(client.get(idea_a.get_absolute_url(), HTTP_HOST=HOST_A))

    assert "second-factor-notice" not in page
    assert reverse("ideas:respond", args=[idea_a.pk]) not in page


# --- Moderators: editing an idea, deleting others' comments --------------------------------

EDIT = {"title": "Un titre corrigé par la modération", "body": "Texte corrigé par la modération."}


def edit(client, idea):
    return client.post(reverse("ideas:edit", args=[idea.pk]), EDIT, HTTP_HOST=HOST_A)


def test_it_refuses_a_moderators_edit_from_a_password_only_session(client, idea_a, moderator_a):
    client.force_login(moderator_a)

    page = edit(client, idea_a)

    assert page.status_code == 403
    text = text_of(page)
    assert EDIT["title"] in text
    assert EDIT["body"] in text
    assert with_next("mfa_required", reverse("ideas:edit", args=[idea_a.pk])) in text
    assert Idea.objects.get(pk=idea_a.pk).title == idea_a.title


def test_a_moderators_edit_goes_through_after_the_second_factor(client, idea_a, moderator_a):
    login_with_mfa(client, moderator_a)

    page = edit(client, idea_a)

    assert page.status_code == 302
    assert Idea.objects.get(pk=idea_a.pk).title == EDIT["title"]


def test_the_edit_form_gets_the_typed_text_back_after_confirming(client, idea_a, moderator_a):
    client.force_login(moderator_a)
    edit(client, idea_a)
    login_with_mfa(client, moderator_a)  # (as after the link: the same session, now with a second factor)

    page = text_of(client.get(reverse("ideas:edit", args=[idea_a.pk]), HTTP_HOST=HOST_A))

    assert EDIT["title"] in page
    assert "second-factor-notice" not in page


def test_the_author_edits_as_before(client, idea_a, member_a):
    client.force_login(member_a)

    assert edit(client, idea_a).status_code == 302
    assert Idea.objects.get(pk=idea_a.pk).title == EDIT["title"]


@pytest.fixture
def comment(idea_a, member_a):
    return comment_create(idea=idea_a, author=member_a, body="Je prends ce train tous les jours.")


def delete(client, comment, **headers):
    return client.post(reverse("ideas:comment_delete", args=[comment.pk]), HTTP_HOST=HOST_A, **headers)


def test_it_refuses_a_moderators_delete_from_a_password_only_session(client, comment, moderator_a):
    client.force_login(moderator_a)

    page = delete(client, comment)

    assert page.status_code == 403
    text = text_of(page)
    assert "Pas supprimé : supprimer le commentaire d’un autre membre demande votre second facteur." in text
    assert with_next("mfa_required", comment.idea.get_absolute_url()) in text
    assert Comment.objects.get(pk=comment.pk).deleted_at is None


def test_a_script_is_told_where_to_confirm(client, comment, moderator_a):
    client.force_login(moderator_a)

    answer = delete(client, comment, HTTP_ACCEPT="application/json")

    assert answer.status_code == 403
    assert answer.json()["second_factor_url"] == with_next("mfa_required", comment.idea.get_absolute_url())
    assert Comment.objects.get(pk=comment.pk).deleted_at is None


def test_a_moderators_delete_goes_through_after_the_second_factor(client, comment, moderator_a):
    login_with_mfa(client, moderator_a)

    assert delete(client, comment).status_code == 302
    assert Comment.objects.get(pk=comment.pk).deleted_at is not None


def test_a_member_cannot_delete_others_comments_as_before(client, comment, community_a):
    other = UserFactory()
    MembershipFactory(user=other, community=community_a, role=Role.MEMBER)
    client.force_login(other)

    page = delete(client, comment)

    assert page.status_code == 403
    assert "second-factor-notice" not in page.content.decode()
    assert Comment.objects.get(pk=comment.pk).deleted_at is None


def test_a_moderator_deletes_their_own_comment_without_a_second_factor(client, idea_a, moderator_a):
    own = comment_create(idea=idea_a, author=moderator_a, body="Une précision de ma part.")
    client.force_login(moderator_a)

    assert delete(client, own).status_code == 302
    assert Comment.objects.get(pk=own.pk).deleted_at is not None
