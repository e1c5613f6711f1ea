import secrets
from collections.abc import Mapping
from functools import lru_cache

from django import template
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from accounts.profiles import AVATAR_COLOURS, colour_of, initials_of

register = template.Library()

# Size and colour by data- attributes: the Content-Security-Policy allows no inline style.
# The sizes are in static/css/site.css, the palette in /theme.css (config/theme.py); the
# colour of a former member is the grey default.
INITIALS = '<span class="avatar avatar--initials" data-size="{}"{} aria-hidden="true">{}</span>'


@register.simple_tag
def avatar(user, size: int = 40):
    """The member's picture, or their initials on a colour of their own until they upload one.

    Takes a User, or a leaderboard row (a dict with username, public_name and an avatar
    URL): cached boards carry what the picture needs, so showing them loads no User.
    """
    if isinstance(user, Mapping):
        return _avatar(user["username"], user["public_name"], user["avatar"], size)
    if user is None or getattr(user, "is_former", False):
        return format_html(INITIALS, size, "", "?")
    return _avatar(user.username, user.public_name, user.avatar.url if user.avatar else "", size)


def _avatar(username: str, name: str, url: str, size: int):
    if url:
        return format_html(
            '<img class="avatar" src="{}" alt="" width="{}" height="{}" data-size="{}" loading="lazy">',
            url,
            size,
            size,
            size,
        )
    colour = format_html(' data-colour="{}"', AVATAR_COLOURS.index(colour_of(username)))
    return format_html(INITIALS, size, colour, initials_of(name, fallback=username))


# The CSRF token's place in a kept account menu: drawn per process, so no name or text a
# member chose can be taken for it.
_TOKEN_MARKER = f"csrf{secrets.token_hex(16)}"
MENUS_KEPT = 4096  # about 3 KB each, per process


@register.simple_tag(takes_context=True)
def account_menu(context) -> str:
    """The signed-in header (inbox link with the unread count, account menu), rendered once
    per process for what it shows (includes/account_menu.html) and kept: every page of a
    member, shared or their own, shows the same menu until their name, picture, unread
    count or language changes, each of which is part of the key. Only the CSRF token of its
    sign-out form is filled per request."""
    unread = context.get("unread_notifications")
    return account_menu_html(
        context["user"],
        str(unread) if unread else "",
        in_community=context.get("community") is not None,
        csrf_token=str(context.get("csrf_token", "")),
    )


def account_menu_html(user, unread: str, *, in_community: bool, csrf_token: str) -> str:
    """The account menu as the tag writes it, for `unread` ("" for none, "3", "99+"): also
    what fills a members' shared page's menu (notifications.apps), with no template to run."""
    menu = _account_menu(
        user.username,
        user.public_name,
        user.avatar.url if user.avatar else "",
        user.is_staff,
        unread,
        in_community,
        get_language(),
        get_script_prefix(),
    )
    return mark_safe(menu.replace(_TOKEN_MARKER, csrf_token))  # noqa: S308 - rendered by the template


@lru_cache(maxsize=MENUS_KEPT)
def _account_menu(
    username: str, name: str, picture: str, staff: bool, unread: str, in_community: bool, language: str, prefix: str
) -> str:
    # `language` and `prefix` are the active ones the template renders with: only the key reads them.
    member = {"username": username, "public_name": name, "avatar": picture, "is_staff": staff}
    context = {
        "user": member,
        "unread_notifications": unread,
        "community": in_community,
        "csrf_token": _TOKEN_MARKER,
    }
    return get_template("includes/account_menu.html").render(context)
