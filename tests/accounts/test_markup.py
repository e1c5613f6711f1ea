"""The account pages' markup is what HTML allows (issue #12): allauth's forms field by field
in <div>s (its default put the password rules, a list, inside a <p>), help texts that
aria-describedby finds, and a translated file picker for the avatar."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.markup import assert_sound, page_of

HOST_A = "ideas.brand-a.test"
VISITOR_PAGES = ["account_login", "account_signup", "account_reset_password"]
MEMBER_PAGES = ["account_email", "account_change_password", "profile_edit", "privacy", "privacy_delete"]


@pytest.mark.parametrize("name", VISITOR_PAGES)
def test_it_renders_the_sign_in_pages_as_valid_markup(client, community_a, name):
    assert_sound(client.get(reverse(name), HTTP_HOST=HOST_A))


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_it_renders_the_members_account_pages_as_valid_markup(client, member_a, name):
    client.force_login(member_a)
    assert_sound(client.get(reverse(name), HTTP_HOST=HOST_A))


def test_it_keeps_the_password_rules_described_and_out_of_paragraphs(client, community_a):
    page = assert_sound(client.get(reverse("account_signup"), HTTP_HOST=HOST_A))
    assert "id_password1_helptext" in page.described_by


def test_it_keeps_a_refused_sign_up_valid_and_its_errors_described(client, community_a):
    data = {"email": "not-an-address", "username": "x", "password1": "a", "password2": "b"}
    response = client.post(reverse("account_signup"), data, HTTP_HOST=HOST_A)
    assert response.status_code == 200  # allauth answers its form again
    page = assert_sound(response)
    assert "id_email_error" in page.described_by


@pytest.mark.parametrize(("language", "button"), [("fr", "Choisir une image"), ("en", "Choose an image")])
def test_it_offers_a_translated_file_picker_for_the_avatar(client, member_a, language, button):
    client.force_login(member_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("profile_edit"), HTTP_HOST=HOST_A)
    page = page_of(response)
    assert button in page.labels_for["id_avatar"]
    assert "id_avatar_helptext" in page.described_by and "id_avatar_helptext" in page.ids
    assert "js/file_picker.js" in response.content.decode()
