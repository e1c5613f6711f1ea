"""The colours that come from the database, as a stylesheet of their own.

The Content-Security-Policy allows no inline style (config/csp.py), so a community's brand
colours, its statuses' colours and the avatars' palette cannot sit in a `<style>` element or
a `style=""` attribute. They are served at /theme.css?v=<digest of the content>: the same
for every visitor of a community, so it can go into pages kept in the shared page cache
(config/pagecache.py), and a browser keeps it for a year because any change of colour
changes the address. A per-page nonce or hash would not survive that page cache.
"""

from __future__ import annotations

import hashlib
import re

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from accounts.profiles import AVATAR_COLOURS
from community.cache import versioned
from community.models import Community
from ideas.selectors import statuses_of

# Every colour is #RRGGBB (community.models.hex_color); anything else never reaches the CSS.
_HEX = re.compile(r"#[0-9a-fA-F]{6}")
_FALLBACK = "#6b7280"
YEAR = 365 * 24 * 3600


def _colour(value: str) -> str:
    return value if _HEX.fullmatch(value or "") else _FALLBACK


def _luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(one: str, two: str) -> float:
    """WCAG 2 contrast ratio of two #RRGGBB colours (1 to 21)."""
    high, low = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable_on(colour: str, background: str, ratio: float = 4.5) -> str:
    """`colour` mixed towards black or white (whichever the background is not) in steps of 5 %
    until text in it reads on `background` at `ratio`: the brand's hue, always legible."""
    colour = _colour(colour)
    target = 0 if _luminance(background) > 0.5 else 255
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    for step in range(21):
        mix = step / 20
        candidate = "#{:02x}{:02x}{:02x}".format(*(round(c + (target - c) * mix) for c in (r, g, b)))
        if contrast(candidate, background) >= ratio:
            return candidate
    return "#000000" if target == 0 else "#ffffff"


# The surfaces links sit on (static/css/tokens.css): the light page and cards, the dark ones.
LIGHT_SURFACES = ("#ffffff", "#f6f7f9", "#eef0f3")
DARK_SURFACES = ("#16191e", "#0f1114", "#262b33")


def link_colours(primary: str) -> tuple[str, str]:
    """The brand's primary as link text on the light theme and on the dark one (AA, 4.5:1)."""
    light, dark = _colour(primary), _colour(primary)
    for surface in LIGHT_SURFACES:
        light = readable_on(light, surface)
    for surface in DARK_SURFACES:
        dark = readable_on(dark, surface)
    return light, dark


def theme_css(community: Community | None) -> str:
    """The stylesheet's text: brand variables, one badge class per status, avatar palette."""
    lines = [
        f'.avatar--initials[data-colour="{index}"] {{ background: {_colour(colour)}; }}'
        for index, colour in enumerate(AVATAR_COLOURS)
    ]
    if community is not None:
        link, link_dark = link_colours(community.primary_color)
        lines.insert(
            0,
            ":root {"
            f" --brand-primary: {_colour(community.primary_color)};"
            f" --brand-on-primary: {_colour(community.text_on_primary)};"
            f" --brand-accent: {_colour(community.accent_color)};"
            f" --brand-on-accent: {_colour(community.text_on_accent)};"
            f" --brand-link: {link}; --brand-link-dark: {link_dark}; }}",
        )
        lines += [
            f".badge--status-{status.pk} {{"
            f" --badge-bg: {_colour(status.color)}; --badge-fg: {_colour(status.text_color)}; }}"
            for status in statuses_of(community)
        ]
    return "\n".join(lines) + "\n"


def _theme(community: Community | None) -> tuple[str, str]:
    """(css, digest), cached until a community, status or category changes in admin."""

    def load() -> tuple[str, str]:
        css = theme_css(community)
        return css, hashlib.blake2b(css.encode(), digest_size=8).hexdigest()

    return versioned(f"{community.pk if community else 0}:theme", load, timeout=3600)


def theme_stylesheet(request: HttpRequest) -> dict:
    """Context processor: `theme_css_url`, worked out only by a template that uses it."""
    return {"theme_css_url": lambda: f"{reverse('theme_css')}?v={_theme(getattr(request, 'community', None))[1]}"}


@require_safe
def theme_stylesheet_view(request: HttpRequest) -> HttpResponse:
    css, digest = _theme(getattr(request, "community", None))
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    if request.GET.get("v") == digest:
        patch_cache_control(response, public=True, max_age=YEAR, immutable=True)
    else:  # an old or future address (another process may not see a change yet)
        patch_cache_control(response, no_cache=True)
    return response
