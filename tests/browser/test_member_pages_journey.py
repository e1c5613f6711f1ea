"""Two members read the same pages, rendered once for both (ideas/member_pages.py): each
sees their own vote, follow and account menu, in a real browser, with and without the
page's script; a vote shows on the member's listing at once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from community.services import community_create
from tests.browser.conftest import signed_in_page
from tests.factories import UserFactory, make_idea

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ideas(db):
    community = community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)
    author = UserFactory(username="claire", display_name="Claire Contrôleuse")
    return [
        make_idea(community, author, title=title, body="Les voyageurs le demandent.")
        for title in ("Des prises dans chaque rame", "Un quai couvert à Lyon", "Des vélos dans les TER")
    ]


def card(page, idea):
    return page.locator("[data-testid=idea-card]", has=page.locator(f"#idea-{idea.pk}-title"))


def test_two_members_each_see_their_own_votes_on_the_shared_pages(browser, live_server, ideas, output_dir):
    alice = signed_in_page(browser, live_server, UserFactory(username="alice", display_name="Alice Aiguilleuse"))
    bruno = signed_in_page(browser, live_server, UserFactory(username="bruno", display_name="Bruno Bagagiste"))
    try:
        bruno.goto(live_server.url + "/ideas/")  # renders the members' shared listing
        alice.goto(live_server.url + "/ideas/")
        expect(alice.get_by_test_id("current-user")).to_have_text("Alice Aiguilleuse")
        button = card(alice, ideas[1]).locator("[data-vote-form] button")
        expect(button).to_have_attribute("aria-pressed", "false")
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
        alice.reload()  # her listing shows her vote and its count at once
        button = card(alice, ideas[1]).locator("[data-vote-form] button")
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(button.locator("[data-vote-count]")).to_have_text("1")
        alice.screenshot(path=str(output_dir / "member-pages-alice-list.png"), full_page=True)

        bruno.reload()
        expect(bruno.get_by_test_id("current-user")).to_have_text("Bruno Bagagiste")
        expect(card(bruno, ideas[1]).locator("[data-vote-form] button")).to_have_attribute("aria-pressed", "false")
        bruno.screenshot(path=str(output_dir / "member-pages-bruno-list.png"), full_page=True)

        # The idea page: Bruno renders it; Alice, who voted, sees her vote and her follow.
        bruno.goto(live_server.url + ideas[1].get_absolute_url())
        alice.goto(live_server.url + ideas[1].get_absolute_url())
        expect(alice.locator(".idea__head [data-vote-form] button")).to_have_attribute("aria-pressed", "true")
        expect(alice.locator(".follow-button")).to_have_attribute("aria-pressed", "true")
        alice.screenshot(path=str(output_dir / "member-pages-alice-idea.png"), full_page=True)
        bruno.reload()
        expect(bruno.locator(".idea__head [data-vote-form] button")).to_have_attribute("aria-pressed", "false")
        expect(bruno.locator(".follow-button")).to_have_attribute("aria-pressed", "false")
        # Bruno follows from the shared page; his page says so, Alice's is unchanged.
        bruno.locator(".follow-button").click()
        expect(bruno.locator(".follow-button")).to_have_attribute("aria-pressed", "true")
        bruno.reload()
        expect(bruno.locator(".follow-button")).to_have_attribute("aria-pressed", "true")
        expect(bruno.get_by_test_id("current-user")).to_have_text("Bruno Bagagiste")
    finally:
        alice.context.close()
        bruno.context.close()


def test_without_script_a_vote_from_a_shared_listing_works(browser, live_server, ideas):
    page = signed_in_page(browser, live_server, UserFactory(username="chloe"))
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    context.add_cookies(page.context.cookies())
    page.context.close()
    plain = context.new_page()
    other = signed_in_page(browser, live_server, UserFactory(username="denis"))
    try:
        other.goto(live_server.url + "/ideas/")  # renders the members' shared listing
        plain.goto(live_server.url + "/ideas/")
        card(plain, ideas[2]).locator("[data-vote-form] button").click()
        expect(card(plain, ideas[2]).locator("[data-vote-form] button")).to_have_attribute("aria-pressed", "true")
        expect(card(plain, ideas[2]).locator("[data-vote-count]")).to_have_text("1")
    finally:
        context.close()
        other.context.close()


def test_the_account_menu_opens_with_the_members_name_readable(browser, live_server, ideas, output_dir):
    """The menu is kept per process and filled into shared pages; open, its header names the
    member in the panel's own text colour (it inherited the site header's white, on white)."""
    alice = signed_in_page(browser, live_server, UserFactory(username="alice", display_name="Alice Aiguilleuse"))
    try:
        for path in ("/ideas/", ideas[0].get_absolute_url()):
            alice.goto(live_server.url + path)
            alice.locator("summary.user-menu__button").click()
            name = alice.locator(".user-menu .menu__header strong")
            expect(name).to_have_text("Alice Aiguilleuse")
            colours = name.evaluate(
                "element => [getComputedStyle(element).color,"
                " getComputedStyle(element.closest('.menu__panel')).backgroundColor]"
            )
            assert colours[0] != colours[1], colours
        alice.screenshot(path=str(output_dir / "member-pages-account-menu.png"))
    finally:
        alice.context.close()
