"""A new member's whole first visit, in a real browser and in French: sign up, confirm the
address (which signs them in), post an idea with an image and tags (a similar idea is
suggested while the title is typed), follow someone else's idea, vote and undo at once,
comment, reply, report a comment with a reason, and edit the idea. Following, voting,
commenting and reporting happen in place, without a page load. Screenshots at 1280 px
and, for the idea page with the reply form open, at 390 px."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from accounts.models import User
from community.models import Flag
from community.services import community_create
from ideas.models import Comment, Follow, Idea, IdeaImage, IdeaStats, Vote
from ideas.services import comment_create
from tests.factories import UserFactory, make_idea

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "un-mot-de-passe-solide"
PASSWORD_LABEL = re.compile(r"^Mot de passe\W*$")  # not "Mot de passe (confirmation)"


IDEA_URL = re.compile(r"/ideas/\d+-[\w-]+/$")
TITLE = "Des arceaux à vélos sur chaque quai"
WIFI = "Du Wi-Fi stable dans tous les trains"
BIKES = "Des arceaux vélos dans les gares"
NO_RELOAD = "window.__marker"
THANKS = "Merci. Les modérateurs examineront ce contenu s’il est aussi signalé par d’autres membres."


def write_png(path):
    image = Image.new("RGB", (320, 200), "#0b3d6e")
    image.paste(Image.new("RGB", (160, 100), "#f2a900"), (80, 50))
    image.save(path, format="PNG")
    return str(path)


def test_a_newcomer_signs_up_posts_takes_part_and_edits(page, live_server, output_dir, settings, tmp_path):
    settings.SITE_HOST = live_server.url.split("://", 1)[1]  # as `make run` sets it to the address it serves
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MODERATION_SPAM_CHECK_URL = ""
    page.set_viewport_size({"width": 1280, "height": 900})
    community = community_create(
        name="Lab Rail Horizon",
        slug="rail-horizon",
        is_default=True,
        tagline="Vos idées pour voyager mieux",
        primary_color="#0b3d6e",
        accent_color="#f2a900",
    )
    claire = UserFactory(username="claire", display_name="Claire Contrôleuse")
    gus = UserFactory(username="gus", display_name="Gus")
    wifi = make_idea(community, claire, title=WIFI, body="Le Wi-Fi coupe à chaque tunnel.")
    gus_says = comment_create(idea=wifi, author=gus, body="Et des prises électriques !")
    gus_ad = comment_create(idea=wifi, author=gus, body="Achetez mes billets pas chers !")
    bikes = make_idea(community, claire, title=BIKES, body="Il n’y en a jamais assez.")
    mail.outbox.clear()

    page.goto(live_server.url + "/")
    # The header names the community; the home page's h1 is its tagline (issue 15: not the name twice).
    assert page.locator(".site-header .brand__name").inner_text() == "Lab Rail Horizon"
    assert page.locator("h1").inner_text() == "Vos idées pour voyager mieux"
    header_colour = page.locator(".site-header").evaluate("element => getComputedStyle(element).backgroundColor")
    assert header_colour == "rgb(11, 61, 110)"  # the brand's primary colour

    page.get_by_role("link", name="S’inscrire").first.click()
    page.get_by_label("Courriel").fill("camille@example.test")
    page.get_by_label("Nom d’utilisateur").fill("camille")
    page.get_by_label("Nom affiché").fill("Camille Voyageuse")
    page.get_by_label(PASSWORD_LABEL).fill(PASSWORD)
    page.get_by_label("Mot de passe (confirmation)").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))

    [message] = mail.outbox
    confirm_url = re.search(r"https?://\S+", message.body).group(0)
    assert confirm_url.startswith(live_server.url + "/accounts/confirm-email/")
    page.goto(confirm_url)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(live_server.url + "/")  # signed in at once: no second sign-in

    assert page.get_by_test_id("current-user").inner_text() == "Camille Voyageuse"
    assert "Bienvenue sur Lab Rail Horizon, Camille Voyageuse !" in page.locator("[data-toasts]").inner_text()
    page.screenshot(path=str(output_dir / "signup-journey.png"), full_page=True)
    assert (output_dir / "signup-journey.png").stat().st_size > 10_000
    camille = User.objects.get(username="camille")

    # 1. Post an idea, with tags and an image; typing the title suggests a similar idea.
    page.get_by_role("link", name="Proposer une idée").first.click()
    similar = page.locator("[data-similar-results]")
    expect(similar).to_be_hidden()
    page.get_by_label("Titre").press_sequentially(TITLE, delay=10)
    expect(similar).to_be_visible()
    expect(similar.get_by_role("link", name=BIKES)).to_have_attribute("href", bikes.get_absolute_url())
    page.get_by_label("Description").fill("Accrocher son vélo **sans chercher** pendant dix minutes.")
    page.get_by_label("Mots-clés").fill("vélo, gares")
    page.locator("input[type=file][name=images]").set_input_files(write_png(tmp_path / "quai.png"))
    page.get_by_role("button", name="Publier l’idée").click()
    page.wait_for_url(IDEA_URL)
    own_url = page.url
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(".idea__body strong")).to_have_text("sans chercher")
    expect(page.locator(".idea > ul.tags li")).to_have_text(["#vélo", "#gares"])
    image = page.locator(".idea__gallery img")
    expect(image).to_have_count(1)
    # The live server serves MEDIA_ROOT: the thumbnail made by the (eager) task loads, and
    # links to the stored original.
    image.scroll_into_view_if_needed()
    page.wait_for_function("image => image.complete && image.naturalWidth > 0", arg=image.element_handle())
    original = page.request.get(live_server.url + page.locator(".idea__gallery a").get_attribute("href"))
    assert original.ok and original.headers["content-type"] == "image/png"
    own = Idea.objects.get(title=TITLE)
    assert own.author == camille and own.moderation_state == "approved"
    assert sorted(own.tags.names()) == ["gares", "vélo"]
    assert IdeaImage.objects.filter(idea=own).count() == 1
    page.screenshot(path=str(output_dir / "newcomer-own-idea-1280.png"), full_page=True)

    # 2. Someone else's idea: follow it, vote and change one's mind at once.
    page.goto(live_server.url + "/ideas/?sort=new")
    page.get_by_role("link", name=WIFI).click()
    page.wait_for_url(IDEA_URL)
    wifi_url = page.url
    page.evaluate(f"{NO_RELOAD} = 'still here'")  # any page load wipes it out
    follow = page.locator("[data-follow-form]")
    expect(follow.locator("[data-followers-count]")).to_have_text("2")  # its author, and Gus who commented
    follow.get_by_role("button", name="Suivre").click()
    expect(follow.locator("[data-followers-count]")).to_have_text("3")
    expect(follow.locator("button")).to_have_attribute("aria-pressed", "true")
    assert Follow.objects.filter(idea=wifi, user=camille).exists()
    vote = page.locator(".idea__head [data-vote-form]")
    votes = vote.locator("[data-vote-count]")
    expect(votes).to_have_text("0")
    vote.locator("button").click()
    expect(votes).to_have_text("1")
    expect(vote.locator("button")).to_have_attribute("aria-pressed", "true")
    vote.locator("button").click()  # changed my mind, straight away
    expect(votes).to_have_text("0")
    expect(vote.locator("button")).to_have_attribute("aria-pressed", "false")
    assert page.evaluate(NO_RELOAD) == "still here"
    page.reload()
    expect(votes).to_have_text("0")
    expect(vote.locator("button")).to_have_attribute("aria-pressed", "false")
    assert not Vote.objects.filter(user=camille).exists()
    assert IdeaStats.objects.get(pk=wifi.pk).votes == 0

    # 3. Comment, then reply to Gus.
    page.evaluate(f"{NO_RELOAD} = 'still here'")
    page.get_by_label("Votre commentaire").fill("Et pourquoi pas dans les TER aussi ?")
    page.get_by_role("button", name="Commenter").click()
    expect(page.locator("[data-comment-list] > li")).to_have_count(3)
    expect(page.locator("#comments-title")).to_have_text("3 commentaires")
    expect(page.get_by_label("Votre commentaire")).to_have_value("")  # the form was reset
    assert page.evaluate(NO_RELOAD) == "still here"
    gus_comment = page.locator(f"#comment-{gus_says.pk}")
    gus_comment.locator("details.reply summary").click()
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(output_dir / "newcomer-reply-open-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    # Gus's own reply box (a reply shown in place carries one too, under the thread).
    reply_box = gus_comment.locator(f"#reply-{gus_says.pk}")
    expect(reply_box).to_have_accessible_name("Votre réponse")
    reply_box.fill("Des prises, oui, mais d’abord du réseau.")
    page.evaluate(f"{NO_RELOAD} = 'still here'")
    gus_comment.locator("details.reply").first.get_by_role("button", name="Répondre").click()
    # The reply shows in place, under Gus's comment (before its reply form), the form reset.
    expect(gus_comment.locator(".comment--reply .comment__body")).to_have_text(
        "Des prises, oui, mais d’abord du réseau."
    )
    expect(reply_box).to_have_value("")
    expect(gus_comment.locator("[role=alert], .form-error")).to_have_count(0)
    assert page.evaluate(NO_RELOAD) == "still here"
    page.reload()
    expect(gus_comment.locator(".comment--reply .comment__body")).to_have_text(
        "Des prises, oui, mais d’abord du réseau."
    )
    assert Comment.objects.filter(author=camille, parent=None, idea=wifi).count() == 1
    assert Comment.objects.filter(author=camille, parent=gus_says).count() == 1

    # 4. Report Gus's other comment, with a reason: the control then says "Signalé".
    page.evaluate(f"{NO_RELOAD} = 'still here'")
    ad = page.locator(f"#comment-{gus_ad.pk}")
    ad.locator("details.flag summary").click()
    ad.get_by_label("Spam ou publicité").check()
    ad.get_by_label("Précisions (facultatif)").fill("Il vend des billets.")
    ad.get_by_role("button", name="Envoyer aux modérateurs").click()
    expect(ad.locator(".flag--done button")).to_have_text("Signalé")
    expect(ad.locator(".flag--done button")).to_be_disabled()
    expect(page.get_by_text(THANKS)).to_be_visible()
    assert page.evaluate(NO_RELOAD) == "still here"
    page.screenshot(path=str(output_dir / "newcomer-took-part-1280.png"), full_page=True)
    page.reload()
    expect(ad.locator(".flag--done button")).to_have_text("Signalé")
    expect(page.locator(f"#comment-{gus_ad.pk} details.flag")).to_have_count(0)
    flag = Flag.objects.get(flagger=camille)
    assert (flag.comment_id, flag.reason, flag.note) == (gus_ad.pk, "spam", "Il vend des billets.")

    # 5. Back on the own idea, edit it.
    page.goto(own_url)
    page.get_by_role("link", name="Modifier", exact=True).click()
    expect(page.locator("h1")).to_have_text("Modifier l’idée")
    expect(page.get_by_label("Titre")).to_have_value(TITLE)
    page.get_by_label("Titre").fill(TITLE + " et des abris")
    page.get_by_label("Mots-clés").fill("vélo, gares, abris")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(IDEA_URL)
    assert page.url == own_url or page.url.startswith(own_url.rsplit("/", 2)[0])
    expect(page.locator("h1")).to_have_text(TITLE + " et des abris")
    expect(page.locator(".idea > ul.tags li")).to_have_count(3)
    own.refresh_from_db()
    assert own.title == TITLE + " et des abris" and sorted(own.tags.names()) == ["abris", "gares", "vélo"]
    assert wifi_url != own_url


def test_the_language_switch_works_in_the_browser(page, live_server):
    community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_label("Langue").select_option("en")  # submits on change (static/js/site.js)
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.get_by_role("link", name="Sign up").first.is_visible()


def test_keyboard_users_get_a_skip_link_and_a_visible_focus(page, live_server):
    community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True, accent_color="#f2a900")
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
