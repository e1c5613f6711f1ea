"""The sign-in and sign-up pages as the design system draws them: labels above their fields with
no colon (neither Django's label suffix nor allauth's), "remember me" beside its box, and the
links between signing in, signing up and a forgotten password."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

PAGES = ["account_login", "account_signup", "account_reset_password"]


def labels(html: str) -> list[str]:
    """The text of each <label> in the page's <main>, tags removed."""
    main = html[html.index("<main") : html.index("</main>")]
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
        for text in re.findall(r"<label\b[^>]*>(.*?)</label>", main, re.DOTALL)
    ]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_no_label_ends_with_a_colon(client, community_a, page, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse(page)).content.decode()
    assert f'<html lang="{language}">' in html
    found = labels(html)
    assert found  # the page has a form
    assert [label for label in found if label.endswith(":")] == []


@pytest.mark.parametrize(("language", "email"), [("fr", "Courriel"), ("en", "Email")])
def test_the_sign_up_labels_say_what_to_type(client, community_a, language, email):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert email in labels(client.get(reverse("account_signup")).content.decode())


def test_remember_me_is_a_checkbox_beside_its_label(client, community_a):
    html = client.get(reverse("account_login")).content.decode()
    assert re.search(
        r'<div class="field field--checkbox">\s*<input type="checkbox" name="remember" id="id_remember">\s*'
        r'<label for="id_remember">',
        html,
    )


def test_sign_in_and_sign_up_link_to_each_other_and_to_the_forgotten_password(client, community_a):
    sign_in = client.get(reverse("account_login")).content.decode()
    sign_up = client.get(reverse("account_signup")).content.decode()
    main_in = sign_in[sign_in.index("<main") :]
    main_up = sign_up[sign_up.index("<main") :]
    assert f'href="{reverse("account_signup")}"' in main_in
    assert f'href="{reverse("account_reset_password")}"' in main_in
    assert f'href="{reverse("account_login")}"' in main_up
    assert community_a.name in main_in and 'class="auth-brand"' in main_in
