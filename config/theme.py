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
from community.models.community import contrast_ratio, readable_text_on
from ideas.selectors import statuses_of

# Every colour is #RRGGBB (community.models.hex_color); anything else never reaches the CSS.
_HEX = re.compile(r"#[0-9a-fA-F]{6}")
_FALLBACK = "#6b7280"
YEAR = 365 * 24 * 3600


def _colour(value: str) -> str:
    return value if _HEX.fullmatch(value or "") else _FALLBACK


# The admin's backgrounds a link must read on, light and dark (Django's admin/css,
# a shade under its body and "darkened" backgrounds, where breadcrumbs and modules sit).
ADMIN_LIGHT_BACKGROUND = "#ebebeb"
ADMIN_DARK_BACKGROUND = "#2a2a2a"
AA_TEXT = 4.5


def _mix(colour: str, other: str, share: float) -> str:
    """`colour` moved `share` (0..1) of the way towards `other`."""
    channels = [round(int(colour[i : i + 2], 16) * (1 - share) + int(other[i : i + 2], 16) * share) for i in (1, 3, 5)]
    return "#" + "".join(f"{channel:02x}" for channel in channels)


def legible_on(colour: str, background: str, ratio: float = AA_TEXT) -> str:
    """The colour itself if it reads on the background, else the nearest shade of it that
    does (darker on a light background, lighter on a dark one)."""
    towards = readable_text_on(background)
    for step in range(11):
        shade = _mix(colour, towards, step / 10)
        if contrast_ratio(shade, background) >= ratio:
            return shade
    return towards


# The surfaces links sit on: the site's light page and cards, the dark ones (static/css/tokens.css),
# and the admin's (Django's admin/css).
LIGHT_SURFACES = ("#ffffff", "#f6f7f9", "#eef0f3", ADMIN_LIGHT_BACKGROUND)
DARK_SURFACES = ("#16191e", "#0f1114", "#262b33", ADMIN_DARK_BACKGROUND)


def link_colours(primary: str) -> tuple[str, str]:
    """The brand's primary as link text on every light surface and every dark one (AA, 4.5:1):
    the brand's hue, darkened or lightened only as far as it must be."""
    light = dark = _colour(primary)
    for surface in LIGHT_SURFACES:
        light = legible_on(light, surface)
    for surface in DARK_SURFACES:
        dark = legible_on(dark, surface)
    return light, dark


def theme_css(community: Community | None) -> str:
    """The stylesheet's text: brand variables, one badge class per status, avatar palette."""
    lines = [
        f'.avatar--initials[data-colour="{index}"] {{ background: {_colour(colour)}; }}'
        for index, colour in enumerate(AVATAR_COLOURS)
    ]
    if community is not None:
        primary = _colour(community.primary_color)
        on_primary = _colour(community.text_on_primary)
        link, link_dark = link_colours(primary)
        lines[:0] = [
            ":root {"
            f" --brand-primary: {primary};"
            f" --brand-on-primary: {on_primary};"
            f" --brand-accent: {_colour(community.accent_color)};"
            f" --brand-on-accent: {_colour(community.text_on_accent)};"
            f" --brand-link: {link}; --brand-link-dark: {link_dark};"
            # For the admin (static/css/admin_brand.css): hovered buttons, the primary moved
            # away from its text colour.
            f" --brand-primary-hover: {_mix(primary, readable_text_on(on_primary), 0.15)}; }}",
        ]
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
