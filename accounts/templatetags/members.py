from collections.abc import Mapping

from django import template
from django.utils.html import format_html

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
