"""A newcomer's first visit, in a real browser: sign up, verify, sign in, see their name."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from community.services import community_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "un-mot-de-passe-solide"
PASSWORD_LABEL = re.compile(r"^Mot de passe\W*$")  # not "Mot de passe (confirmation)"


def test_a_newcomer_signs_up_verifies_and_signs_in(page, live_server, output_dir):
    community_create(
        name="Lab Rail Horizon",
        slug="rail-horizon",
        is_default=True,
        tagline="Vos idées pour voyager mieux",
        primary_color="#0b3d6e",
        accent_color="#f2a900",
    )

    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Lab Rail Horizon"
    header_colour = page.locator(".site-header").evaluate("element => getComputedStyle(element).backgroundColor")
    assert header_colour == "rgb(11, 61, 110)"  # the brand's primary colour

    page.get_by_role("link", name="S’inscrire").first.click()
    page.get_by_label("Courriel").fill("camille@example.test")
    page.get_by_label("Nom d’utilisateur").fill("camille")
    page.get_by_label("Nom affiché").fill("Camille Voyageuse")
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_label("Mot de passe (confirmation)").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))

    [message] = mail.outbox
    confirm_url = re.search(r"https?://\S+", message.body).group(0)
    page.goto(confirm_url)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))

    page.get_by_label("Identifiant").fill("camille@example.test")
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(live_server.url + "/")

    assert page.get_by_test_id("current-user").inner_text() == "Camille Voyageuse"
    page.screenshot(path=str(output_dir / "signup-journey.png"), full_page=True)
    assert (output_dir / "signup-journey.png").stat().st_size > 10_000


def test_the_language_switch_works_in_the_browser(page, live_server):
    community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_label("Langue").select_option("en")  # submits on change (static/js/site.js)
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.get_by_role("link", name="Sign up").first.is_visible()


def test_keyboard_users_get_a_skip_link_and_a_visible_focus(page, live_server):
    community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True, accent_color="#f2a900")
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
