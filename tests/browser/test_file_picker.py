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
