"""Reputation: a ledger of point events per member and community, and badges.

The ledger is the truth: each event has a key that names what earned it ("vote:12:40"),
unique per community, so an event recorded twice (a retried task, a re-approval) counts
once; `Reputation` holds running totals that a command can recompute from the ledger.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class PointKind(models.TextChoices):
    IDEA_APPROVED = "idea_approved", _("Idea published")
    VOTE_RECEIVED = "vote_received", _("Vote received on an idea")
    IDEA_PLANNED = "idea_planned", _("Idea planned")
    IDEA_DONE = "idea_done", _("Idea done")
    COMMENT = "comment", _("Comment on someone else's idea")


DEFAULT_POINTS = {
    PointKind.IDEA_APPROVED: 10,
    PointKind.VOTE_RECEIVED: 1,
    PointKind.IDEA_PLANNED: 20,
    PointKind.IDEA_DONE: 50,
    PointKind.COMMENT: 2,
}


class PointValue(models.Model):
    """A community's own value for one kind of event (the default applies without a row)."""

    community = models.ForeignKey(
        "community.Community", on_delete=models.CASCADE, related_name="point_values", verbose_name=_("community")
    )
    kind = models.CharField(_("event"), max_length=20, choices=PointKind.choices)
    points = models.SmallIntegerField(_("points"))

    class Meta:
        verbose_name = _("points for an event")
        verbose_name_plural = _("points for events")
        constraints = [models.UniqueConstraint(fields=["community", "kind"], name="point_value_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.points}"


class PointEvent(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="point_events", verbose_name=_("member")
    )
    community = models.ForeignKey(
        "community.Community", on_delete=models.CASCADE, related_name="+", verbose_name=_("community")
    )
    kind = models.CharField(_("event"), max_length=20, choices=PointKind.choices)
    key = models.CharField(_("what earned it"), max_length=80)
    points = models.SmallIntegerField(_("points"))
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("point event")
        verbose_name_plural = _("point events")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["community", "key"], name="point_event_once")]
        indexes = [
            models.Index(fields=["community", "created_at"], name="point_event_period"),
            models.Index(fields=["user", "community"], name="point_event_member"),
        ]

    def __str__(self) -> str:
        return gettext("%(points)+d for %(member)s (%(kind)s)") % {
            "points": self.points,
            "member": self.user,
            "kind": self.get_kind_display(),
        }


class Reputation(models.Model):
    """Running total of a member's points in a community (recomputable from the ledger)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reputations")
    community = models.ForeignKey("community.Community", on_delete=models.CASCADE, related_name="+")
    points = models.IntegerField(_("points"), default=0)

    class Meta:
        verbose_name = _("reputation")
        verbose_name_plural = _("reputations")
        constraints = [models.UniqueConstraint(fields=["user", "community"], name="reputation_once")]
        indexes = [models.Index(fields=["community", "-points"], name="reputation_ranking")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.community_id}: {self.points}"


class Badge(models.TextChoices):
    FIRST_IDEA = "first_idea", _("First idea")
    CONVERSATION_STARTER = "conversation_starter", _("Conversation starter")
    IDEA_PLANNED = "idea_planned", _("Idea planned")
    IDEA_DONE = "idea_done", _("Idea done")
    AMBASSADOR = "ambassador", _("Ambassador")


class BadgeAward(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badges")
    community = models.ForeignKey("community.Community", on_delete=models.CASCADE, related_name="+")
    badge = models.CharField(_("badge"), max_length=30, choices=Badge.choices)
    awarded_at = models.DateTimeField(_("awarded"), auto_now_add=True)

    class Meta:
        verbose_name = _("badge")
        verbose_name_plural = _("badges")
        ordering = ["awarded_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "community", "badge"], name="badge_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.badge}"
