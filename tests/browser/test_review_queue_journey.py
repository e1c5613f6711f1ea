"""The review queue in a real browser, on a phone: decide with the keyboard, the next card
comes in place; reject one with a reason template. Screenshots at 390 and 1280 px, light
and dark, into $TEST_OUTPUT/screens/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from community.models import Membership, ModerationDecision, ModerationItem, ReasonTemplate, Role
from community.models.moderation import ItemState, Outcome
from community.moderation.services import rule_for
from community.services import community_create
from ideas.services import comment_create, idea_create
from tests.browser.conftest import signed_in_page
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_moderator_works_the_review_queue_on_a_phone(browser, live_server, output_dir, settings):
    settings.MODERATION_SPAM_CHECK_URL = ""
    settings.REVIEW_PAGE_SIZE = 2
    community = community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)
    community.primary_color = "#7a1f4e"
    community.save()
    rule = rule_for(community)
    rule.banned_words = "arnaque"
    rule.save()
    ReasonTemplate.objects.create(community=community, label="Hors charte", message="Merci de relire la charte.")
    camille = UserFactory(username="camille", display_name="Camille")
    alice = UserFactory(username="alice", display_name="Alice")
    moderator = UserFactory(username="marc", display_name="Marc", is_staff=True)
    Membership.objects.create(community=community, user=moderator, role=Role.MODERATOR)
    first = idea_create(community=community, author=camille, title="Une arnaque à la gare", body="Vraiment **?**")
    public = idea_create(community=community, author=alice, title="Du Wi-Fi dans le train", body="Stable.")
    parent = comment_create(idea=public, author=alice, body="Le réseau coupe dans les tunnels.")
    second = comment_create(idea=public, author=camille, body="Cette arnaque de Wi-Fi !", parent=parent)
    third = idea_create(community=community, author=alice, title="Encore une arnaque", body="Des retards.")
    items = [ModerationItem.objects.get(idea=first), ModerationItem.objects.get(comment=second)]
    items.append(ModerationItem.objects.get(idea=third))
    assert all(item.state == ItemState.HELD for item in items)

    page = signed_in_page(browser, live_server, moderator)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/admin/")
    page.get_by_role("link", name="3 éléments en attente de modération").click()
    cards = page.locator("[data-card]")
    expect(cards.first).to_contain_text("Une arnaque à la gare")
    expect(page.locator("[data-waiting-count]")).to_contain_text("3 éléments en attente")
    screens = output_dir / "screens"
    screens.mkdir(exist_ok=True)
    page.screenshot(path=str(screens / "review-queue-390-light.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    box = page.get_by_role("button", name="Approuver a", exact=True).first.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44

    # "a" approves the current card; the next one slides up, the third comes in below.
    page.keyboard.press("a")
    expect(page.locator("[data-review-status]")).to_contain_text("Approuvé")
    expect(page.locator(f"#card-{items[0].pk}")).to_have_count(0)
    expect(page.locator(f"#card-{items[2].pk}")).to_be_visible()
    expect(page.locator(f"#card-{items[1].pk}")).to_have_class("review-card is-current")
    expect(page.locator(f"#card-{items[1].pk}")).to_contain_text("Le réseau coupe dans les tunnels.")

    # Reject the comment with a reason template (it fills the message, still editable).
    card = page.locator(f"#card-{items[1].pk}")
    card.locator("select[name=template]").select_option(label="Hors charte")
    expect(card.locator("textarea[name=message]")).to_have_value("Merci de relire la charte.")
    card.get_by_role("button", name="Refuser r").click()
    expect(page.locator(f"#card-{items[1].pk}")).to_have_count(0)
    expect(page.locator("[data-waiting-count]")).to_contain_text("1 élément en attente")

    page.emulate_media(color_scheme="dark")
    page.screenshot(path=str(screens / "review-queue-390-dark.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(screens / "review-queue-1280-dark.png"), full_page=True)
    page.emulate_media(color_scheme="light")
    page.screenshot(path=str(screens / "review-queue-1280-light.png"), full_page=True)
    page.goto(live_server.url + "/admin/")
    page.screenshot(path=str(screens / "admin-index-1280-light.png"))

    decisions = ModerationDecision.objects.filter(automatic=False).order_by("created_at")
    assert [(d.item_id, d.outcome, d.message) for d in decisions] == [
        (items[0].pk, Outcome.APPROVE, ""),
        (items[1].pk, Outcome.REJECT, "Merci de relire la charte."),
    ]
    page.context.close()
