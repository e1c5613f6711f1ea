"""What every new account gets, however it signed up (form, or a social provider)."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User
from community.services import membership_join

DISPLAY_NAME_MAX_LENGTH = User._meta.get_field("display_name").max_length


def member_signup_complete(*, request: HttpRequest, user: User, display_name: str) -> None:
    """Give the just-created user their display name and the request's language, and make
    them a member of the community whose site they signed up on. Assumes allauth has saved
    the user; runs inside its sign-up request."""
    user.display_name = display_name.strip()[:DISPLAY_NAME_MAX_LENGTH]
    user.language = getattr(request, "LANGUAGE_CODE", "") or ""
    user.save(update_fields=["display_name", "language"])
    community = getattr(request, "community", None)
    if community is not None:
        membership_join(community=community, user=user)
