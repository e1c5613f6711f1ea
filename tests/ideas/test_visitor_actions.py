"""A visitor who clicks vote or follow is told why they must sign in, and the click is
finished once they have (ideas.pending); comment and report say why too."""

from __future__ import annotations

import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from ideas.models import Follow, IdeaStats, Vote
from ideas.pending import PENDING_KEY, PENDING_SALT
from ideas.services import idea_set_status
from tests.factories import PASSWORD, UserFactory, make_idea

# Runs on the embedded default (SQLite) as well.
pytestmark = pytest.mark.smoke

JSON = {"HTTP_ACCEPT": "application/json"}
TITLE = "Du Wi-Fi stable dans tous les trains"


def votes_of(idea) -> int:
    return IdeaStats.objects.values_list("votes", flat=True).get(pk=idea.pk)


def sign_in(client, user, **extra):
    """Through allauth's sign-in form, as a person does (allauth's login signal runs)."""
    return client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD, **extra})


def messages_on(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


@pytest.fixture
def voter(community_a):
    return UserFactory(username="camille")


def test_a_visitor_vote_says_why_on_the_sign_in_page_and_counts_once_signed_in(client, idea_a, voter):
    idea_url = idea_a.get_absolute_url()
    response = client.post(reverse("ideas:vote", args=[idea_a.pk]), {"value": "1", "current": "0", "next": idea_url})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={idea_url}"
    page = client.get(response["Location"])
    assert f"Connectez-vous pour voter pour « {TITLE} »." in page.content.decode()
    assert not Vote.objects.exists()

    response = sign_in(client, voter, next=idea_url)
    assert response.status_code == 302
    assert response["Location"] == idea_url
    page = client.get(idea_url)
    assert f"Votre vote pour « {TITLE} » est enregistré." in page.content.decode()
    assert Vote.objects.filter(idea=idea_a, user=voter, value=1).count() == 1
    assert votes_of(idea_a) == 1
    assert 'name="current" value="1"' in page.content.decode()  # the page shows the vote

    # Finished once: signing in again later casts nothing more, nor takes the vote back.
    client.logout()
    sign_in(client, voter)
    assert votes_of(idea_a) == 1
    assert Vote.objects.filter(idea=idea_a).count() == 1


def test_a_member_who_had_voted_already_keeps_one_vote(client, idea_a, voter):
    client.force_login(voter)
    client.post(reverse("ideas:vote", args=[idea_a.pk]), {"value": "1", "current": "0"})
    client.logout()
    client.post(reverse("ideas:vote", args=[idea_a.pk]), {"value": "1", "current": "0"})  # as a visitor, elsewhere
    sign_in(client, voter)
    assert Vote.objects.filter(idea=idea_a, user=voter).count() == 1
    assert votes_of(idea_a) == 1  # made to stand, not toggled off


def test_the_script_path_sends_a_visitor_to_sign_in_and_the_vote_follows(client, idea_a, voter):
    response = client.post(reverse("ideas:vote", args=[idea_a.pk]), {"value": "1", "current": "0"}, **JSON)
    assert response.status_code == 401
    login = response.json()["login"]
    assert login == f"{reverse('account_login')}?next={idea_a.get_absolute_url()}"
    assert f"Connectez-vous pour voter pour « {TITLE} »." in client.get(login).content.decode()
    assert sign_in(client, voter)["Location"] == idea_a.get_absolute_url()
    assert votes_of(idea_a) == 1


def test_a_visitor_follow_is_finished_after_sign_in(client, idea_a, voter):
    response = client.post(reverse("ideas:follow", args=[idea_a.pk]))
    assert f"Connectez-vous pour suivre « {TITLE} »." in client.get(response["Location"]).content.decode()
    sign_in(client, voter)
    assert Follow.objects.filter(idea=idea_a, user=voter).exists()
    sign_in(client, voter)  # again: still following (not toggled off)
    assert Follow.objects.filter(idea=idea_a, user=voter).exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ideas:comment", f"Connectez-vous pour commenter « {TITLE} »."),
        ("ideas:flag", f"Connectez-vous pour signaler « {TITLE} »."),
    ],
)
def test_a_visitor_who_comments_or_reports_is_told_why(client, idea_a, voter, name, message):
    response = client.post(reverse(name, args=[idea_a.pk]), {"body": "Oui !", "reason": "spam"})
    assert response["Location"] == f"{reverse('account_login')}?next={idea_a.get_absolute_url()}"
    assert message in client.get(response["Location"]).content.decode()
    sign_in(client, voter)
    assert not idea_a.comments.exists()  # nothing is posted for them
    assert not idea_a.flags.exists()


def test_a_visitor_vote_survives_sign_up_and_confirmation_in_the_same_browser(
    client, idea_a, django_capture_on_commit_callbacks
):
    client.post(reverse("ideas:vote", args=[idea_a.pk]), {"value": "1", "current": "0"})
    data = {
        "email": "dominique@example.test",
        "username": "dominique",
        "display_name": "Dominique",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("account_signup"), data).status_code == 302
    assert votes_of(idea_a) == 0  # not signed in before the address is confirmed
    confirm_url = re.findall(r"https?://\S+", mail.outbox[-1].body)[0]
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert response["Location"] == idea_a.get_absolute_url()  # back to the idea
    assert votes_of(idea_a) == 1
    assert Vote.objects.get(idea=idea_a).user.username == "dominique"


def test_no_vote_is_cast_by_a_get(client, idea_a, voter):
    client.force_login(voter)
    assert client.get(reverse("ideas:vote", args=[idea_a.pk])).status_code == 405
    assert not Vote.objects.exists()


def test_a_visitor_cannot_keep_a_vote_on_another_communitys_idea(client, community_b):
    elsewhere = make_idea(community_b, title="Une idée de la marque B")
    assert client.post(reverse("ideas:vote", args=[elsewhere.pk])).status_code == 404
    assert PENDING_KEY not in client.session


def forge(client, payload) -> None:
    session = client.session
    session[PENDING_KEY] = signing.dumps(payload, salt=PENDING_SALT)
    session.save()


def test_a_forged_action_for_another_communitys_idea_is_refused_cleanly(client, community_a, community_b, voter):
    elsewhere = make_idea(community_b, title="Une idée de la marque B")
    client.get("/")  # a session
    for community in (community_a, community_b):
        forge(client, {"community": community.pk, "idea": elsewhere.pk, "action": "vote", "value": 1, "landing": "/"})
        response = sign_in(client, voter)
        assert response.status_code == 302  # signed in all the same
        assert int(client.session["_auth_user_id"]) == voter.pk
        if community == community_a:  # well signed, but the idea is not one of this site's
            told = messages_on(client.get(response["Location"]))
            assert "L’action commencée avant la connexion n’a pas pu aboutir" in told
        client.logout()
    assert not Vote.objects.exists()


def test_a_pending_vote_on_an_idea_closed_meanwhile_is_refused_with_a_message(client, community_a, idea_a, voter):
    client.post(reverse("ideas:vote", args=[idea_a.pk]), {"value": "1", "current": "0"})
    idea_set_status(idea=idea_a, status=community_a.statuses.get(slug="done"), user=None)
    response = sign_in(client, voter)
    assert response["Location"] == idea_a.get_absolute_url()
    page = client.get(response["Location"])
    assert "Les votes sont clos pour cette idée." in messages_on(page)
    assert not Vote.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        "not a signed value",
        {"action": "delete", "value": 1},
        {"action": "vote", "value": 7},
        {"action": "vote", "value": 1, "landing": "https://evil.test/"},
    ],
)
def test_a_tampered_or_unsafe_pending_action_does_nothing_harmful(client, community_a, idea_a, voter, payload):
    client.get("/")
    if isinstance(payload, str):
        session = client.session
        session[PENDING_KEY] = payload
        session.save()
    else:
        forge(client, {"community": community_a.pk, "idea": idea_a.pk, "landing": "/", **payload})
    response = sign_in(client, voter)
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.test")
    assert Vote.objects.filter(value=7).count() == 0
    if payload != {"action": "vote", "value": 1, "landing": "https://evil.test/"}:
        assert not Vote.objects.exists()
    assert PENDING_KEY not in client.session


def test_another_site_cannot_make_a_visitor_keep_a_vote(idea_a):
    """A form on another site posting here carries no CSRF token: refused before anything
    is kept, so no sign-in later casts a vote the person never clicked."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.get(idea_a.get_absolute_url())  # the visitor has a session and a CSRF cookie
    response = browser.post(reverse("ideas:vote", args=[idea_a.pk]), {"value": "1"}, HTTP_ORIGIN="https://evil.test")
    assert response.status_code == 403
    assert PENDING_KEY not in browser.session
