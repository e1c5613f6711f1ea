"""Staff and their second factor, in a real browser: a moderator without one is led from
/admin/ to set up an authenticator app and back; one who has it signs in with password and
code. The pages load no inline script (the Content-Security-Policy would block it), so the
browser reports no violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from community.models import Role
from community.services import community_create
from tests.browser.conftest import sign_in_through_the_form
from tests.factories import PASSWORD, MembershipFactory, UserFactory, totp_code, totp_enrol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def moderator(db):
    community = community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)
    user = UserFactory(username="marc", display_name="Marc Modérateur", is_staff=True)
    MembershipFactory(user=user, community=community, role=Role.MODERATOR)
    return user


def csp_violations(page) -> list[str]:
    found: list[str] = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            found.append(message.text)

    page.on("console", on_console)
    return found


def test_a_moderator_without_a_second_factor_sets_one_up_and_reaches_the_admin(
    page, live_server, moderator, output_dir
):
    violations = csp_violations(page)
    sign_in_through_the_form(page, live_server, moderator)
    # Signed in with the password only: the admin explains and leads to the setup.
    expect(page.get_by_test_id("mfa-required")).to_be_visible()
    page.get_by_role("link", name=re.compile("Configurer une application|Set up an authenticator app")).click()
    if "/reauthenticate/" in page.url:  # allauth asks for the password again before a change
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form [type=submit]").first.click()
    expect(page.locator(".totp-qr svg")).to_be_visible()
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("input[name=code]", totp_code(secret))
    page.screenshot(path=str(output_dir / "staff-mfa-setup.png"), full_page=True)
    page.locator("main form [type=submit]").first.click()

    # The recovery codes, then back to the admin.
    expect(page.locator("#recovery_codes")).to_be_visible()
    page.get_by_test_id("mfa-continue").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#site-name")).to_be_visible()
    assert violations == []


def test_a_moderator_signs_in_with_password_and_code(page, live_server, moderator):
    violations = csp_violations(page)
    _authenticator, secret = totp_enrol(moderator)
    sign_in_through_the_form(page, live_server, moderator, totp_secret=secret)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("#site-name")).to_be_visible()
    assert violations == []


def test_a_brand_manager_without_a_second_factor_is_led_to_set_one_up_before_answering(page, live_server, output_dir):
    """On the idea page the response form is replaced by a notice; its link leads to the
    setup and back to the idea, where the form is there to answer."""
    from ideas.services import idea_create

    community = community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)
    manager = UserFactory(username="wanda", display_name="Wanda Rédactrice", is_staff=True)
    MembershipFactory(user=manager, community=community, role=Role.BRAND_MANAGER)
    idea = idea_create(
        community=community,
        author=UserFactory(),
        title="Des prises électriques à chaque siège",
        body="Pour travailler.",
    )
    violations = csp_violations(page)
    sign_in_through_the_form(page, live_server, manager, next_url=idea.get_absolute_url())
    notice = page.get_by_test_id("second-factor-notice")
    expect(notice).to_be_visible()
    expect(page.locator("form.comment-form")).to_be_visible()  # commenting as a member stays
    expect(page.locator("form.response-form")).to_have_count(0)
    page.screenshot(path=str(output_dir / "staff-mfa-idea-notice-1280.png"), full_page=True)
    notice.get_by_role("link").click()
    page.get_by_role("link", name=re.compile("Configurer une application|Set up an authenticator app")).click()
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form [type=submit]").first.click()
    secret = page.locator("#authenticator_secret").input_value()
    page.fill("input[name=code]", totp_code(secret))
    page.locator("main form [type=submit]").first.click()
    page.get_by_test_id("mfa-continue").get_by_role("link").click()
    expect(page).to_have_url(re.compile(re.escape(idea.get_absolute_url()) + "$"))
    expect(page.get_by_test_id("second-factor-notice")).to_have_count(0)
    page.locator(".response-desk summary").click()
    expect(page.locator("form.response-form").first).to_be_visible()
    page.screenshot(path=str(output_dir / "staff-mfa-idea-answer-1280.png"), full_page=True)
    assert violations == []
