"""The file pickers (idea images, avatar) in a real browser: a translated label-button in place
of the browser's own "Choose Files", the native input still reached with the keyboard, the
chosen files listed by static/js/file_picker.js, and the button still there without JavaScript."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from community.models import Membership, Role
from community.services import community_create
from tests.browser.conftest import signed_in_page
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def member(db):
    community = community_create(name="Lab Rail Horizon", slug="rail-horizon", is_default=True)
    user = UserFactory(username="alice", display_name="Alice Navetteuse")
    Membership.objects.create(community=community, user=user, role=Role.MEMBER)
    return user


def png(path):
    Image.new("RGB", (40, 30), "#0b3d6e").save(path, format="PNG")
    return str(path)


def test_it_lists_the_chosen_images_and_keeps_the_picker_keyboard_reachable(
    browser, live_server, member, tmp_path, output_dir
):
    page = signed_in_page(browser, live_server, member)
    page.goto(live_server.url + reverse("ideas:create"))
    names = page.locator("[data-file-picker-names]")
    expect(names).to_have_text("Aucune image choisie")
    native = page.locator("input[type=file][name=images]")
    box = native.bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1  # the browser's own control is hidden
    # Tab from the tags reaches the native input, and its label-button shows the focus.
    page.get_by_label("Mots-clés").focus()
    button = page.locator("label.file-picker__button")
    ring = "label => [getComputedStyle(label).outlineStyle, getComputedStyle(label).boxShadow].join(' | ')"
    unfocused = button.evaluate(ring)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "images"
    # The design system's focus ring is a box-shadow (--focus-ring), or an outline.
    assert button.evaluate(ring) != unfocused
    page.screenshot(path=output_dir / "file-picker-focus.png")
    # Clicking the label-button opens the file chooser; the names are listed.
    with page.expect_file_chooser() as chooser:
        button.click()
    chooser.value.set_files([png(tmp_path / "quai.png"), png(tmp_path / "gare.png")])
    expect(names).to_have_text("quai.png, gare.png")
    page.context.close()


def test_it_shows_the_translated_button_without_javascript(browser, live_server, member):
    client = Client()
    client.force_login(member)
    name = django_settings.SESSION_COOKIE_NAME
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": live_server.url}])
    page = context.new_page()
    for url, label in ((reverse("ideas:create"), "Choisir des images"), (reverse("profile_edit"), "Choisir une image")):
        page.goto(live_server.url + url)
        expect(page.locator("label.file-picker__button")).to_have_text(label)
        expect(page.locator("label.file-picker__button")).to_be_visible()
    context.close()


def test_it_previews_dropped_and_chosen_images_removes_one_and_posts_the_other(
    browser, live_server, member, tmp_path, output_dir
):
    from ideas.models import Idea

    page = signed_in_page(browser, live_server, member)
    page.goto(live_server.url + reverse("ideas:create"))
    expect(page.get_by_text("Jusqu’à 4 images (JPEG, PNG, WebP ou GIF, 5 Mo chacune).")).to_be_visible()
    zone = page.locator("[data-dropzone]")
    expect(zone).to_contain_text("Glissez-déposez vos images ici, ou")
    # One image chosen with the button, one dropped on the zone (a DataTransfer, as a drag would bring).
    page.locator("input[type=file][name=images]").set_input_files(png(tmp_path / "quai.png"))
    transfer = page.evaluate_handle(
        """() => {
            const canvas = document.createElement("canvas");
            canvas.width = 30; canvas.height = 20;
            const bytes = atob(canvas.toDataURL("image/png").split(",")[1]);
            const data = Uint8Array.from(bytes, (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([data], "gare.png", { type: "image/png" }));
            return transfer;
        }"""
    )
    zone.dispatch_event("drop", {"dataTransfer": transfer})
    previews = page.locator("[data-previews] .preview")
    expect(previews).to_have_count(2)
    expect(page.locator("[data-file-picker-names]")).to_have_text("quai.png, gare.png")
    page.screenshot(path=output_dir / "file-picker-previews.png")
    page.get_by_role("button", name="Retirer quai.png").click()
    expect(previews).to_have_count(1)
    expect(page.locator("[data-file-picker-names]")).to_have_text("gare.png")
    page.get_by_label("Titre").fill("Des bancs sur les quais de la gare")
    page.get_by_label("Description").fill("Pour attendre assis.")
    page.get_by_role("button", name="Publier l’idée").click()
    page.wait_for_url("**/ideas/*-*/")
    expect(page.locator(".toast--success")).to_contain_text("Votre idée est publiée.")
    idea = Idea.objects.get(title="Des bancs sur les quais de la gare")
    assert idea.images.count() == 1
    page.context.close()


def test_it_refuses_a_fifth_image_before_the_upload(browser, live_server, member, tmp_path):
    page = signed_in_page(browser, live_server, member)
    page.goto(live_server.url + reverse("ideas:create"))
    picker = page.locator("input[type=file][name=images]")
    picker.set_input_files([png(tmp_path / f"photo-{n}.png") for n in range(3)])
    picker.set_input_files([png(tmp_path / "photo-3.png"), png(tmp_path / "photo-4.png")])  # a second pick adds
    expect(page.locator("[data-previews] .preview")).to_have_count(4)
    expect(page.locator("[data-picker-error]")).to_have_text("Au plus 4 images par idée.")
    page.context.close()
