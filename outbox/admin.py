"""Background jobs, read-only, for the operator (superusers): what waits, what failed and why."""

from __future__ import annotations

from django.contrib import admin

from outbox.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("task", "state", "attempts", "sends", "created_at", "due_at", "done_at")
    list_filter = ("state", "task")
    search_fields = ("task", "key")
    readonly_fields = [field.name for field in Job._meta.fields]

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
