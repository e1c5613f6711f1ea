from django.contrib import admin

from community.admin import CommunityScopedAdmin
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(CommunityScopedAdmin):
    """Read-only: what was sent to whom, for support questions ("I never got the e-mail")."""

    viewer_roles = ("admin",)
    list_display = ("recipient", "kind", "community", "created_at", "read_at", "email_delivery", "emailed_at")
    list_filter = ("kind", "email_delivery")
    list_select_related = ("recipient", "community")
    search_fields = ("recipient__username", "key")
    email_search_fields = ("recipient__email",)  # whole addresses, community admins only
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
