"""A member's data export: prepared by a task, fetched through a signed, expiring link."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DataExport(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    community = models.ForeignKey("community.Community", on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    # Under PRIVATE_MEDIA_ROOT, never under MEDIA_ROOT: only the signed view serves it.
    path = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def state(self) -> str:
        """`pending` until the task has built it, then `ready`, then `expired`."""
        if self.ready_at is None:
            return "pending"
        return "ready" if self.expires_at and self.expires_at > timezone.now() else "expired"
