"""Members' journeys with nothing broken: a vote undone at once, a visitor's vote finished
after sign-in, and a report with a reason that then says "Signalé"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from community.models import Flag
from community.services import community_create
from ideas.models import IdeaStats, Vote
from ideas.services import comment_create
from tests.browser.conftest import signed_in_page
from tests.factories import PASSWORD, UserFactory, make_idea

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Du Wi-Fi stable dans tous les trains"
THANKS = "Merci. Les modérateurs examineront ce contenu s’il est aussi signalé par d’autres membres."


@pytest.fixture
def rail_horizon(db):
    return community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)


@pytest.fixture
def wifi_idea(rail_horizon):
    author = UserFactory(username="claire", display_name="Claire Contrôleuse")
    idea = make_idea(rail_horizon, author, title=TITLE, body="Le Wi-Fi coupe à chaque tunnel.")
    comment_create(idea=idea, author=UserFactory(username="gus", display_name="Gus"), body="Achetez mes billets !")
    return idea


def votes_of(idea) -> int:
    return IdeaStats.objects.values_list("votes", flat=True).get(pk=idea.pk)


@pytest.mark.parametrize("java_script", [True, False])
def test_a_vote_undone_at_once_is_undone(browser, live_server, wifi_idea, java_script):
    voter = UserFactory(username="denise")
    page = signed_in_page(browser, live_server, voter)
    if not java_script:
        page.close()
        context = browser.new_context(locale="fr-FR", java_script_enabled=False)
        context.add_cookies(page.context.cookies())
        page = context.new_page()
    try:
        page.goto(live_server.url + wifi_idea.get_absolute_url())
        form = page.locator(".idea__head [data-vote-form]")
        button, count = form.locator("button"), form.locator("[data-vote-count]")
        button.click()
        expect(count).to_have_text("1")
        expect(button).to_have_attribute("aria-pressed", "true")
        button.click()  # changed my mind, straight away
        expect(count).to_have_text("0")
        expect(button).to_have_attribute("aria-pressed", "false")
    finally:
        page.context.close()
    assert not Vote.objects.filter(user=voter).exists()
    assert votes_of(wifi_idea) == 0


def test_a_visitor_vote_is_explained_then_cast_after_sign_in(page, live_server, output_dir, wifi_idea):
    UserFactory(username="emile")
    idea_url = live_server.url + wifi_idea.get_absolute_url()
    page.goto(idea_url)
    page.locator(".idea__head [data-vote-form] button").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    expect(page.get_by_text(f"Connectez-vous pour voter pour « {TITLE} ».")).to_be_visible()
    page.screenshot(path=str(output_dir / "visitor-vote-sign-in.png"), full_page=True)
    page.locator("main form [name=login]").fill("emile")
    page.locator("main form [name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(idea_url)
    expect(page.get_by_text(f"Votre vote pour « {TITLE} » est enregistré.")).to_be_visible()
    page.screenshot(path=str(output_dir / "visitor-vote-recorded.png"), full_page=True)
    expect(page.locator(".idea__head [data-vote-count]")).to_have_text("1")
    expect(page.locator(".idea__head [data-vote-form] button")).to_have_attribute("aria-pressed", "true")
    assert votes_of(wifi_idea) == 1


@pytest.mark.parametrize("java_script", [True, False])
def test_a_member_reports_the_idea_with_a_reason(browser, live_server, output_dir, wifi_idea, java_script):
    reporter = UserFactory(username="fanny")
    page = signed_in_page(browser, live_server, reporter)
    if not java_script:
        cookies = page.context.cookies()
        page.context.close()
        context = browser.new_context(locale="fr-FR", java_script_enabled=False)
        context.add_cookies(cookies)
        page = context.new_page()
    try:
        page.goto(live_server.url + wifi_idea.get_absolute_url())
        control = page.locator(".idea__actions details.flag")
        control.locator("summary").click()
        expect(control.get_by_text("Pourquoi le signaler ?")).to_be_visible()
        if java_script:
            for width, name in ((1280, "report-open-1280.png"), (390, "report-open-390.png")):
                page.set_viewport_size({"width": width, "height": 900})
                control.scroll_into_view_if_needed()
                page.screenshot(path=str(output_dir / name), full_page=True)
            page.set_viewport_size({"width": 1280, "height": 900})
        control.get_by_label("Hors sujet").check()
        control.get_by_label("Précisions (facultatif)").fill("Rien à voir avec les trains")
        control.get_by_role("button", name="Envoyer aux modérateurs").click()
        expect(page.get_by_text(THANKS)).to_be_visible()
        done = page.locator(".idea__actions .flag--done button")
        expect(done).to_have_text("Signalé")
        expect(done).to_be_disabled()
        if java_script:
            page.screenshot(path=str(output_dir / "report-done-1280.png"), full_page=True)
        page.reload()
        expect(page.locator(".idea__actions .flag--done button")).to_be_disabled()
        expect(page.locator(".idea__actions details.flag")).to_have_count(0)
    finally:
        page.context.close()
    flag = Flag.objects.get(flagger=reporter)
    assert (flag.reason, flag.note, flag.comment_id) == ("off_topic", "Rien à voir avec les trains", None)


def test_a_member_reports_a_comment(browser, live_server, output_dir, wifi_idea):
    reporter = UserFactory(username="gaby")
    page = signed_in_page(browser, live_server, reporter)
    try:
        page.set_viewport_size({"width": 390, "height": 900})
        page.goto(live_server.url + wifi_idea.get_absolute_url())
        comment = page.locator(".comment").first
        comment.locator("details.flag summary").click()
        comment.get_by_role("button", name="Envoyer aux modérateurs").click()  # no reason yet
        expect(comment.locator("details.flag")).to_have_count(1)  # the browser asks for one
        comment.get_by_label("Spam ou publicité").check()
        page.screenshot(path=str(output_dir / "report-comment-open-390.png"), full_page=True)
        comment.get_by_role("button", name="Envoyer aux modérateurs").click()
        expect(comment.locator(".flag--done button")).to_have_text("Signalé")
        expect(page.get_by_text(THANKS)).to_be_visible()
    finally:
        page.context.close()
    assert Flag.objects.get(flagger=reporter).reason == "spam"
