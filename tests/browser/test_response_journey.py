"""Two brand managers in a real browser, in French: a response drafted, submitted,
approved by the second manager, published, and read by a follower from the notification.

The community wants a second manager's approval. Manager 1 drafts a response that moves
the idea to "planned", saves it, then submits it; manager 2 hears of it (unread count,
inbox), follows the notification to the idea, approves and publishes it; manager 1 is told
of both. Tasks are eager in these tests, so the publishing task runs when the request's
transaction commits: the page the manager is sent back to already shows the published
response. A member who followed the idea sees the unread count in the header, opens the
inbox, clicks the notification, lands on the idea and the count is gone. Each person has a
browser context of their own, signed in by a session cookie made with
`Client.force_login`. Screenshots at 1280 px, and manager 2's inbox at 390 px."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from community.models import Membership, Role
from community.services import community_create
from ideas.models import Follow, OfficialResponse, ResponseState
from notifications.models import Kind, Notification
from tests.browser.conftest import signed_in_page
from tests.factories import UserFactory, make_idea

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Des prises électriques à chaque siège"
RESPONSE = "Bonne nouvelle : les **nouvelles rames** de 2027 auront une prise par siège."
IDEA_URL = re.compile(r"/ideas/\d+-[\w-]+/(#official-response)?$")

ANSWER_SUMMARY = re.compile(r"^(Répondre officiellement|Answer officially)$")
BODY_LABEL = re.compile(r"^(Réponse officielle|Official response)$")
# The status may stay empty: its label says "(optional)".
STATUS_LABEL = re.compile(r"^(Nouveau statut|New status)( \((facultatif|optional)\))?$")
SUBMIT_BUTTON = re.compile(r"^(Soumettre pour approbation|Envoyer pour approbation|Submit for approval)$")
SAVE_BUTTON = re.compile(r"^Enregistrer le brouillon$")
DRAFT_STATE = re.compile(r"^\s*Brouillon — écrite par Wanda Rédactrice\.\s*$")
APPROVE_BUTTON = re.compile(r"^(Approuver|Approve)$")
PUBLISH_BUTTON = re.compile(r"^(Publier maintenant|Publish now)$")
FOLLOW_BUTTON = re.compile(r"^(Suivre|Follow)$")
FOLLOWING_TEXT = re.compile(r"^(Idée suivie|Abonnée?|Suivie?|Following)$")
AWAITING_STATE = re.compile(r"(attente|awaiting)", re.IGNORECASE)
APPROVED_STATE = re.compile(r"(approuvée?|approved)", re.IGNORECASE)
BRAND_BADGE = re.compile(r"(Réponse officielle|Official response)")


def test_an_approved_response_is_published_and_its_follower_reads_it(browser, live_server, output_dir):
    community = community_create(
        name="Lab Rail Horizon", slug="rail-horizon", is_default=True, response_needs_approval=True
    )
    planned = community.statuses.get(slug="planned")
    writer = UserFactory(username="wanda", display_name="Wanda Rédactrice")
    approver = UserFactory(username="paul", display_name="Paul Publieur")
    for manager in (writer, approver):
        Membership.objects.create(community=community, user=manager, role=Role.BRAND_MANAGER)
    follower = UserFactory(username="fanny", display_name="Fanny Voyageuse")
    Membership.objects.create(community=community, user=follower, role=Role.MEMBER)
    author = UserFactory(username="claire", display_name="Claire Contrôleuse")
    idea = make_idea(community, author, title=TITLE, body="Pour travailler pendant le trajet.")
    idea_url = live_server.url + idea.get_absolute_url()
    pages = []
    try:
        # 0. A member follows the idea.
        fan = signed_in_page(browser, live_server, follower)
        pages.append(fan)
        fan.goto(idea_url)
        expect(fan.locator("[data-testid=unread-count]")).to_have_count(0)
        fan.get_by_role("button", name=FOLLOW_BUTTON).click()
        expect(fan.locator("[data-follow-form] button")).to_have_text(FOLLOWING_TEXT)
        assert Follow.objects.filter(idea=idea, user=follower).exists()

        # 1. Manager 1 writes a response that plans the idea and submits it for approval.
        first = signed_in_page(browser, live_server, writer)
        pages.append(first)
        first.goto(idea_url)
        expect(first.locator("[data-testid=official-response]")).to_have_count(0)
        desk = first.locator("details.response-desk")
        desk.locator("summary").filter(has_text=ANSWER_SUMMARY).click()
        desk.get_by_label(BODY_LABEL).fill(RESPONSE)
        desk.get_by_label(STATUS_LABEL).select_option(value=str(planned.pk))
        expect(desk.get_by_role("button", name=PUBLISH_BUTTON)).to_have_count(0)  # approval comes first
        desk.get_by_role("button", name=SAVE_BUTTON).click()
        first.wait_for_url(IDEA_URL)
        desk = first.locator("details.response-desk")
        expect(desk).to_have_attribute("open", "")
        expect(desk.locator("[data-testid=response-state]")).to_have_text(DRAFT_STATE)
        expect(desk.get_by_label(BODY_LABEL)).to_have_value(RESPONSE)
        expect(desk.get_by_label(STATUS_LABEL)).to_have_value(str(planned.pk))
        assert OfficialResponse.objects.get(idea=idea).state == ResponseState.DRAFT
        assert not Notification.objects.filter(recipient=approver).exists()  # a draft is nobody's news
        first.screenshot(path=str(output_dir / "response-draft.png"), full_page=True)
        desk.get_by_role("button", name=SUBMIT_BUTTON).click()
        first.wait_for_url(IDEA_URL)
        expect(first.locator("[data-testid=response-state]")).to_contain_text(AWAITING_STATE)
        expect(first.locator("details.response-desk").get_by_role("button", name=APPROVE_BUTTON)).to_have_count(0)
        response = OfficialResponse.objects.get(idea=idea)
        assert (response.state, response.author, response.status) == (ResponseState.AWAITING_APPROVAL, writer, planned)

        # 2. Manager 2 is told (unread count, inbox, e-mail), approves it, then publishes it.
        [asked] = [message for message in mail.outbox if approver.email in message.to]
        assert TITLE in asked.subject + asked.body
        second = signed_in_page(browser, live_server, approver)
        pages.append(second)
        second.goto(live_server.url + "/")
        expect(second.get_by_test_id("unread-count")).to_contain_text("1")
        second.get_by_test_id("inbox-link").click()
        request = second.get_by_test_id("notification")
        expect(request).to_have_count(1)
        expect(request).to_contain_text(
            f"Wanda Rédactrice vous demande d’approuver sa réponse officielle sur « {TITLE} »"
        )
        second.set_viewport_size({"width": 390, "height": 844})
        second.screenshot(path=str(output_dir / "response-approval-request-390.png"), full_page=True)
        second.set_viewport_size({"width": 1280, "height": 900})
        request.get_by_role("link").first.click()
        second.wait_for_url(IDEA_URL)
        assert second.url.startswith(idea_url)
        expect(second.get_by_test_id("unread-count")).to_have_count(0)
        desk = second.locator("details.response-desk")
        expect(desk).to_have_attribute("open", "")
        expect(desk.get_by_label(BODY_LABEL)).to_have_value(RESPONSE)
        expect(desk.locator("[data-testid=response-state]")).to_contain_text("Wanda Rédactrice")
        desk.get_by_role("button", name=APPROVE_BUTTON).click()
        second.wait_for_url(IDEA_URL)
        desk = second.locator("details.response-desk")
        expect(desk.locator("[data-testid=response-state]")).to_contain_text(APPROVED_STATE)
        expect(desk.locator("[data-testid=response-state]")).to_contain_text("Paul Publieur")
        expect(desk.get_by_role("button", name=SUBMIT_BUTTON)).to_have_count(0)
        desk.get_by_role("button", name=PUBLISH_BUTTON).click()
        second.wait_for_url(IDEA_URL)

        # 3. The idea shows the brand's response, who published it and the new status.
        official = second.locator("[data-testid=official-response]")
        expect(official).to_be_visible()
        expect(official.locator(".badge--brand")).to_contain_text(BRAND_BADGE)
        expect(official.locator(".official-response__head")).to_contain_text("Paul Publieur")
        expect(official.locator(".official-response__head")).not_to_contain_text("Wanda Rédactrice")
        expect(official.locator(".official-response__head .badge").last).to_have_text(planned.name)
        expect(official.locator(".prose strong")).to_have_text("nouvelles rames")  # Markdown rendered
        expect(second.locator(".idea__head .idea-card__meta .badge")).to_have_text(planned.name)
        second.screenshot(path=str(output_dir / "response-published.png"), full_page=True)
        response.refresh_from_db()
        idea.refresh_from_db()
        assert (response.state, response.published_by, response.approved_by) == (
            ResponseState.PUBLISHED,
            approver,
            approver,
        )
        assert response.notified_at is not None
        assert idea.status == planned
        # The followers were told (the author follows their own idea); the publisher was not.
        told = set(Notification.objects.filter(key=f"response:{response.pk}").values_list("recipient", flat=True))
        assert told == {follower.pk, author.pk}
        # By e-mail: manager 2 was asked; manager 1 heard of the approval and the publication.
        received = sorted(address for message in mail.outbox for address in message.to)
        assert received == sorted([approver.email, writer.email, writer.email, follower.email, author.email])
        first.goto(live_server.url + "/notifications/")
        news = first.get_by_test_id("notification")
        expect(news).to_have_count(2)
        expect(news.nth(0)).to_contain_text(f"Votre réponse officielle sur « {TITLE} » est publiée")
        expect(news.nth(1)).to_contain_text(f"Paul Publieur a approuvé votre réponse officielle sur « {TITLE} »")

        # 4. The follower sees the unread count, opens the inbox and the notification.
        fan.goto(live_server.url + "/")
        expect(fan.locator("[data-testid=unread-count]")).to_contain_text("1")
        fan.locator("[data-testid=inbox-link]").click()
        items = fan.locator("[data-testid=notification]")
        expect(items).to_have_count(1)
        expect(items.first).to_contain_text(TITLE)
        expect(items.first).to_contain_text("Paul Publieur")
        fan.screenshot(path=str(output_dir / "response-inbox.png"), full_page=True)
        items.first.get_by_role("link", name=re.compile(re.escape(TITLE))).click()
        fan.wait_for_url(IDEA_URL)
        assert fan.url.startswith(idea_url)
        expect(fan.locator("[data-testid=official-response]")).to_contain_text("Paul Publieur")
        expect(fan.locator("details.response-desk")).to_have_count(0)  # members do not see the desk
        expect(fan.locator("[data-testid=unread-count]")).to_have_count(0)
        assert Notification.objects.get(recipient=follower, kind=Kind.RESPONSE).read_at is not None
    finally:
        for page in pages:
            page.context.close()
