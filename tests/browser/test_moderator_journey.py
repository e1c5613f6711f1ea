"""A moderator's whole path in /admin/, in French (PRODUCT.md §4, §3 merge, sanctions).

From the admin's home to the queue; an item page; "Approve" goes on to the next waiting
item; "Reject" asks for a reason, then sends it to the author and, with nothing left, goes
back to the queue. Then a duplicate is merged into its original, picked among the likely
ones the merge form offers (a follower of each hears of it: one checks the inbox in a
browser of their own), and a member is suspended (they are told why and until when by
e-mail, until when in the inbox, and the site refuses their next post with both).
Screenshots at 1280 px, and the item page at 390 px. The item page's own details
(reason templates, context of a reply, other communities) are in
test_moderation_item_journey.py; bulk actions from the queue in test_moderation_journey.py.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from community.models import Membership, ModerationDecision, ModerationItem, Role, Sanction
from community.models.moderation import ItemState, Outcome
from community.moderation.services import rule_for
from community.services import community_create
from ideas.models import ModerationState
from ideas.services import follow_toggle, idea_create
from notifications.models import Kind, Notification
from tests.browser.conftest import signed_in_page
from tests.factories import UserFactory, make_idea

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FINE = "Le tarif vélo est une arnaque pour les abonnés"
RUDE = "Arnaque totale, vous êtes tous nuls"
ORIGINAL = "Du Wi-Fi stable dans tous les trains"
DUPLICATE = "Du Wi-Fi stable dans les TGV"
REASON = "Les attaques personnelles ne sont pas acceptées ici."
SUSPENSION_REASON = "Insultes répétées envers d’autres membres."
QUEUE = re.compile(r"/admin/community/moderationitem/$")
ITEM_PAGE = re.compile(r"/admin/community/moderationitem/(\d+)/change/$")
DESKTOP = {"width": 1280, "height": 900}


FRENCH_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def test_a_moderator_decides_merges_and_suspends(browser, live_server, output_dir, settings):
    settings.MODERATION_SPAM_CHECK_URL = ""
    community = community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)
    rule = rule_for(community)
    rule.banned_words = "arnaque"
    rule.save()
    moderator = UserFactory(username="marc", display_name="Marc Modérateur", is_staff=True)
    Membership.objects.create(community=community, user=moderator, role=Role.MODERATOR)
    camille = UserFactory(username="camille", display_name="Camille")
    troll = UserFactory(username="troll", display_name="Toto")
    claire, hugo = UserFactory(username="claire"), UserFactory(username="hugo")
    gus = UserFactory(username="gus", display_name="Gus Habitué")
    fanny = UserFactory(username="fanny", display_name="Fanny Voyageuse")
    for person in (camille, troll, claire, hugo, gus, fanny):
        Membership.objects.create(community=community, user=person, role=Role.MEMBER)

    fine = idea_create(community=community, author=camille, title=FINE, body="Dix euros le vélo, vraiment ?")
    rude = idea_create(community=community, author=troll, title=RUDE, body="Rien ne marche.")
    held = ModerationItem.objects.filter(state=ItemState.HELD).order_by("created_at")
    assert [item.idea_id for item in held] == [fine.pk, rude.pk]
    original = make_idea(community, claire, title=ORIGINAL, body="Le Wi-Fi coupe à chaque tunnel.")
    duplicate = make_idea(community, hugo, title=DUPLICATE, body="Impossible de travailler.")
    follow_toggle(idea=original, user=gus)
    follow_toggle(idea=duplicate, user=fanny)
    mail.outbox.clear()

    page = signed_in_page(browser, live_server, moderator)
    fan = signed_in_page(browser, live_server, fanny)
    suspended = signed_in_page(browser, live_server, troll)
    try:
        # 1. From the admin's home to the queue: what waits, and only that.
        page.goto(live_server.url + "/admin/")
        page.get_by_role("link", name="File de modération").first.click()
        page.wait_for_url(QUEUE)
        rows = page.locator("#result_list tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.filter(has_text=FINE)).to_have_count(1)
        expect(rows.filter(has_text=RUDE)).to_have_count(1)
        page.screenshot(path=str(output_dir / "moderator-queue-1280.png"), full_page=True)

        # 2. The first item's page; "Approve" goes on to the next waiting item.
        rows.filter(has_text=FINE).locator("a").first.click()
        page.wait_for_url(ITEM_PAGE)
        expect(page.locator("h1")).to_contain_text(f"Idée de Camille : « {FINE} »")
        expect(page.locator(".moderation-preview")).to_contain_text("Dix euros le vélo, vraiment ?")
        expect(page.locator("#content-main")).to_contain_text("Mots interdits")
        page.screenshot(path=str(output_dir / "moderator-item-1280.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(output_dir / "moderator-item-390.png"), full_page=True)
        page.set_viewport_size(DESKTOP)
        page.get_by_role("button", name="Approuver", exact=True).click()
        expect(page.locator(".messagelist")).to_contain_text(f"Approuvé : Idée de Camille : « {FINE} »")
        expect(page.locator("h1")).to_contain_text(f"Idée de Toto : « {RUDE} »")
        assert ITEM_PAGE.search(page.url).group(1) == str(held[1].pk)
        fine.refresh_from_db()
        assert fine.moderation_state == ModerationState.APPROVED
        assert [message.to for message in mail.outbox] == [[camille.email]]

        # 3. "Reject" wants a reason; with one, the author gets it, and the queue is empty.
        page.get_by_role("button", name="Refuser").click()
        expect(page.locator("#moderation-decision .errorlist")).to_contain_text("Dites pourquoi")
        assert ModerationItem.objects.get(pk=held[1].pk).state == ItemState.HELD
        page.get_by_label("Message à l’auteur").fill(REASON)
        page.get_by_role("button", name="Refuser").click()
        page.wait_for_url(QUEUE)
        expect(page.locator(".messagelist")).to_contain_text("Plus rien n’attend dans Lab Rail Horizon.")
        expect(page.locator("#result_list tbody tr")).to_have_count(0)
        rude.refresh_from_db()
        assert rude.moderation_state == ModerationState.REJECTED
        decision = ModerationDecision.objects.get(item=held[1], automatic=False)
        assert (decision.outcome, decision.decided_by, decision.message) == (Outcome.REJECT, moderator, REASON)
        [refusal] = [message for message in mail.outbox if troll.email in message.to]
        assert REASON in refusal.body

        # 4. Merge the duplicate into the original, from the ideas' list.
        mail.outbox.clear()
        page.goto(live_server.url + "/admin/ideas/idea/")
        page.locator("#result_list tbody tr").filter(has_text=DUPLICATE).locator("input[name=_selected_action]").check()
        page.locator("select[name=action]").select_option(label="Fusionner les idées sélectionnées dans une autre idée")
        page.locator("button[name=index]").click()
        expect(page.locator("#content")).to_contain_text(f"#{duplicate.pk} · {DUPLICATE}")
        # The original is offered among the likely ones (close titles); picked there.
        page.locator(f"input[name=candidate][value='{original.pk}']").check()
        page.screenshot(path=str(output_dir / "moderator-merge-1280.png"), full_page=True)
        page.get_by_role("button", name="Fusionner").click()
        expect(page.locator(".messagelist")).to_contain_text(f"1 idée fusionnée dans « {ORIGINAL} »")
        duplicate.refresh_from_db()
        assert duplicate.merged_into_id == original.pk
        told = set(Notification.objects.filter(kind=Kind.MERGE).values_list("recipient__username", flat=True))
        assert {"fanny", "gus"} <= told and "marc" not in told, told
        assert {fanny.email, gus.email} <= {address for message in mail.outbox for address in message.to}
        # Fanny, who followed the duplicate, reads it in her inbox and lands on the original.
        fan.goto(live_server.url + "/")
        expect(fan.get_by_test_id("unread-count")).to_contain_text("1")
        fan.get_by_test_id("inbox-link").click()
        news = fan.get_by_test_id("notification")
        expect(news).to_have_count(1)
        expect(news).to_contain_text(f"L’idée « {DUPLICATE} » a été fusionnée avec « {ORIGINAL} »")
        news.get_by_role("link").first.click()
        expect(fan.locator("h1")).to_have_text(ORIGINAL)
        expect(fan.locator("[data-follow-form] button")).to_have_attribute("aria-pressed", "true")  # follows it now

        # 5. Suspend the member who insulted, for a week, with a reason.
        mail.outbox.clear()
        until = timezone.localtime(timezone.now() + timedelta(days=7)).replace(hour=18, minute=0, second=0)
        page.goto(live_server.url + "/admin/community/sanction/add/")
        page.locator("select[name=community]").select_option(label="Lab Rail Horizon")
        page.get_by_label("Nom d’utilisateur").fill("troll")
        page.locator("select[name=kind]").select_option(label="Suspension")
        page.locator("input[name=until_0]").fill(until.strftime("%d/%m/%Y"))
        page.locator("input[name=until_1]").fill("18:00:00")
        page.locator("textarea[name=reason]").fill(SUSPENSION_REASON)
        page.screenshot(path=str(output_dir / "moderator-suspend-1280.png"), full_page=True)
        page.locator("input[name=_save]").click()
        page.wait_for_url(re.compile(r"/admin/community/sanction/$"))
        expect(page.locator(".messagelist")).to_be_visible()
        sanction = Sanction.objects.get(user=troll)
        assert (sanction.kind, sanction.created_by, sanction.reason) == ("suspension", moderator, SUSPENSION_REASON)
        assert timezone.localtime(sanction.until).strftime("%d/%m/%Y %H:%M") == until.strftime("%d/%m/%Y 18:00")
        [notice] = [message for message in mail.outbox if troll.email in message.to]
        assert SUSPENSION_REASON in notice.body and until.strftime("%Y") in notice.body
        # The site tells the member why and until when as they try to post; the inbox says until when.
        suspended.goto(live_server.url + "/ideas/new/")
        expect(suspended.locator("main")).to_contain_text(
            "Votre participation à cette communauté est suspendue jusqu’au "
            f"{until.day} {FRENCH_MONTHS[until.month - 1]} {until.year} à 18:00"
        )
        expect(suspended.locator("main")).to_contain_text(SUSPENSION_REASON)
        suspended.screenshot(path=str(output_dir / "suspended-member-refused-1280.png"), full_page=True)
        suspended.goto(live_server.url + "/notifications/")
        words = suspended.get_by_test_id("notification").filter(has_text="suspendu")
        expect(words).to_have_count(1)
        expect(words).to_contain_text(f"suspendu dans Lab Rail Horizon jusqu’au {until.day} ")
        expect(words).to_contain_text("à 18:00")
        suspended.screenshot(path=str(output_dir / "suspended-member-inbox-1280.png"), full_page=True)
    finally:
        for each in (page, fan, suspended):
            each.context.close()
