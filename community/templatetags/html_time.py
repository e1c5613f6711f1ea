"""Dates for machines, in the markup: the `datetime` attribute of <time>."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def html_datetime(value) -> str:
    """ISO 8601 to the second, in the current time zone, as HTML's <time datetime> accepts it.

    Django's `date:"c"` keeps the microseconds (2026-05-04T10:00:00.123456+02:00), and HTML
    allows at most three digits of a fraction of a second, so validators refuse it.
    """
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return ""
