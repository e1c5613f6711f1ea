"""The Content-Security-Policy in a real browser: no page, and no enhancement of a page,
does anything the policy blocks (config/csp.py).

Chromium fires `securitypolicyviolation` on the document for whatever it refuses (an inline
script or style, a handler attribute, eval, a fetch or form elsewhere); an init script
records them in the page, and each step checks that none happened. Walked as a visitor, as
a member who posts an idea, votes, comments and replies (the JavaScript enhancements must
still work), and as a moderator in the admin (index, changelists, the queue, an item page
and its decision buttons). Screenshots show the brand's colours still applied.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from community.models import Membership, ModerationItem, Role
from community.models.moderation import ItemState
from community.moderation.services import rule_for
from community.services import community_create
from ideas.services import comment_create, idea_create, idea_set_status
from tests.factories import PASSWORD, UserFactory, login_with_mfa

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""
PRIMARY = "#0c7c59"  # rgb(12, 124, 89)


def watched(context):
    """A page of `context` that records CSP violations and console errors about policies."""
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and re.search(r"Content Security Policy|Permissions-Policy|Permissions policy", message.text)
            and page.console_errors.append(message.text)
        ),
    )
    return page


def assert_no_violation(page, where: str) -> None:
    page.wait_for_load_state("load")
    violations = page.evaluate("window.__cspViolations")
    assert violations == [] and page.console_errors == [], f"{where}: {violations} {page.console_errors}"


def visit(page, url: str) -> None:
    response = page.goto(url)
    assert response.status < 400 or response.status == 404, f"{response.status} at {url}"
    assert_no_violation(page, url)


def session_context(browser, live_server, user, *, second_factor: bool = False):
    client = Client()
    if second_factor:
        login_with_mfa(client, user)
    else:
        client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": live_server.url}])
    return context


@pytest.fixture
def rail_horizon(db, settings):
    settings.MODERATION_SPAM_CHECK_URL = ""
    community = community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)
    community.primary_color = PRIMARY
    community.save()
    return community


@pytest.fixture
def wifi_idea(rail_horizon):
    claire = UserFactory(username="claire", display_name="Claire Contrôleuse")
    idea = idea_create(community=rail_horizon, author=claire, title="Du Wi-Fi stable dans tous les trains", body="Oui.")
    idea_set_status(idea=idea, status=rail_horizon.statuses.get(slug="planned"), user=None)
    comment_create(idea=idea, author=claire, body="Le réseau coupe dans les tunnels.")
    return idea


def test_a_visitor_meets_no_violation(browser, live_server, wifi_idea, output_dir):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = watched(context)
    try:
        for path in (
            "/",
            "/ideas/",
            "/ideas/",  # the second time from the page cache
            wifi_idea.get_absolute_url(),
            "/roadmap/",
            "/leaderboard/",
            "/u/claire/",
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password/reset/",
            "/nothing-here/",
        ):
            visit(page, live_server.url + path)
        page.goto(live_server.url + "/u/claire/")
        initials = page.locator(".avatar--initials").first
        expect(initials).to_have_css("width", "96px")  # data-size, no inline style
        expect(initials).not_to_have_css("background-color", "rgba(0, 0, 0, 0)")
        page.screenshot(path=str(output_dir / "csp-visitor-member-page.png"))
        page.goto(live_server.url + wifi_idea.get_absolute_url())
        # The brand's colours still reach the page, through /theme.css.
        expect(page.locator(".site-header")).to_have_css("background-color", "rgb(12, 124, 89)")
        expect(page.locator(".idea__head .badge").first).not_to_have_css("background-color", "rgba(0, 0, 0, 0)")
        page.screenshot(path=str(output_dir / "csp-visitor-idea.png"), full_page=True)
        page.get_by_label("Langue").select_option("en")  # submits on change (static/js/site.js)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert_no_violation(page, "language switch")
    finally:
        context.close()


def test_a_member_posts_votes_and_comments_with_no_violation(browser, live_server, wifi_idea, output_dir):
    member = UserFactory(username="lea", display_name="Léa")
    context = session_context(browser, live_server, member)
    page = watched(context)
    try:
        for path in ("/", "/notifications/", "/notifications/preferences/", "/accounts/profile/", "/u/lea/"):
            visit(page, live_server.url + path)

        page.goto(live_server.url + "/ideas/new/")
        page.get_by_label("Titre").press_sequentially("Du Wi-Fi dans les trains de nuit", delay=10)
        expect(page.locator("[data-similar-results]")).to_be_visible()  # fetch() from static/js/ideas.js
        page.get_by_label("Description").fill("Pour travailler **la nuit**.")
        page.get_by_role("button", name="Publier l’idée").click()
        expect(page.locator("h1")).to_have_text("Du Wi-Fi dans les trains de nuit")
        assert_no_violation(page, "posting an idea")

        page.goto(live_server.url + wifi_idea.get_absolute_url())
        vote = page.locator(".idea__head [data-vote-form]")
        vote.locator("button").click()
        expect(vote.locator("[data-vote-count]")).to_have_text("1")
        page.get_by_label("Votre commentaire").fill("Et des prises électriques aussi.")
        page.get_by_role("button", name="Commenter").click()
        expect(page.locator("[data-comment-list] > li")).to_have_count(2)
        first = page.locator("[data-comment-list] > li").first
        first.locator("details.reply summary").click()
        first.get_by_label("Votre réponse").fill("D’accord avec vous.")
        first.locator("details.reply").get_by_role("button", name="Répondre").click()
        expect(first.get_by_text("D’accord avec vous.")).to_be_visible()
        assert_no_violation(page, "vote, comment and reply in place")
        page.screenshot(path=str(output_dir / "csp-member-idea.png"), full_page=True)
    finally:
        context.close()


def test_a_moderator_uses_the_admin_with_no_violation(browser, live_server, rail_horizon, wifi_idea, output_dir):
    rule = rule_for(rail_horizon)
    rule.banned_words = "arnaque"
    rule.save()
    camille = UserFactory(username="camille", display_name="Camille")
    held = idea_create(community=rail_horizon, author=camille, title="Une arnaque à la gare", body="Vraiment.")
    item = ModerationItem.objects.get(idea=held)
    assert item.state == ItemState.HELD
    moderator = UserFactory(username="marc", display_name="Marc", is_staff=True)
    Membership.objects.create(community=rail_horizon, user=moderator, role=Role.ADMIN)
    context = session_context(browser, live_server, moderator, second_factor=True)
    page = watched(context)
    try:
        for path in (
            "/admin/",
            "/admin/community/moderationitem/",
            "/admin/ideas/idea/",
            f"/admin/ideas/idea/{wifi_idea.pk}/change/",
            "/admin/ideas/comment/",
            f"/admin/community/community/{rail_horizon.pk}/change/",
            "/admin/community/status/",
            "/admin/accounts/pointevent/",  # a date hierarchy
            "/manage/",
        ):
            visit(page, live_server.url + path)
        page.goto(live_server.url + "/admin/")
        # Django's warning colour (#ffc), applied by static/css/admin.css: a file, no inline style.
        expect(page.locator(".moderation-waiting")).to_have_css("background-color", "rgb(255, 255, 204)")
        page.goto(live_server.url + "/admin/community/moderationitem/")
        page.locator("#result_list tbody tr").filter(has_text="Une arnaque à la gare").locator("a").first.click()
        expect(page.locator(".moderation-preview")).to_contain_text("Vraiment.")
        assert_no_violation(page, "the item page")
        page.screenshot(path=str(output_dir / "csp-admin-item.png"), full_page=True)
        page.get_by_role("button", name="Approuver", exact=True).click()
        page.wait_for_url(re.compile(r"/admin/community/moderationitem/$"))
        assert_no_violation(page, "after a decision")
    finally:
        context.close()
    item.refresh_from_db()
    assert item.state == ItemState.APPROVED


def test_staff_set_up_their_second_factor_with_no_violation(browser, live_server, rail_horizon):
    staff = UserFactory(username="nina", is_staff=True)
    Membership.objects.create(community=rail_horizon, user=staff, role=Role.MODERATOR)
    context = session_context(browser, live_server, staff)
    page = watched(context)
    try:
        visit(page, live_server.url + "/admin/")  # sent to set up a second factor first
        assert "/accounts/2fa/" in page.url
        visit(page, live_server.url + "/accounts/2fa/totp/activate/")  # asks for the password again
        page.locator("main form [name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page.locator(".totp-qr svg")).to_be_visible()  # the QR code, inline SVG
        assert_no_violation(page, "the authenticator app's activation")
    finally:
        context.close()
