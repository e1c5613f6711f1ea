from django import template
from django.utils.html import format_html

from accounts.profiles import colour_of, initials_of

register = template.Library()

INITIALS = (
    '<span class="avatar avatar--initials" style="--avatar-size:{}px; background:{}" aria-hidden="true">{}</span>'
)


@register.simple_tag
def avatar(user, size: int = 40):
    """The member's picture, or their initials on a colour of their own until they upload one."""
    if user is None or getattr(user, "is_former", False):
        return format_html(INITIALS, size, "#6b7280", "?")
    name = user.public_name
    if user.avatar:
        return format_html(
            '<img class="avatar" src="{}" alt="" width="{}" height="{}" loading="lazy">', user.avatar.url, size, size
        )
    return format_html(INITIALS, size, colour_of(user.username), initials_of(name))
