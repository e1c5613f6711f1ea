"""The API's reference page in a real browser: Swagger UI from our own static files renders
every operation of /api/v1/schema/, under the site's CSP, with no violation."""

from __future__ import annotations

import pytest

from community.services import community_create
from tests.browser.test_csp import assert_no_violation, watched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def community(db):
    return community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)


def test_the_api_reference_loads_from_our_files_without_violation(browser, live_server, community, output_dir):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = watched(context)
    foreign = []
    page.on("request", lambda request: request.url.startswith(live_server.url) or foreign.append(request.url))
    try:
        response = page.goto(f"{live_server.url}/api/v1/docs/")
        assert response.status == 200
        page.locator(".opblock").first.wait_for()
        assert page.locator(".opblock").count() >= 25
        assert page.locator(".opblock-summary-path", has_text="/api/v1/ideas").count() >= 1
        # Open the list operation and its form: its selects draw Swagger UI's data: icon.
        page.locator(".opblock-summary", has_text="List ideas").first.click()
        page.get_by_role("button", name="Try it out").first.click()
        page.locator(".opblock-body select").first.wait_for()
        page.screenshot(path=output_dir / "api-docs.png", full_page=False)
        assert_no_violation(page, "/api/v1/docs/")
        assert foreign == [], f"requests elsewhere than this site: {foreign}"
    finally:
        context.close()
