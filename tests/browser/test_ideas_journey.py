"""Ideas in a real browser: post with a similar-idea hint and an image, vote, comment, follow.

Two members, each in their own browser context, signed in by a session cookie made with
`Client.force_login` (the login form itself is covered by test_signup_journey.py).
The French catalogue may still lack some strings, so visible texts are matched by
regexes that accept the French translation or the English msgid.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.test import Client
from PIL import Image
from playwright.sync_api import expect

from community.services import community_create
from ideas.models import Comment, Follow, Vote
from ideas.services import idea_set_status
from tests.factories import UserFactory, make_idea

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIFI_TITLE = "Du Wi-Fi stable dans tous les trains"
NEW_TITLE = "Le wifi dans les trains"
NO_RELOAD = "window.__marker"
IDEA_URL = re.compile(r"/ideas/\d+-[\w-]+/$")

TITLE_LABEL = re.compile(r"^(Titre|Title)$")
BODY_LABEL = re.compile(r"^Description$")
TAGS_LABEL = re.compile(r"^(Mots-clés|Étiquettes|Tags)$")
COMMENT_LABEL = re.compile(r"^(Votre commentaire|Your comment)$")
COMMENT_BUTTON = re.compile(r"^(Commenter|Publier le commentaire|Comment)$")
FOLLOW_BUTTON = re.compile(r"^(Suivre|Follow)$")
FOLLOWING_TEXT = re.compile(r"^(Abonnée?|Suivie?|Following)$")


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def rail_horizon(db):
    return community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)


@pytest.fixture
def wifi_idea(rail_horizon):
    """Posted earlier by someone else, and already planned (so the roadmap has a card)."""
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
    context = browser.new_context(locale="fr-FR", viewport={"width": 1200, "height": 900}, **options)
    context.add_cookies([session_cookie(live_server, user)])
    context.set_default_timeout(10_000)
    return context


def sign_in(page, live_server, user) -> None:
    page.context.add_cookies([session_cookie(live_server, user)])
    page.set_default_timeout(10_000)


def mark_page(page) -> None:
    """Set a marker that any page load would wipe out."""
    page.evaluate(f"{NO_RELOAD} = 'still here'")


def assert_not_reloaded(page, url: str) -> None:
    assert page.url == url
    assert page.evaluate(NO_RELOAD) == "still here"


def write_png(path):
    image = Image.new("RGB", (320, 200), "#0b3d6e")
    image.paste(Image.new("RGB", (160, 100), "#f2a900"), (80, 50))
    image.save(path, format="PNG")
    return path


def test_members_post_vote_comment_and_follow_ideas(
    page, browser, live_server, output_dir, tmp_path, media_root, rail_horizon, wifi_idea
):
    alice = UserFactory(username="alice", display_name="Alice Navetteuse")
    bruno = UserFactory(username="bruno", display_name="Bruno Cheminot")
    sign_in(page, live_server, alice)

    # 1. Typing a title suggests the idea that already exists.
    page.goto(live_server.url + "/ideas/new/")
    similar = page.locator("[data-similar-results]")
    expect(similar).to_be_hidden()
    page.get_by_label(TITLE_LABEL).press_sequentially(NEW_TITLE, delay=15)
    expect(similar).to_be_visible()
    suggestion = similar.get_by_role("link", name=WIFI_TITLE)
    expect(suggestion).to_be_visible()
    assert suggestion.get_attribute("href") == wifi_idea.get_absolute_url()

    # 2. Alice posts her idea anyway, with tags and an image.
    page.get_by_label(BODY_LABEL).fill("Un **vrai** Wi-Fi, même dans les TER, pour travailler en route.")
    page.get_by_label(TAGS_LABEL).fill("wifi, connexion")
    page.locator("input[type=file][name=images]").set_input_files(str(write_png(tmp_path / "quai.png")))
    page.locator("main form[enctype='multipart/form-data'] button[type=submit]").click()
    page.wait_for_url(IDEA_URL)
    idea_url = page.url
    expect(page.locator("h1")).to_have_text(NEW_TITLE)
    expect(page.locator(".idea__body strong")).to_have_text("vrai")  # Markdown rendered
    expect(page.locator(".idea > ul.tags li")).to_have_text(["#wifi", "#connexion"])
    image = page.locator(".idea__images img")
    expect(image).to_have_count(1)
    assert image.get_attribute("src").startswith(django_settings.MEDIA_URL)
    assert any(media_root.rglob("*.png")), "the upload was not stored under MEDIA_ROOT"
    # The live server serves MEDIA_ROOT (Django's _MediaFilesHandler), so the image must load:
    # the thumbnail made by the (eager) task, linking to the stored original.
    image.scroll_into_view_if_needed()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=image.element_handle())
    original = page.request.get(live_server.url + page.locator(".idea__images a").get_attribute("href"))
    assert original.ok
    assert original.headers["content-type"] == "image/png"

    # 3. Bruno, in his own browser, votes and comments without a page load.
    bruno_context = signed_in_context(browser, live_server, bruno)
    try:
        page_b = bruno_context.new_page()
        page_b.goto(idea_url)
        mark_page(page_b)
        vote_form = page_b.locator(".idea__head [data-vote-form]")
        vote_button = vote_form.locator("button")
        vote_count = vote_form.locator("[data-vote-count]")
        expect(vote_count).to_have_text("0")
        expect(vote_button).to_have_attribute("aria-pressed", "false")
        vote_button.click()
        expect(vote_count).to_have_text("1")
        expect(vote_button).to_have_attribute("aria-pressed", "true")
        expect(vote_button).to_be_enabled()
        assert_not_reloaded(page_b, idea_url)

        comments = page_b.locator("[data-comment-list] > li")
        expect(comments).to_have_count(0)
        comment_text = "Oui ! Surtout entre Lyon et Grenoble, où le réseau disparaît."
        page_b.get_by_label(COMMENT_LABEL).fill(comment_text)
        page_b.get_by_role("button", name=COMMENT_BUTTON).click()
        expect(comments).to_have_count(1)
        expect(comments.first.locator(".comment__body")).to_have_text(comment_text)
        expect(comments.first.locator(".comment__meta strong")).to_have_text("Bruno Cheminot")
        expect(page_b.get_by_label(COMMENT_LABEL)).to_have_value("")  # the form was reset
        assert_not_reloaded(page_b, idea_url)

        page_b.reload()
        assert page_b.evaluate(NO_RELOAD) is None  # the marker does go away on a real load
        expect(vote_count).to_have_text("1")
        expect(vote_button).to_have_attribute("aria-pressed", "true")
        expect(comments).to_have_count(1)
        expect(comments.first.locator(".comment__body")).to_have_text(comment_text)
    finally:
        bruno_context.close()
    assert Vote.objects.filter(user=bruno, value=1).count() == 1
    assert Comment.objects.filter(author=bruno).count() == 1

    # 4. Alice follows the Wi-Fi idea she was pointed to, without a page load.
    page.goto(live_server.url + wifi_idea.get_absolute_url())
    wifi_url = page.url
    mark_page(page)
    follow_form = page.locator("[data-follow-form]")
    follow_button = follow_form.locator("button")
    followers = follow_form.locator("[data-followers-count]")
    expect(followers).to_have_text("1")  # its author
    expect(follow_button).to_have_attribute("aria-pressed", "false")
    page.get_by_role("button", name=FOLLOW_BUTTON).click()
    expect(followers).to_have_text("2")
    expect(follow_button).to_have_attribute("aria-pressed", "true")
    expect(follow_button).to_have_text(FOLLOWING_TEXT)
    assert_not_reloaded(page, wifi_url)
    assert Follow.objects.filter(idea=wifi_idea, user=alice).exists()

    # 5. Screenshots for people to look at.
    shots = {
        "ideas-home.png": "/",
        "ideas-list.png": "/ideas/",
        "ideas-detail.png": idea_url.removeprefix(live_server.url),
        "ideas-roadmap.png": "/roadmap/",
    }
    for name, path in shots.items():
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        page.screenshot(path=str(output_dir / name), full_page=True)
    for name in shots:
        assert (output_dir / name).stat().st_size > 10_000, name


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
