"""Moderation: per-community rules, the queue of items, the audit log, flags, sanctions.

The database holds the state of record: an item is `pending` until the rule chain has run
for its revision, `held` while it waits for a human, then decided. Decisions are never
deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from community.models.community import Community


class ModerationRule(models.Model):
    community = models.OneToOneField(
        Community, on_delete=models.CASCADE, related_name="moderation_rule", verbose_name=_("community")
    )
    banned_words = models.TextField(
        _("banned words"),
        blank=True,
        help_text=_("One word or phrase per line; matched as whole words, ignoring case and accents."),
    )
    max_links = models.PositiveSmallIntegerField(_("links allowed per post"), default=3)
    new_member_hold_count = models.PositiveSmallIntegerField(
        _("first posts held for a human"),
        default=0,
        help_text=_("A new member's first posts wait for a moderator, until one is approved with trust."),
    )
    max_posts_per_hour = models.PositiveSmallIntegerField(_("posts per member per hour"), default=10)
    flag_threshold = models.FloatField(
        _("flag weight that hides"),
        default=3.0,
        help_text=_("Flags weigh by their author's record (about 1 for a new flagger)."),
    )
    use_spam_check = models.BooleanField(_("ask the external spam checker"), default=True)

    class Meta:
        verbose_name = _("moderation rules")
        verbose_name_plural = _("moderation rules")

    def __str__(self) -> str:
        return str(self.community)

    def banned_list(self) -> list[str]:
        return [line.strip() for line in self.banned_words.splitlines() if line.strip()]


class ItemState(models.TextChoices):
    PENDING = "pending", _("Checking")
    HELD = "held", _("Waiting for a moderator")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    HIDDEN = "hidden", _("Hidden")
    SUPERSEDED = "superseded", _("Replaced by an edit")


OPEN_STATES = (ItemState.PENDING, ItemState.HELD)


class ModerationItem(models.Model):
    class Kind(models.TextChoices):
        IDEA = "idea", _("Idea")
        COMMENT = "comment", pgettext_lazy("a kind of content", "Comment")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="moderation_items", verbose_name=_("community")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    idea = models.ForeignKey(
        "ideas.Idea", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("idea")
    )
    comment = models.ForeignKey(
        "ideas.Comment", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("comment")
    )
    revision = models.PositiveIntegerField(_("revision"), default=1)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    state = models.CharField(_("state"), max_length=12, choices=ItemState.choices, default=ItemState.PENDING)
    # Space-separated reason codes (see community/moderation/rules.py), e.g. "links new_member".
    reasons = models.CharField(_("reasons"), max_length=255, blank=True)
    # Fingerprint of the normalized text (rules.text_fingerprint): finds the same text
    # posted again with one indexed lookup.
    text_hash = models.CharField(max_length=40, blank=True)
    # The text as submitted: the posts keep only their current version, and the review
    # queue shows an edit beside the version before it. Emptied when the post is deleted.
    submitted_title = models.CharField(_("title as submitted"), max_length=120, blank=True)
    submitted_body = models.TextField(_("text as submitted"), blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)
    enqueued_at = models.DateTimeField(_("queued"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("moderation item")
        verbose_name_plural = _("moderation queue")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["idea", "revision"], condition=models.Q(kind="idea"), name="moderation_item_idea_revision"
            ),
            models.UniqueConstraint(
                fields=["comment", "revision"],
                condition=models.Q(kind="comment"),
                name="moderation_item_comment_revision",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "state", "created_at"]),
            models.Index(fields=["state", "enqueued_at"], name="moderation_item_sweep"),
            models.Index(fields=["community", "author", "created_at"], name="moderation_item_author_recent"),
        ]

    def __str__(self) -> str:
        content = self.content
        if content is None:
            return f"{self.get_kind_display()} #{self.idea_id or self.comment_id}"
        if self.kind == self.Kind.COMMENT:
            text = str(content)
        else:
            author = content.author.public_name if content.author_id else gettext("Former member")
            text = gettext("Idea by %(author)s: “%(title)s”") % {"author": author, "title": content.title}
        if self.revision > 1:
            return gettext("%(content)s, version %(revision)d") % {"content": text, "revision": self.revision}
        return text

    @property
    def content(self):
        return self.idea if self.kind == self.Kind.IDEA else self.comment

    def reason_codes(self) -> list[str]:
        return self.reasons.split()


class Outcome(models.TextChoices):
    APPROVE = "approve", _("Approved")
    HOLD = "hold", _("Held for a moderator")
    REJECT = "reject", _("Rejected")
    HIDE = "hide", _("Hidden")


class ModerationDecision(models.Model):
    """The audit log: one row per outcome, automatic or by a moderator. Never deleted."""

    item = models.ForeignKey(
        ModerationItem, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("moderation item")
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    automatic = models.BooleanField(_("automatic"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    reasons = models.CharField(_("reasons"), max_length=255, blank=True)
    message = models.TextField(_("message to the author"), blank=True)
    trusted = models.BooleanField(_("author trusted from now on"), default=False)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["outcome", "-created_at"])]

    def __str__(self) -> str:
        return gettext("%(outcome)s: %(item)s") % {"outcome": self.get_outcome_display(), "item": self.item}


class Flag(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        OFFENSIVE = "offensive", _("Offensive or abusive")
        OFF_TOPIC = "off_topic", _("Off topic")
        OTHER = "other", _("Something else")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="flags", verbose_name=_("community")
    )
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags", verbose_name=_("flagged by")
    )
    idea = models.ForeignKey(
        "ideas.Idea", on_delete=models.CASCADE, null=True, blank=True, related_name="flags", verbose_name=_("idea")
    )
    comment = models.ForeignKey(
        "ideas.Comment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="flags",
        verbose_name=_("comment"),
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.CharField(_("details"), max_length=500, blank=True)
    weight = models.FloatField(_("weight"), default=1.0)
    upheld = models.BooleanField(_("upheld"), null=True, blank=True)
    created_at = models.DateTimeField(_("flagged"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            models.UniqueConstraint(
                fields=["flagger", "idea"], condition=models.Q(comment=None), name="flag_once_per_idea"
            ),
            models.UniqueConstraint(fields=["flagger", "comment"], name="flag_once_per_comment"),
        ]
        indexes = [models.Index(fields=["flagger", "upheld"])]

    def __str__(self) -> str:
        values = {"flagger": self.flagger.public_name, "reason": self.get_reason_display()}
        if self.comment_id:
            values["idea"] = self.comment.idea.title
            return gettext("Flag by %(flagger)s on a comment on “%(idea)s” (%(reason)s)") % values
        values["idea"] = self.idea.title
        return gettext("Flag by %(flagger)s on “%(idea)s” (%(reason)s)") % values


class Sanction(models.Model):
    class Kind(models.TextChoices):
        SUSPENSION = "suspension", _("Suspension")
        BAN = "ban", _("Ban")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="sanctions", verbose_name=_("community")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions", verbose_name=_("member")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    until = models.DateTimeField(_("until"), null=True, blank=True, help_text=_("Required for a suspension."))
    reason = models.TextField(_("reason shown to the member"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    class Meta:
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "community"])]

    def __str__(self) -> str:
        return gettext("%(kind)s of %(member)s in %(community)s") % {
            "kind": self.get_kind_display(),
            "member": self.user,
            "community": self.community,
        }

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.kind == self.Kind.SUSPENSION and not self.until:
            raise ValidationError({"until": _("A suspension needs an end date.")})
        if self.kind == self.Kind.BAN:
            self.until = None


class ReasonTemplate(models.Model):
    """A reason moderators pick when deciding, with the message the author receives."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="reason_templates", verbose_name=_("community")
    )
    label = models.CharField(_("label"), max_length=80)
    message = models.TextField(_("message to the author"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("reason template")
        verbose_name_plural = _("reason templates")
        ordering = ["community", "order", "pk"]

    def __str__(self) -> str:
        return self.label
