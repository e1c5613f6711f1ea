from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def moderation_waiting(context) -> int | None:
    """The number of items waiting in the user's queues; None for staff who do not moderate."""
    from community.models import Role
    from community.moderation.admin import waiting_count
    from community.selectors import communities_with_role

    user = context["request"].user
    if not communities_with_role(user, (Role.MODERATOR, Role.ADMIN)).exists():
        return None
    return waiting_count(user)
