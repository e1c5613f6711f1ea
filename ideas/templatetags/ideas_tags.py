from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def dict_get(mapping, key):
    """`{{ my_votes|dict_get:idea.pk }}`: a value from a dict built by the view."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def duration_words(value: timedelta | None) -> str:
    """A wait in round words: "12 minutes", "3 hours", "2 days"."""
    if value is None:
        return ""
    minutes = max(1, round(value.total_seconds() / 60))
    if minutes < 90:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = round(minutes / 60)
    if hours < 48:
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    days = round(hours / 24)
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
