"""Headless Debian chromium driven by Playwright; never a downloaded browser."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts.mfa import mfa_required_for
from tests.factories import PASSWORD, login_with_mfa, totp_code

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium).")
    # Playwright's sync API runs an event loop in this thread; Django would then refuse
    # ORM calls made by the test itself (live_server runs in its own thread).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def signed_in_page(browser, live_server, user):
    """A page in a browser context of its own, signed in as `user` (staff with their second
    factor, as they must sign in: accounts.mfa)."""
    client = Client()
    if mfa_required_for(user):
        login_with_mfa(client, user)
    else:
        client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": live_server.url}])
    context.set_default_timeout(15_000)
    return context.new_page()


def sign_in_through_the_form(page, live_server, user, *, next_url: str = "/admin/", totp_secret: str | None = None):
    """Sign in as a person does: the site's form, then the authenticator app's code when
    the account has one (`tests.factories.totp_enrol` gives the secret)."""
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("input[name=login]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form [type=submit]").first.click()
    if totp_secret is not None:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        page.fill("input[name=code]", totp_code(totp_secret))
        page.locator("main form [type=submit]").first.click()
