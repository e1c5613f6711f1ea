"""A visitor's whole path, in French, not signed in (PRODUCT.md §1, §3, §9).

Home, the list with its sorts and a filter, the roadmap, a search with and without accents (and one
that finds nothing, which offers to post the idea), an idea with its comments, a reply and
an official response, and the Atom feed: valid XML whose links are on the community's own
host, not on the address the browser used. Screenshots at 1280 px, and the idea page and
the empty search at 390 px (TEST_OUTPUT).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from playwright.sync_api import expect

from community.demo import demo_answer
from community.models import Membership, Role
from community.services import community_create
from ideas.services import comment_create, vote_toggle
from tests.factories import UserFactory, make_idea

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOMAIN = "idees.rail-horizon.test"
BOOKING = "Réserver sa place de vélo en même temps que son billet"
BOOKING_TOO = "Une réservation de groupe simplifiée"
WIFI = "Du Wi-Fi stable dans tous les trains"
SNACKS = "Des encas locaux au bar du train"
ATOM = "{http://www.w3.org/2005/Atom}"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world(db):
    community = community_create(
        name="Lab Rail Horizon",
        slug="rail-horizon",
        is_default=True,
        domain=DOMAIN,
        tagline="Vos idées pour voyager mieux",
    )
    claire = UserFactory(username="claire", display_name="Claire Contrôleuse")
    bruno = UserFactory(username="bruno", display_name="Bruno Cheminot")
    manager = UserFactory(username="marie", display_name="Marie de la Marque")
    Membership.objects.create(community=community, user=manager, role=Role.BRAND_MANAGER)
    booking = make_idea(
        community,
        claire,
        title=BOOKING,
        body="Aujourd’hui il faut appeler pour **réserver** une place de vélo.",
        tags=["vélo"],
    )
    booking_too = make_idea(community, bruno, title=BOOKING_TOO, body="Pour les classes vertes.", tags=["groupes"])
    wifi = make_idea(community, bruno, title=WIFI, body="Le Wi-Fi coupe à chaque tunnel.", tags=["wifi", "réservation"])
    snacks = make_idea(community, claire, title=SNACKS, body="Des produits de la région.")
    # The Wi-Fi idea is the most voted; the snacks idea the most discussed.
    for voter in (claire, manager, UserFactory(username="denis")):
        vote_toggle(idea=wifi, user=voter)
    first = comment_create(idea=snacks, author=bruno, body="Oui, du fromage de Savoie !")
    comment_create(idea=snacks, author=claire, body="Et des jus de pomme.", parent=first)
    comment_create(idea=snacks, author=manager, body="Nous en parlons avec les régions.")
    # The booking idea: a comment, a reply, and the brand's answer (planned).
    question = comment_create(idea=booking, author=bruno, body="Et pour les trottinettes pliées ?")
    comment_create(idea=booking, author=claire, body="Elles vont sous le siège, non ?", parent=question)
    demo_answer(booking, community.statuses.get(slug="planned"), manager)
    return {"community": community, "booking": booking, "booking_too": booking_too, "wifi": wifi, "snacks": snacks}


def card_titles(page) -> list[str]:
    return [title.strip() for title in page.locator(".idea-list .idea-card__title").all_inner_texts()]


def search(page, live_server, words: str) -> list[str]:
    page.goto(live_server.url + "/ideas/")
    page.get_by_label("Rechercher", exact=True).fill(words)
    page.get_by_label("Rechercher", exact=True).press("Enter")
    page.wait_for_url(re.compile(r"/ideas/\?"))
    return card_titles(page)


def test_a_visitor_browses_searches_reads_and_subscribes(browser, live_server, output_dir, world):
    context = browser.new_context(locale="fr-FR", viewport=DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        # 1. Home: the brand, its hot ideas, the latest official response.
        page.goto(live_server.url + "/")
        # The header names the community; the hero says what it is for (its h1), not the name again.
        expect(page.locator("h1")).to_have_text("Vos idées pour voyager mieux")
        assert "Lab Rail Horizon" not in page.locator(".hero").inner_text()
        expect(page.locator(".home-ideas .idea-card__title")).to_have_count(4)
        latest = page.get_by_test_id("latest-responses")
        expect(latest.get_by_role("link", name=BOOKING)).to_be_visible()
        expect(page.get_by_role("link", name="Rejoindre la communauté")).to_be_visible()
        page.screenshot(path=str(output_dir / "visitor-home-1280.png"), full_page=True)

        # 2. The list: its sorts, then a filter by status.
        page.get_by_role("link", name="Toutes les idées").first.click()
        page.wait_for_url(re.compile(r"/ideas/$"))
        expect(page.get_by_test_id("result-count")).to_have_text("4 idées")
        page.get_by_role("navigation", name="Trier").get_by_role("link", name="Les plus soutenues").click()
        page.wait_for_url(re.compile(r"sort=top"))
        assert card_titles(page)[0] == WIFI
        page.get_by_role("navigation", name="Trier").get_by_role("link", name="Les plus discutées").click()
        page.wait_for_url(re.compile(r"sort=discussed"))
        assert card_titles(page)[0] == SNACKS
        page.get_by_role("navigation", name="Trier").get_by_role("link", name="Nouvelles").click()
        page.wait_for_url(re.compile(r"sort=new"))
        assert card_titles(page) == [SNACKS, WIFI, BOOKING_TOO, BOOKING]
        page.get_by_label("Statut").select_option(label="Prévue")
        page.get_by_role("button", name="Appliquer").click()
        page.wait_for_url(re.compile(r"status=planned"))
        assert "sort=new" in page.url  # the filters keep the sort tab
        assert card_titles(page) == [BOOKING]
        expect(page.get_by_test_id("result-count")).to_have_text("1 idée")
        page.screenshot(path=str(output_dir / "visitor-list-filtered-1280.png"), full_page=True)

        # The roadmap: the planned idea in its column.
        page.get_by_role("link", name="Feuille de route").first.click()
        expect(page.locator("#column-planned")).to_contain_text("Prévue")
        planned = page.locator("section[aria-labelledby=column-planned] .roadmap__item")
        expect(planned).to_have_text([re.compile(re.escape(BOOKING))])
        page.screenshot(path=str(output_dir / "visitor-roadmap-1280.png"), full_page=True)

        # 3. Search: accents and case do not matter; a tag counts too.
        found = {
            words: sorted(search(page, live_server, words)) for words in ("réservation", "reservation", "RESERVATION")
        }
        assert found["réservation"] == found["reservation"] == found["RESERVATION"], found
        assert BOOKING_TOO in found["reservation"] and WIFI in found["reservation"], found  # title, tag
        expect(page.get_by_test_id("result-count")).to_contain_text("RESERVATION")
        page.screenshot(path=str(output_dir / "visitor-search-1280.png"), full_page=True)
        # Nothing found: the query is shown, with a way to post it.
        assert search(page, live_server, "téléphérique urbain") == []
        expect(page.get_by_test_id("result-count")).to_have_text("Aucune idée ne correspond à « téléphérique urbain ».")
        post = page.get_by_test_id("post-searched-idea")
        expect(post).to_be_visible()
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(output_dir / "visitor-search-empty-390.png"), full_page=True)
        page.set_viewport_size(DESKTOP)
        post.click()  # a visitor is asked to sign in first, and is then sent to the form
        expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
        after = parse_qs(urlsplit(parse_qs(urlsplit(page.url).query)["next"][0]).query)
        assert after == {"title": ["téléphérique urbain"]}

        # 4. An idea: its official response, comments and reply; no member controls.
        page.goto(live_server.url + "/ideas/?status=planned")
        page.get_by_role("link", name=BOOKING).click()
        page.wait_for_url(re.compile(r"/ideas/\d+-[\w-]+/$"))
        expect(page.locator("h1")).to_have_text(BOOKING)
        expect(page.locator(".idea__body strong")).to_have_text("réserver")
        response = page.get_by_test_id("official-response")
        # The card: the brand's name beside the "Réponse officielle" badge.
        expect(response.locator("strong").first).to_have_text("Lab Rail Horizon")
        expect(response).to_contain_text("Réponse officielle")
        expect(response).to_contain_text("Marie de la Marque")
        expect(response.locator(".status-badge, .badge").filter(has_text="Prévue")).to_have_count(1)
        expect(page.locator("#comments-title")).to_have_text("2 commentaires")
        expect(page.locator(".comment--reply .comment__body")).to_have_text("Elles vont sous le siège, non ?")
        expect(page.locator("details.reply")).to_have_count(0)
        expect(page.locator("details.flag")).to_have_count(0)
        expect(page.get_by_role("link", name="Connectez-vous pour commenter.")).to_be_visible()
        page.screenshot(path=str(output_dir / "visitor-idea-1280.png"), full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=str(output_dir / "visitor-idea-390.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the idea page scrolls sideways by {overflow}px at 390px"
        page.set_viewport_size(DESKTOP)

        # 5. The feed, announced by the list page: valid Atom, every link on the community's own host.
        page.goto(live_server.url + "/ideas/")
        href = page.locator("link[rel=alternate][type='application/atom+xml']").get_attribute("href")
        assert href == "/ideas/feed/"
        feed = page.request.get(live_server.url + href)
        assert feed.ok and feed.headers["content-type"].startswith("application/atom+xml")
        root = ElementTree.fromstring(feed.body())
        assert root.tag == f"{ATOM}feed"
        assert root.findtext(f"{ATOM}title") == "Lab Rail Horizon"
        entries = {entry.findtext(f"{ATOM}title"): entry for entry in root.findall(f"{ATOM}entry")}
        assert set(entries) == {BOOKING, BOOKING_TOO, WIFI, SNACKS}
        links = [link.get("href") for link in root.iter(f"{ATOM}link")]
        assert links and {urlsplit(link).netloc for link in links} == {DOMAIN}, links
        booking_link = entries[BOOKING].find(f"{ATOM}link").get("href")
        assert urlsplit(booking_link).path == world["booking"].get_absolute_url()
    finally:
        context.close()
