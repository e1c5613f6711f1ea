"""`{% form_key %}`: the hidden idempotency key of a form that creates something
(accounts.submissions)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from accounts.submissions import FORM_KEY_FIELD, form_key_new

register = template.Library()


@register.simple_tag(takes_context=True)
def form_key(context) -> str:
    """A fresh key for this form. In a rendering shared by many readers (a comment thread),
    the marker `form_key_slot` instead, filled with a fresh key per form and reader."""
    value = context.get("form_key_slot") or form_key_new()
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_KEY_FIELD, value)
