"""A form a member sent with its idempotency key (accounts.submissions)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SubmittedForm(models.Model):
    """Written in the transaction that saved what the form made, so that a post sent again
    with the same key finds it: there is never a saved post without its key. Kept a day
    (`submissions_purge`, hourly by beat)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    # What the post said (accounts.submissions.form_fingerprint): a key answers only for it.
    fingerprint = models.CharField(max_length=32)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("submitted form")
        verbose_name_plural = _("submitted forms")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="submitted_form_once_per_key")]

    def __str__(self) -> str:
        return f"{self.key} by {self.user_id}"
