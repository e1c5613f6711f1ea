"""The living design page (/design/, docs/design.md): staff only (or DEBUG), every token and
every component of the design system, in the light and the dark theme, in French and in
English. The browser crawl (tests/browser/test_crawl.py) runs axe and the W3C validator on
it as a moderator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from community.design import tokens
from tests.factories import login_with_mfa
from tests.markup import assert_sound

HOST_A = "ideas.brand-a.test"
ROOT = Path(__file__).resolve().parents[2]
COMPONENTS_CSS = ROOT / "static" / "css" / "components.css"
DESIGN_CSS = ROOT / "static" / "css" / "design.css"
RENDERINGS = ("fr-light", "fr-dark", "en-light", "en-dark")
SECTIONS = (
    "colours",
    "spacing",
    "radii",
    "type",
    "shadows",
    "focus",
    "buttons",
    "pills",
    "vote",
    "card",
    "avatars",
    "menu",
    "tabs",
    "form",
    "alerts",
    "toasts",
    "empty",
    "skeleton",
)
# Classes of components.css that a page takes on only in a state or a place the design page
# has no reason to reproduce: set by JavaScript (drop zone, previews, leaving toasts), the
# frame's own (prose, pagination), or Django's (the non-field error list).
NOT_ON_THE_PAGE = {
    "js",
    "toasts--floating",
    "is-leaving",
    "is-over",
    "dropzone",
    "dropzone__hint",
    "previews",
    "preview",
    "preview__name",
    "preview__remove",
    "prose",
    "footnote",
    "pagination",
    "nonfield",
    "form-errors",
    "banner",
    "banner--pending",
    "button--block",
    "card--flush",
    "field__label",
    "field__help",
    "stack",
    "avatar",  # drawn by {% avatar %} with data-size, checked below through its sizes
}


def design(client):
    return client.get(reverse("design"), HTTP_HOST=HOST_A)


def test_it_does_not_exist_for_visitors(client, community_a):
    assert design(client).status_code == 404


def test_it_does_not_exist_for_members(client, member_a):
    client.force_login(member_a)
    assert design(client).status_code == 404


@pytest.mark.parametrize("persona", ["moderator_a", "admin_a", "brand_manager_a", "superuser"])
def test_it_opens_for_staff_who_used_their_second_factor(request, client, community_a, persona):
    login_with_mfa(client, request.getfixturevalue(persona))
    assert design(client).status_code == 200


def test_it_sends_staff_without_their_second_factor_to_use_it(client, moderator_a):
    client.force_login(moderator_a)  # a password-only session
    response = design(client)
    assert response.status_code == 302
    assert "/accounts/2fa/" in response["Location"] and "next=%2Fdesign%2F" in response["Location"]


def test_it_opens_for_anyone_while_debug_is_on(client, community_a, settings):
    settings.DEBUG = True
    assert design(client).status_code == 200


@pytest.fixture
def page(client, moderator_a):
    login_with_mfa(client, moderator_a)
    response = design(client)
    assert response.status_code == 200
    assert_sound(response)  # four renderings, and still one id per element
    return response.content.decode()


def rendering(html: str, prefix: str) -> str:
    start = html.index(f'data-design-rendering="{prefix}"')
    ends = [html.find('data-design-rendering="', start + 1), len(html)]
    return html[start : min(end for end in ends if end > 0)]


def test_it_shows_every_section_in_both_themes_and_both_languages(page):
    for prefix in RENDERINGS:
        language, theme = prefix.split("-")
        assert re.search(rf'class="design__rendering theme-{theme}" id="{prefix}" lang="{language}"', page)
        part = rendering(page, prefix)
        for section in SECTIONS:
            assert f'data-design-section="{section}"' in part, (prefix, section)
    french, english = rendering(page, "fr-light"), rendering(page, "en-light")
    assert "Boutons" in french and "Champs de formulaire" in french and "Proposer une idée" in french
    assert "Buttons" in english and "Form fields" in english and "Post an idea" in english
    # The error is in each rendering's language too.
    assert "Saisissez une adresse" in french and "Enter a valid email address" in english


def test_it_shows_the_communitys_own_status_colours(page, community_a):
    statuses = list(community_a.statuses.all())
    assert statuses
    for status in statuses:
        assert page.count(f'class="badge badge--status-{status.pk}"') >= len(RENDERINGS)


def test_it_shows_every_token_of_tokens_css_with_a_class_to_draw_it(page):
    styles = DESIGN_CSS.read_text()
    groups = tokens()
    for group in groups.values():
        for token in group:
            assert f"<code>{token.var}</code>" in page, token.var
    drawn = {
        "swatch": ("neutral", "brand", "roles"),
        "space": ("spacing",),
        "radius": ("radii",),
        "type": ("type",),
        "shadow": ("shadows",),
    }
    for prefix, names in drawn.items():
        for name in names:
            for token in groups[name]:
                assert re.search(rf"\.{prefix}--{token.name} \{{[^}}]*var\(--{token.name}\)", styles), token.var
                assert f"{prefix}--{token.name}" in page, token.var


def test_it_shows_every_component_class_of_components_css(page):
    used = set()
    for attribute in re.findall(r'class="([^"]*)"', page):
        used.update(attribute.split())
    defined = set(
        re.findall(r"\.([a-z][a-z0-9_-]*[a-z0-9])", re.sub(r"/\*.*?\*/", "", COMPONENTS_CSS.read_text(), flags=re.S))
    )
    missing = sorted(defined - used - NOT_ON_THE_PAGE)
    assert missing == [], f"components.css classes not shown on /design/: {missing}"
    for size in (24, 32, 48, 64, 96):
        assert f'data-size="{size}"' in page and f'width="{size}"' in page
