from functools import cached_property

from django.http import HttpRequest

from accounts.member_cache import read_ahead
from accounts.templatetags.members import account_menu_html
from notifications.services import UNREAD_CAP, unread_count


class UnreadCount:
    """The header's unread count, counted only if a template shows it ("99+" beyond the cap)."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @cached_property
    def value(self) -> int:
        request = self.request
        return unread_count(request.user, getattr(request, "community", None), ahead=read_ahead(request))

    def __bool__(self) -> bool:
        return self.value > 0

    def __str__(self) -> str:
        return f"{UNREAD_CAP}+" if self.value > UNREAD_CAP else str(self.value)


def unread_notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": UnreadCount(request)}


def account_menu(request: HttpRequest, csrf_token: str) -> str:
    """The account menu of a members' shared page, as base.html's `{% account_menu %}`
    writes it with this processor's count: filled for each reader by config.pagecache,
    without running a template and every context processor for it."""
    unread = UnreadCount(request)
    return account_menu_html(
        request.user,
        str(unread) if unread else "",
        in_community=getattr(request, "community", None) is not None,
        csrf_token=csrf_token,
    )
