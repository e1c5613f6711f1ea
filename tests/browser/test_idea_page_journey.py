"""A member on a phone answers a comment in place and reports another, with a reason; each
time a toast says what happened."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from community.models import Flag
from community.services import community_create
from ideas.models import Comment
from ideas.services import comment_create
from tests.browser.conftest import signed_in_page
from tests.factories import UserFactory, make_idea

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POSTED = "Votre commentaire est publié."
THANKS = "Merci. Les modérateurs examineront ce contenu s’il est aussi signalé par d’autres membres."


@pytest.fixture
def discussed_idea(db):
    community = community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)
    idea = make_idea(community, UserFactory(username="claire"), title="Des prises à chaque siège")
    comment_create(idea=idea, author=UserFactory(username="hugo", display_name="Hugo"), body="Oui, en 2de aussi !")
    comment_create(idea=idea, author=UserFactory(username="gus", display_name="Gus"), body="Achetez mes billets !")
    return idea


def test_a_member_replies_in_place_and_reports_a_comment_on_a_phone(browser, live_server, output_dir, discussed_idea):
    member = UserFactory(username="ines", display_name="Inès")
    hugo, gus = Comment.objects.filter(idea=discussed_idea).order_by("pk")
    screens = output_dir / "screens"
    screens.mkdir(parents=True, exist_ok=True)
    page = signed_in_page(browser, live_server, member)
    try:
        page.set_viewport_size({"width": 390, "height": 900})
        page.goto(live_server.url + discussed_idea.get_absolute_url())
        first = page.locator(f"#comment-{hugo.pk}")
        tools = first.locator(":scope > [data-testid=comment-tools]")
        # The toolbar on one line: reply and report only (neither the author nor a moderator).
        expect(tools.locator(".tool__button")).to_have_count(2)
        boxes = [tools.locator(".tool__button").nth(n).bounding_box() for n in range(2)]
        assert boxes[0]["y"] == boxes[1]["y"]
        assert all(box["height"] >= 24 and box["width"] >= 24 for box in boxes)

        tools.locator("details.reply summary").click()
        reply_box = first.get_by_label("Votre réponse")
        expect(reply_box).to_be_focused()
        reply_box.fill("Et des ports USB-C, s’il vous plaît.")
        page.screenshot(path=str(screens / "idea-reply-open-390.png"), full_page=True)
        tools.get_by_role("button", name="Répondre", exact=True).click()
        reply = first.locator(".comment-list--replies > .comment")
        expect(reply).to_have_count(1)
        expect(reply).to_contain_text("Et des ports USB-C")
        expect(reply).to_contain_text("Inès")
        expect(page.locator(".toast").filter(has_text=POSTED)).to_be_visible()
        assert tools.locator("details.reply").evaluate("details => !details.open")  # closed after posting
        page.goto(live_server.url + discussed_idea.get_absolute_url())  # it stays, under its parent
        expect(page.locator(f"#comment-{hugo.pk} .comment-list--replies")).to_contain_text("Et des ports USB-C")

        second = page.locator(f"#comment-{gus.pk}")
        second.locator("details.flag summary").click()
        panel = second.locator(".flag__form")
        expect(panel).to_be_visible()
        panel.get_by_label("Spam ou publicité").check()
        page.screenshot(path=str(screens / "idea-report-open-390.png"), full_page=True)
        panel.get_by_role("button", name="Envoyer aux modérateurs").click()
        expect(second.locator(".flag--done button")).to_have_text("Signalé")
        expect(page.locator(".toast").filter(has_text=THANKS)).to_be_visible()
        page.screenshot(path=str(screens / "idea-reported-390.png"), full_page=True)
    finally:
        page.context.close()
    assert Comment.objects.get(parent=hugo).author == member
    flag = Flag.objects.get(flagger=member)
    assert (flag.reason, flag.comment_id) == ("spam", gus.pk)
