from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from accounts.member_cache import read_along
        from config.pagecache import write_account_menus_with
        from notifications import subscribers  # noqa: F401  (members hear the facts)
        from notifications.context_processors import account_menu
        from notifications.services import unread_read_along

        write_account_menus_with(account_menu)
        read_along(unread_read_along)  # the header's count, in the member's round trip
