"""The moderation item page in a real browser: read an item, decide with a button, go on.

Two held posts in one community (an idea, and a reply on a public idea) and one in
another. The moderator opens the first from the queue, reads the content, its context,
the reasons and the author's record, rejects it with a reason template, lands on the next
waiting item of the same community, approves it and is back on the queue with a message.
Screenshots at desktop and phone widths.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from playwright.sync_api import expect

from community.models import Membership, ModerationDecision, ModerationItem, ReasonTemplate, Role
from community.models.moderation import ItemState, Outcome
from community.moderation.services import rule_for
from community.services import community_create
from ideas.services import comment_create, idea_create
from tests.factories import UserFactory, login_with_mfa

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user) -> None:
    client = Client()
    login_with_mfa(client, user)
    name = django_settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": live_server.url}])


def test_a_moderator_works_through_the_queue_from_the_item_pages(page, live_server, output_dir, settings):
    settings.MODERATION_SPAM_CHECK_URL = ""
    community = community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)
    other = community_create(name="Autre marque", slug="autre")
    for brand in (community, other):
        rule = rule_for(brand)
        rule.banned_words = "arnaque"
        rule.save()
    ReasonTemplate.objects.create(community=community, label="Hors charte", message="Merci de relire la charte.")
    camille = UserFactory(username="camille", display_name="Camille")
    alice = UserFactory(username="alice", display_name="Alice")
    moderator = UserFactory(username="marc", display_name="Marc", is_staff=True)
    Membership.objects.create(community=community, user=moderator, role=Role.MODERATOR)

    held_idea = idea_create(community=community, author=camille, title="Une arnaque à la gare", body="Vraiment.")
    public = idea_create(community=community, author=alice, title="Du Wi-Fi dans le train", body="Stable.")
    parent = comment_create(idea=public, author=alice, body="Le réseau coupe dans les tunnels.")
    reply = comment_create(idea=public, author=camille, body="Cette **arnaque** de Wi-Fi !", parent=parent)
    idea_create(community=other, author=UserFactory(), title="Une arnaque ailleurs", body="Ailleurs.")
    first, second = ModerationItem.objects.get(idea=held_idea), ModerationItem.objects.get(comment=reply)
    assert first.state == second.state == ItemState.HELD

    sign_in(page, live_server, moderator)
    page.goto(live_server.url + "/admin/community/moderationitem/")
    page.locator("#result_list tbody tr").filter(has_text="Une arnaque à la gare").locator("a").first.click()

    # The item page: the content, why it waits, the author.
    expect(page.locator("h1")).to_contain_text("Idée de Camille : « Une arnaque à la gare »")
    expect(page.locator(".moderation-preview")).to_contain_text("Vraiment.")
    expect(page.locator("#content-main")).to_contain_text("Mots interdits")
    expect(page.locator("#content-main")).to_contain_text("Camille (camille)")
    page.screenshot(path=str(output_dir / "moderation-item-idea.png"), full_page=True)

    # Reject with a reason template: on to the next item of the same community.
    page.locator("select[name=template]").select_option(label="Hors charte")
    page.get_by_role("button", name="Refuser").click()
    expect(page.locator(".messagelist")).to_contain_text("Refusé : Idée de Camille")
    expect(page.locator("h1")).to_contain_text("Commentaire de Camille sur « Du Wi-Fi dans le train »")
    expect(page.locator(".moderation-parent")).to_contain_text("Le réseau coupe dans les tunnels.")
    expect(page.locator("#content-main")).to_contain_text("Refusé : Idée de Camille")  # the earlier decision
    page.screenshot(path=str(output_dir / "moderation-item-comment.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(output_dir / "moderation-item-comment-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1200, "height": 900})

    # Approve the last one of this community: back to the queue, with a message.
    page.get_by_role("button", name="Approuver", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/community/moderationitem/$"))
    expect(page.locator(".messagelist")).to_contain_text("Plus rien n’attend dans Lab Rail Horizon.")

    decisions = ModerationDecision.objects.filter(automatic=False).order_by("created_at")
    assert [(d.item_id, d.outcome, d.message) for d in decisions] == [
        (first.pk, Outcome.REJECT, "Merci de relire la charte."),
        (second.pk, Outcome.APPROVE, ""),
    ]
    # Camille hears of both decisions (Alice, of the reply to her comment once it is public).
    assert [address for sent in mail.outbox for address in sent.to].count(camille.email) == 2
