"""Webhook endpoints of a community and the deliveries of its events to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from community.models import Community
from integrations.signing import secret_decrypt, secret_encrypt, secret_generate


class Kind(models.TextChoices):
    WEBHOOK = "webhook", _("Webhook (signed JSON, Standard Webhooks)")
    SLACK = "slack", _("Slack alert (incoming webhook)")
    TEAMS = "teams", _("Microsoft Teams alert (incoming webhook)")


class WebhookEndpoint(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="webhook_endpoints", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.WEBHOOK)
    url = models.URLField(_("URL"), max_length=2000)
    # Encrypted (integrations/signing.py); read it through `secret`.
    secret_encrypted = models.TextField(_("secret (encrypted)"), editable=False)
    event_types = models.JSONField(_("events"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Events are sent only to active endpoints."))
    disabled_at = models.DateTimeField(_("disabled automatically at"), null=True, blank=True, editable=False)
    disabled_reason = models.CharField(_("why it was disabled"), max_length=300, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(_("failed attempts in a row"), default=0, editable=False)
    # The first failed attempt since the last success: after a day of nothing but failures the
    # endpoint is disabled (integrations/services.py, DISABLE_AFTER).
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["community", "name"]
        indexes = [models.Index(fields=["community", "is_active"], name="integrations_endpoint_active")]

    def __str__(self) -> str:
        return self.name

    @property
    def secret(self) -> str:
        return secret_decrypt(self.secret_encrypted)

    def set_secret(self, secret: str | None = None) -> str:
        """A new secret (a fresh one unless given), stored encrypted; returns it."""
        secret = secret or secret_generate()
        self.secret_encrypted = secret_encrypt(secret)
        return secret

    def wants(self, event_type: str) -> bool:
        return event_type in self.event_types


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")
    ABANDONED = "abandoned", _("abandoned (endpoint disabled)")


class WebhookDelivery(models.Model):
    """One event for one endpoint. `body` is the exact JSON sent, the same on every attempt;
    the event id is the `webhook-id` header, so receivers deduplicate retries and re-deliveries."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    event_id = models.CharField(_("event id"), max_length=40)
    event_type = models.CharField(_("event"), max_length=60)
    body = models.TextField(_("payload"))
    state = models.CharField(_("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    last_response_ms = models.PositiveIntegerField(_("response time (ms)"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # A job is waiting or running for this delivery: the sweeper does not add another.
    queued = models.BooleanField(default=False)
    # A `webhook.test` ping from the admin: one attempt, and it never disables the endpoint.
    is_test = models.BooleanField(_("test"), default=False)
    # The public content the body quotes (None: it quotes none): checked before each attempt,
    # so that nothing hidden, held or deleted meanwhile is sent (integrations/services.py).
    idea_ref = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    comment_ref = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="integrations_one_delivery_per_event")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending", queued=False),
                name="integrations_delivery_due",
            ),
            models.Index(fields=["endpoint", "-created_at"], name="integrations_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint}"
