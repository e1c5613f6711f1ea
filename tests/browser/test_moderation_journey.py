"""Moderation in a real browser: a held idea is approved from the admin queue and goes public.

A member's idea contains a word the community bans, so the automatic check (run at once
on commit in a transactional test) holds it: it is not on the public list. A moderator
(staff, with the "moderator" role in the community) opens the queue in /admin/, ticks the
item, runs "Approve", types a message on the intermediate form and submits; the idea is
then listed and its author told by e-mail. Visible texts accept the French translation or
the English msgid, as the French catalogue may still lack them.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from playwright.sync_api import expect

from community.models import Membership, ModerationDecision, ModerationItem, Role
from community.models.moderation import ItemState, Outcome
from community.moderation.services import rule_for
from community.services import community_create
from ideas.models import ModerationState
from ideas.services import idea_create
from tests.factories import UserFactory, login_with_mfa

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Des casiers à vélos dans chaque gare"
APPROVE_LABEL = re.compile(r"^(Approuver|Approve)$")
MESSAGE = "Bonne idée, elle est publiée. Merci !"


def sign_in(page, live_server, user) -> None:
    client = Client()
    login_with_mfa(client, user)
    name = django_settings.SESSION_COOKIE_NAME
    page.context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": live_server.url}])


def listed_titles(page, live_server) -> list[str]:
    page.goto(live_server.url + "/ideas/")
    return page.locator(".idea-card__title").all_inner_texts()


def test_a_moderator_approves_a_held_idea_and_it_goes_public(page, live_server, output_dir, settings):
    settings.MODERATION_SPAM_CHECK_URL = ""
    community = community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)
    rule = rule_for(community)
    rule.banned_words = "arnaque"
    rule.save()
    author = UserFactory(username="alice", display_name="Alice Navetteuse")
    moderator = UserFactory(username="marc", display_name="Marc Modérateur", is_staff=True)
    Membership.objects.create(community=community, user=moderator, role=Role.MODERATOR)

    # A clean idea is public; the one with a banned word is held.
    idea_create(community=community, author=author, title="Des trains à l’heure", body="Simplement.")
    idea = idea_create(
        community=community,
        author=author,
        title=TITLE,
        body="Le parking actuel est une ARNAQUE : 5 € la journée pour un vélo.",
    )
    item = ModerationItem.objects.get(idea=idea)
    assert item.state == ItemState.HELD
    assert item.reason_codes() == ["banned_words"]
    titles = listed_titles(page, live_server)
    assert "Des trains à l’heure" in titles
    assert TITLE not in titles

    # The moderator finds it in the queue.
    sign_in(page, live_server, moderator)
    page.goto(live_server.url + "/admin/community/moderationitem/")
    row = page.locator("#result_list tbody tr").filter(has_text=TITLE)
    expect(row).to_have_count(1)
    expect(page.locator("#result_list tbody tr")).to_have_count(1)  # only what waits
    page.screenshot(path=str(output_dir / "moderation-queue.png"), full_page=True)
    assert (output_dir / "moderation-queue.png").stat().st_size > 10_000

    # Tick it, pick "Approve", go.
    row.locator("input[name=_selected_action]").check()
    action = page.locator("select[name=action]")
    labels = [label.strip() for label in action.locator("option").all_inner_texts()]
    approve = [label for label in labels if APPROVE_LABEL.match(label)]
    assert approve, labels
    action.select_option(label=approve[0])
    page.locator("button[name=index]").click()

    # The intermediate form: a reason template or a typed message.
    message_box = page.locator("textarea[name=message]")
    expect(message_box).to_be_visible()
    expect(page.locator("select[name=template]")).to_be_visible()
    expect(page.locator("main, #content").first).to_contain_text(TITLE)
    message_box.fill(MESSAGE)
    page.locator("#content form input[type=submit]").click()

    # Back on the queue, which no longer holds the item.
    page.wait_for_url(re.compile(r"/admin/community/moderationitem/"))
    expect(page.locator(".messagelist")).to_contain_text(re.compile(r"1"))
    expect(page.locator("#result_list tbody tr").filter(has_text=TITLE)).to_have_count(0)

    item.refresh_from_db()
    idea.refresh_from_db()
    assert item.state == ItemState.APPROVED
    assert idea.moderation_state == ModerationState.APPROVED
    decision = ModerationDecision.objects.get(item=item, automatic=False)
    assert (decision.outcome, decision.decided_by, decision.message) == (Outcome.APPROVE, moderator, MESSAGE)
    assert [sent.to for sent in mail.outbox] == [[author.email]]
    assert MESSAGE in mail.outbox[0].body

    # The idea is now on the public list, with a link to its page.
    assert TITLE in listed_titles(page, live_server)
    link = page.get_by_role("link", name=TITLE)
    expect(link).to_have_attribute("href", idea.get_absolute_url())
