"""Ideas in a real browser, the edges of the members' journeys: a vote without JavaScript, a
visitor's vote, an empty comment, the comment count. The whole journey of a new member
(post with a similar-idea hint and an image, follow, vote, comment, reply, report, edit)
is test_signup_journey.py; a visitor's, test_visitor_journey.py.

Members are signed in by a session cookie made with `Client.force_login`. Visible texts are
matched by regexes that accept the French translation or the English msgid.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from community.services import community_create
from ideas.models import Vote
from ideas.services import idea_set_status
from tests.factories import UserFactory, make_idea

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIFI_TITLE = "Du Wi-Fi stable dans tous les trains"

COMMENT_LABEL = re.compile(r"^(Votre commentaire|Your comment)$")
COMMENT_BUTTON = re.compile(r"^(Commenter|Publier le commentaire|Comment)$")


@pytest.fixture
def rail_horizon(db):
    return community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)


@pytest.fixture
def wifi_idea(rail_horizon):
    """Posted earlier by someone else, and already planned."""
    idea = make_idea(
        rail_horizon,
        UserFactory(username="claire", display_name="Claire Contrôleuse"),
        title=WIFI_TITLE,
        body="Le Wi-Fi coupe à chaque tunnel : impossible de travailler pendant le trajet.",
        tags=["wifi"],
    )
    idea_set_status(idea=idea, status=rail_horizon.statuses.get(slug="planned"), user=None)
    return idea


def session_cookie(live_server, user) -> dict:
    """The cookie of a fresh session of `user`, as if they had signed in."""
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": live_server.url}


def signed_in_context(browser, live_server, user, **options):
    """A browser context of its own for `user` (a second member, or one without JavaScript)."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, **options)
    context.add_cookies([session_cookie(live_server, user)])
    context.set_default_timeout(10_000)
    return context


def sign_in(page, live_server, user) -> None:
    page.context.add_cookies([session_cookie(live_server, user)])
    page.set_default_timeout(10_000)


def test_voting_works_without_javascript(browser, live_server, rail_horizon, wifi_idea):
    voter = UserFactory(username="denise")
    context = signed_in_context(browser, live_server, voter, java_script_enabled=False)
    try:
        page = context.new_page()
        url = live_server.url + wifi_idea.get_absolute_url()
        page.goto(url)
        vote_form = page.locator(".idea__head [data-vote-form]")
        expect(vote_form.locator("[data-vote-count]")).to_have_text("0")
        with page.expect_navigation():
            vote_form.locator("button").click()
        assert page.url == url  # back where the vote was cast, through the `next` field
        expect(vote_form.locator("[data-vote-count]")).to_have_text("1")
        expect(vote_form.locator("button")).to_have_attribute("aria-pressed", "true")
    finally:
        context.close()
    assert Vote.objects.filter(idea=wifi_idea, user=voter, value=1).exists()


def test_a_visitor_who_votes_is_sent_to_sign_in(page, live_server, rail_horizon, wifi_idea):
    idea_path = wifi_idea.get_absolute_url()
    page.goto(live_server.url + idea_path)
    with page.expect_response(lambda response: response.request.is_navigation_request()) as navigation:
        page.locator(".idea__head [data-vote-form] button").click()
    response = navigation.value
    assert response.status < 400, f"{response.status} at {response.url}"
    back_to_idea = "(" + re.escape(quote(idea_path, safe="")) + "|" + re.escape(idea_path) + ")"
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=" + back_to_idea))
    expect(page.locator("main form [name=login]")).to_be_visible()


def test_an_empty_comment_gets_a_readable_message(page, live_server, rail_horizon, wifi_idea):
    sign_in(page, live_server, UserFactory(username="emile"))
    page.goto(live_server.url + wifi_idea.get_absolute_url())
    page.get_by_role("button", name=COMMENT_BUTTON).click()
    alert = page.locator("[data-comment-form] [role=alert]")
    expect(alert).to_be_visible()
    readable = re.compile(r"obligatoire|required|Write something|Écrivez", re.IGNORECASE)
    expect(alert).to_have_text(readable, timeout=1_000)
    expect(page.locator("[data-comment-list] > li")).to_have_count(0)


def test_the_comment_count_follows_a_comment_added_in_place(page, live_server, rail_horizon, wifi_idea):
    sign_in(page, live_server, UserFactory(username="fanny"))
    page.goto(live_server.url + wifi_idea.get_absolute_url())
    heading = page.locator("#comments-title")
    expect(heading).to_have_text(re.compile(r"^0 comment(aire)?s?$"))
    page.get_by_label(COMMENT_LABEL).fill("Et des prises électriques aussi.")
    page.get_by_role("button", name=COMMENT_BUTTON).click()
    expect(page.locator("[data-comment-list] > li")).to_have_count(1)
    expect(heading).to_have_text(re.compile(r"^1 comment(aire)?$"), timeout=1_000)


def test_a_member_typing_a_known_idea_votes_for_it_in_one_click(page, live_server, rail_horizon, wifi_idea, output_dir):
    from ideas.models import Follow

    member = UserFactory(username="emile")
    sign_in(page, live_server, member)
    page.goto(live_server.url + "/ideas/new/")
    page.get_by_label("Titre").press_sequentially("Le wifi dans les trains", delay=10)
    similar = page.locator("[data-similar-results]")
    expect(similar).to_be_visible()
    item = similar.locator("li", has=page.get_by_role("link", name=WIFI_TITLE))
    # One suggestion: the box speaks of one idea, heading and explanation alike.
    expect(similar.locator("li")).to_have_count(1)
    expect(similar.get_by_text("Et si vous votiez plutôt pour celle-ci ?")).to_be_visible()
    expect(similar.get_by_text("Une idée semblable existe déjà.", exact=False)).to_be_visible()
    expect(similar.get_by_text("Des idées semblables existent déjà.", exact=False)).to_be_hidden()
    item.get_by_role("button", name="Voter pour celle-ci plutôt").click()
    expect(item.get_by_text("Voté — vous la suivez")).to_be_visible()
    expect(item.locator("[data-similar-votes]")).to_have_text("1")
    expect(item.get_by_role("button")).to_be_hidden()
    page.set_viewport_size({"width": 390, "height": 844})
    similar.screenshot(path=str(output_dir / "similar-voted-390.png"))
    assert Vote.objects.filter(idea=wifi_idea, user=member, value=1).exists()
    assert Follow.objects.filter(idea=wifi_idea, user=member).exists()
    # Typed again, the box says it at once.
    page.get_by_label("Titre").press_sequentially(" encore", delay=10)
    expect(item.get_by_text("Voté")).to_be_visible()


def test_back_from_a_suggestion_keeps_the_title_and_the_suggestions(page, live_server, rail_horizon, wifi_idea):
    sign_in(page, live_server, UserFactory(username="berthe"))
    page.goto(live_server.url + "/ideas/new/")
    page.get_by_label("Titre").press_sequentially("Le wifi dans les trains", delay=10)
    page.locator("[data-similar-results]").get_by_role("link", name=WIFI_TITLE).click()
    expect(page).to_have_url(re.compile(rf"/ideas/{wifi_idea.pk}-"))
    page.go_back()
    expect(page.get_by_label("Titre")).to_have_value("Le wifi dans les trains")
    expect(page.locator("[data-similar-results]").get_by_role("link", name=WIFI_TITLE)).to_be_visible()
