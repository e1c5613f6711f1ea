"""What members hear about: an inbox row per recipient and event, and how they want it.

A notification is written once per (recipient, event key): a task delivered twice, or an
event that reaches someone both as a follower and as the idea's author, still makes one
row. The row also holds the e-mail's state (`email_delivery`, `emailed_at`), so that the
database, not the broker, knows what has been sent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from community.models import Community


class Kind(models.TextChoices):
    RESPONSE = "response", _("An official response on an idea I follow")
    STATUS = "status", _("A status change on an idea I follow")
    COMMENT_ON_MINE = "comment_mine", _("A comment on my idea")
    COMMENT_FOLLOWED = "comment_followed", _("A comment on an idea I follow")
    REPLY = "reply", _("A reply to my comment")
    MENTION = "mention", _("Someone mentions me")
    MODERATION = "moderation", _("A moderation decision about my content")
    BADGE = "badge", _("A badge I earned")
    AWAITING = "awaiting", _("Ideas awaiting a response (brand managers)")
    MERGE = "merge", _("An idea I follow is merged into another")
    RESPONSE_FLOW = "response_flow", _("Official responses to approve, and news of mine (brand managers)")
    SANCTION = "sanction", _("A suspension or ban of my account")


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    DAILY = "daily", _("Daily digest")
    WEEKLY = "weekly", _("Weekly digest")
    OFF = "off", _("Off")


# What a member gets before choosing: the news they asked for by following or posting
# comes at once; the chatter on ideas they merely follow waits for the daily digest.
DEFAULT_DELIVERY = {
    Kind.RESPONSE: Delivery.IMMEDIATE,
    Kind.STATUS: Delivery.IMMEDIATE,
    Kind.COMMENT_ON_MINE: Delivery.IMMEDIATE,
    Kind.COMMENT_FOLLOWED: Delivery.DAILY,
    Kind.REPLY: Delivery.IMMEDIATE,
    Kind.MENTION: Delivery.IMMEDIATE,
    Kind.MODERATION: Delivery.IMMEDIATE,
    Kind.BADGE: Delivery.WEEKLY,
    Kind.AWAITING: Delivery.IMMEDIATE,  # sent when the daily reminder runs
    Kind.MERGE: Delivery.IMMEDIATE,
    Kind.RESPONSE_FLOW: Delivery.IMMEDIATE,
    Kind.SANCTION: Delivery.IMMEDIATE,
}


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Names the event ("response:12", "comment:40"); one row per recipient and event.
    key = models.CharField(_("event"), max_length=60)
    idea = models.ForeignKey(
        "ideas.Idea", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("idea")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # What the inbox and the e-mail say, frozen at the time of the event (idea title,
    # status names, an excerpt), so that listing the inbox joins nothing but the idea.
    data = models.JSONField(_("content"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_delivery = models.CharField(
        _("e-mail delivery"), max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE
    )
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_event")]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread"),
            models.Index(
                fields=["email_delivery", "recipient"],
                condition=models.Q(emailed_at__isnull=True),
                name="notification_email_due",
            ),
        ]

    def __str__(self) -> str:
        return _("%(kind)s, to %(recipient)s") % {"kind": self.get_kind_display(), "recipient": self.recipient}

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Preference(models.Model):
    """A member's choice for one kind; no row means the default of `DEFAULT_DELIVERY`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind} {self.delivery}"
