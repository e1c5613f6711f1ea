"""API keys: a community's credentials for its integrations (docs/api.md).

A key is shown once, when it is made; only its SHA-256 digest is kept. The secret is 32
random bytes (256 bits), so a fast hash is the right one: there is nothing to guess by
brute force, and a slow password hash (PBKDF2, Argon2) would cost every request its
time for no gain. The prefix, which is not secret, finds the row and shows in lists.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Community


class Scope(models.TextChoices):
    READ = "read", _("Read")
    WRITE_IDEAS = "write:ideas", _("Write ideas and comments")
    WRITE_VOTES = "write:votes", _("Write votes")
    WRITE_RESPONSES = "write:responses", _("Write official responses and statuses")
    MODERATION = "moderation", _("Moderation")
    ADMIN = "admin", _("Administration (members' e-mail addresses)")


class ApiKey(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What uses it: “Zendesk”, “Jira sync”."))
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True, help_text=_("Empty: never."))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
