from functools import cached_property

from django.http import HttpRequest

from notifications.services import UNREAD_CAP, unread_count


class UnreadCount:
    """The header's unread count, counted only if a template shows it ("99+" beyond the cap)."""

    def __init__(self, user, community) -> None:
        self.user = user
        self.community = community

    @cached_property
    def value(self) -> int:
        return unread_count(self.user, self.community)

    def __bool__(self) -> bool:
        return self.value > 0

    def __str__(self) -> str:
        return f"{UNREAD_CAP}+" if self.value > UNREAD_CAP else str(self.value)


def unread_notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": UnreadCount(user, getattr(request, "community", None))}
