from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def dict_get(mapping, key):
    """`{{ my_votes|dict_get:idea.pk }}`: a value from a dict built by the view."""
    if not mapping:
        return None
    return mapping.get(key)
