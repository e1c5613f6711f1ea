"""A member's own journey (PRODUCT.md §6, §7): the inbox (unread count, mark read), the
digest settings (a weekly digest then gathers what was sent at once before), the profile
and its avatar, the site in English and back in French, a copy of their data, and leaving.
Screenshots at 1280 px, and the inbox at 390 px."""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from community.models import Membership, Role
from community.services import community_create
from ideas.services import comment_create, idea_set_status
from notifications.models import Delivery, Kind, Notification, Preference
from notifications.tasks import weekly_digest
from tests.browser.conftest import signed_in_page
from tests.factories import UserFactory, make_idea
from tests.ideas.test_images import jpeg_with_exif

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://\S+/accounts/privacy/export/\S+/")


def test_a_member_edits_the_profile_switches_language_exports_and_leaves(
    browser, live_server, output_dir, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    community = community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)
    member = UserFactory(username="lea", display_name="")
    Membership.objects.create(community=community, user=member, role=Role.MEMBER)
    idea = make_idea(community, member, title="Des casiers à bagages surveillés")
    # News for Léa: a comment on her idea, a reply to her comment, a status change (and the
    # badge of a first idea).
    bruno = UserFactory(username="bruno", display_name="Bruno Cheminot")
    other = make_idea(community, bruno, title="Des trains de nuit vers l’Italie")
    lea_says = comment_create(idea=other, author=member, body="Oui, jusqu’à Rome !")
    comment_create(idea=idea, author=bruno, body="Avec un code, pas une clé.")
    comment_create(idea=other, author=bruno, body="Et Naples ensuite.", parent=lea_says)
    idea_set_status(idea=idea, status=community.statuses.get(slug="under-review"), user=None)
    assert Notification.objects.filter(recipient=member, read_at=None).count() == 4
    page = signed_in_page(browser, live_server, member)
    page.set_viewport_size({"width": 1280, "height": 900})
    try:
        # 0. The inbox: four unread, one marked read, then all of them.
        page.goto(live_server.url + "/")
        unread = page.get_by_test_id("unread-count")
        expect(unread).to_contain_text("4")
        page.get_by_test_id("inbox-link").click()
        items = page.get_by_test_id("notification")
        expect(items).to_have_count(4)
        expect(page.locator(".inbox__item--unread")).to_have_count(4)
        expect(items.filter(has_text="Bruno Cheminot")).to_have_count(2)
        expect(items.filter(has_text="Des casiers à bagages surveillés")).to_have_count(2)
        page.screenshot(path=str(output_dir / "member-inbox-1280.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(output_dir / "member-inbox-390.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        items.first.get_by_role("button", name="Marquer comme lue").click()
        expect(unread).to_contain_text("3")
        expect(page.locator(".inbox__item--unread")).to_have_count(3)
        page.get_by_role("button", name="Tout marquer comme lu").click()
        expect(page.locator(".inbox__item--unread")).to_have_count(0)
        expect(unread).to_have_count(0)
        assert not Notification.objects.filter(recipient=member, read_at=None).exists()

        # 0b. Digest settings: comments on my ideas in a weekly digest, not one e-mail each.
        page.get_by_role("link", name="Préférences de notification").click()
        # The settings are a grid: each radio is named by its row (the news) and its column.
        page.get_by_role("radio", name="Un commentaire sur mon idée — Résumé hebdomadaire", exact=True).check()
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_text("Préférences de notification enregistrées.")).to_be_visible()
        assert Preference.objects.get(user=member, kind=Kind.COMMENT_ON_MINE).delivery == Delivery.WEEKLY
        mail.outbox.clear()
        comment_create(idea=idea, author=bruno, body="Et une consigne pour les vélos ?")
        assert not [sent for sent in mail.outbox if member.email in sent.to]  # nothing at once
        page.goto(live_server.url + "/")
        expect(unread).to_contain_text("1")  # in the inbox all the same
        assert weekly_digest() >= 1
        [digest] = [sent for sent in mail.outbox if member.email in sent.to]
        assert "Des casiers à bagages surveillés" in digest.body

        # 1. From the header to the profile: a name, a few words, a photo.
        page.goto(live_server.url + "/")
        page.get_by_test_id("current-user").click()  # the account menu
        page.get_by_role("link", name="Mon profil").click()
        expect(page.get_by_role("heading", name="Mon profil")).to_be_visible()
        page.get_by_label("Nom affiché").fill("Léa Navetteuse")
        page.get_by_label("À propos de moi").fill("Lyon – Grenoble tous les jours.")
        page.get_by_label("Photo de profil").set_input_files(
            {"name": "moi.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_exif(size=(600, 400))}
        )
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.get_by_text("Profil enregistré.")).to_be_visible()
        expect(page.get_by_test_id("current-user")).to_have_text("Léa Navetteuse")
        page.get_by_role("link", name="Voir ma page publique").click()
        expect(page.locator("main img.avatar")).to_be_visible()
        expect(page.get_by_text("Lyon – Grenoble tous les jours.")).to_be_visible()
        expect(page.get_by_role("link", name=idea.title)).to_be_visible()
        page.screenshot(path=str(output_dir / "member-public-page.png"), full_page=True)

        # 2. In English, then back in French.
        page.select_option("#language-select", "en")
        expect(page.get_by_role("heading", name="Ideas (1)")).to_be_visible()
        page.select_option("#language-select", "fr")
        expect(page.get_by_role("heading", name="Idées (1)")).to_be_visible()

        # 3. A copy of the data, through the e-mailed link.
        page.goto(live_server.url + "/accounts/profile/")
        page.get_by_role("link", name=re.compile("Confidentialité")).click()
        mail.outbox.clear()
        page.get_by_role("button", name="Exporter mes données").click()
        expect(page.get_by_test_id("export-state")).to_be_visible()
        [message] = [sent for sent in mail.outbox if LINK.search(sent.body)]
        link = re.sub(r"^https?://[^/]+", live_server.url, LINK.search(message.body).group(0))
        with page.expect_download() as download_info:
            page.evaluate("url => { window.location.href = url; }", link)
        archive = download_info.value.path()
        with zipfile.ZipFile(archive) as exported:
            data = json.loads(exported.read("data.json"))
        text = json.dumps(data, ensure_ascii=False)
        assert "Léa Navetteuse" in text and idea.title in text

        # 4. Leaving: confirm with the username, signed out, content kept as a former member's.
        page.goto(live_server.url + "/accounts/privacy/")
        page.get_by_role("link", name="Supprimer mon compte…").click()
        page.get_by_label(re.compile("tapez votre nom d’utilisateur")).fill("lea")
        page.get_by_role("button", name="Supprimer définitivement mon compte").click()
        expect(page.get_by_text(re.compile("Votre compte est supprimé"))).to_be_visible()
        expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
        page.goto(live_server.url + idea.get_absolute_url())
        expect(page.get_by_text("Ancien membre").first).to_be_visible()
        page.screenshot(path=str(output_dir / "member-left.png"), full_page=True)
    finally:
        page.context.close()

    member.refresh_from_db()
    assert member.is_former and not member.is_active and member.email == ""
    assert not User.objects.filter(username="lea").exists()
