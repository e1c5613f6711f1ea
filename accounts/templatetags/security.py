"""Template helpers for the account security pages (two-factor authentication)."""

from __future__ import annotations

from allauth.mfa.utils import is_mfa_enabled
from django import template

from accounts.mfa import SECOND_FACTORS, pending_next

register = template.Library()


@register.simple_tag(takes_context=True)
def mfa_continue_url(context) -> str | None:
    """The staff page to go back to once a second factor is set up (accounts.mfa), if any."""
    request = context.get("request")
    if request is None or not is_mfa_enabled(request.user, SECOND_FACTORS):
        return None
    return pending_next(request)
