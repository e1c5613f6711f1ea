"""A member who uses only the keyboard (Tab, Shift+Tab, Enter, Space and typing): skips to the
content, reaches "Proposer une idée" in the header, posts an idea, is told it is posted, goes
to the list and votes. At every key the element reached must be on screen and show a focus
indicator it did not have before (tests/browser/focus.js compares its outline and
box-shadow with how it looked unfocused)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from community.models import Membership, Role
from community.services import community_create
from ideas.models import Idea, Vote
from tests.browser.focus import press
from tests.factories import UserFactory, make_idea

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Des prises électriques à chaque place"
BODY = "Pour travailler pendant tout le trajet, même sur les lignes régionales."


@pytest.fixture
def member(db):
    community = community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)
    someone = UserFactory(username="claire")
    for title in ("Du Wi-Fi stable dans tous les trains", "Plus de bancs sur les quais"):
        make_idea(community, someone, title=title, body="Pour tous les voyageurs.")
    member = UserFactory(username="camille", display_name="Camille")
    # Trusted: the idea is public at once, so the confirmation is the success toast.
    Membership.objects.create(community=community, user=member, role=Role.MEMBER, trusted_at=timezone.now())
    return member


def keyboard_page(browser, live_server, user):
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    # Reduced motion: the ring is measured as it ends up, not 0.15 s into its transition.
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, reduced_motion="reduce")
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": live_server.url}])
    context.set_default_timeout(15_000)
    return context.new_page()


def step(page, key: str) -> dict:
    """One key; the element it reached is on screen with a visible focus indicator."""
    reached = press(page, key)
    assert reached is not None, f"{key} left the focus nowhere"
    assert reached["inView"], f"{key} reached {reached['element']}, which is off screen"
    assert reached["ring"], f"{key} reached {reached['element']}, which shows no focus indicator"
    return reached


def tab_to(page, wanted, *, key: str = "Tab", limit: int = 60) -> dict:
    """Press `key` until the focused element matches `wanted` (a regex on its text or its
    description), checking each element passed on the way."""
    for _ in range(limit):
        reached = step(page, key)
        if re.search(wanted, reached["text"]) or re.search(wanted, reached["element"]):
            return reached
    raise AssertionError(f"{limit} × {key} never reached {wanted.pattern}")


def test_a_member_posts_and_votes_with_the_keyboard_only(browser, live_server, member):
    page = keyboard_page(browser, live_server, member)
    try:
        page.goto(live_server.url + "/")

        # The first Tab shows the skip link; Enter moves the focus to the content.
        skip = step(page, "Tab")
        assert re.search(r"^(Aller au contenu|Skip to content)", skip["text"]), skip
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"

        # Back into the header (Shift+Tab from the content), to "Proposer une idée".
        tab_to(page, re.compile(r"^(Proposer une idée|Post an idea)$"), key="Shift+Tab")
        page.keyboard.press("Enter")
        page.wait_for_url("**/ideas/new/")

        # Skip to the form, then its fields, typing as a person does.
        step(page, "Tab")
        page.keyboard.press("Enter")
        tab_to(page, re.compile(r"#id_title\b"))
        page.keyboard.type(TITLE)
        tab_to(page, re.compile(r"#id_body\b"))
        page.keyboard.type(BODY)
        tab_to(page, re.compile(r"^(Publier l’idée|Post the idea)$"))
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/ideas/\d+-"))
        expect(page.locator(".toast--success")).to_contain_text(re.compile(r"(publiée|posted)"))
        assert Idea.objects.filter(title=TITLE, author=member).exists()

        # The skip link's #main came along through the redirect: the focus starts on the
        # content. Back to the header's navigation (Shift+Tab), to the list, then to the
        # first idea not voted for yet.
        assert page.evaluate("document.activeElement.id") == "main"
        tab_to(page, re.compile(r"^(Idées|Ideas)$"), key="Shift+Tab")
        page.keyboard.press("Enter")
        page.wait_for_url("**/ideas/")
        tab_to(page, re.compile(r"^button\.vote__button[^“]*“[^”]*(Voter pour cette idée|Vote for this idea)”$"))
        voted_for = page.evaluate("document.activeElement.closest('article').querySelector('h2, h3').textContent")
        page.keyboard.press("Space")
        expect(page.locator(".vote__button:focus")).to_have_attribute("aria-pressed", "true")
        assert Vote.objects.filter(user=member, idea__title=voted_for.strip()).exists(), voted_for
    finally:
        page.context.close()
