"""Ideas and what members do with them: votes, comments, follows, images, status history.

The idea row is wide (title, body, rendered HTML, search vector) and rarely written. What
changes on every vote lives in `IdeaStats`, a narrow row per idea that also carries the
columns listings filter on, so that a vote rewrites a few dozen bytes and every listing
is an index scan on one table (the approach of Discourse's and Lemmy's aggregates).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager, _TaggableManager

from community.models import Category, Community, Status
from ideas.storage import idea_image_name, idea_media_storage, idea_thumbnail_name


class IdeaTags(_TaggableManager):
    """taggit's manager of an idea's tags, whose query for that idea's tags is built only if
    it is read. Django's prefetch of the tags of a page of ideas asks each idea's manager for
    that query, then sets the prefetched tags in its place without reading it: taggit built
    its three joins' filters for every idea shown (a fifth of a search page's CPU)."""

    def get_queryset(self, extra_filters=None):
        prefetched = getattr(self.instance, "_prefetched_objects_cache", {}).get(self.prefetch_cache_name)
        if prefetched is not None:
            return prefetched
        if extra_filters or self.instance is None:  # (the model's tags: taggit's query)
            return super().get_queryset(extra_filters)
        related = self.through.tag_relname()
        # The order is only named here: its join is the filter's, as in taggit's query.
        tags = self.through.tag_model().objects.distinct().order_by(*self.ordering)
        tags._defer_next_filter = True  # as Django's related managers do for a prefetch
        return tags.filter(  # the filters of taggit's `tags_for`
            **{
                f"{related}__content_type__app_label": self.model._meta.concrete_model._meta.app_label,
                f"{related}__content_type__model": self.model._meta.concrete_model._meta.model_name,
                f"{related}__object_id": self.instance.pk,
            }
        )


class ModerationState(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    HIDDEN = "hidden", _("Hidden")


class Idea(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="ideas", verbose_name=_("community")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="ideas", verbose_name=_("author")
    )
    # Who typed it in for the author (a support agent through the API, docs/api.md): shown
    # on the idea as "posted on behalf of … by …". Empty when the author posted it.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted on the author's behalf by"),
    )
    title = models.CharField(_("title"), max_length=120)
    slug = models.SlugField(max_length=80, allow_unicode=False)
    body = models.TextField(_("description"), max_length=10_000)
    body_html = models.TextField(editable=False)
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="ideas", verbose_name=_("category")
    )
    status = models.ForeignKey(Status, on_delete=models.PROTECT, related_name="ideas", verbose_name=_("status"))
    moderation_state = models.CharField(
        _("moderation"), max_length=10, choices=ModerationState.choices, default=ModerationState.PENDING
    )
    # Bumped by every edit; moderation checks a (content, revision) pair once.
    revision = models.PositiveIntegerField(default=1, editable=False)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_ideas",
        verbose_name=_("merged into"),
    )
    tags = TaggableManager(_("tags"), blank=True, manager=IdeaTags)
    # Filled on PostgreSQL only (title weighted A over body B, in the community's language).
    search_vector = SearchVectorField(null=True, editable=False)
    # What duplicate detection compares (`ideas.similarity.terms`): the title's and the
    # description's terms, space-separated, on every database; PostgreSQL indexes them
    # (migration 0008).
    match_title = models.TextField(default="", blank=True, editable=False)
    match_body = models.TextField(default="", blank=True, editable=False)
    # The semantic option's sentence embedding (`ideas.embeddings`): float32 bytes, and the
    # model that made them (a vector of another model is not compared).
    embedding = models.BinaryField(null=True, editable=False)
    embedding_model = models.CharField(max_length=200, blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["author", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.slug = slugify(self.title)[:80] or "idee"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("ideas:detail", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.moderation_state == ModerationState.APPROVED


class IdeaStats(models.Model):
    """The narrow, often-written side of an idea: counters, ranking, listing filters.

    `community`, `status`, `category` and `is_listed` copy the idea's values (kept in step
    by the services) so that a listing never joins before it has its page of ids.
    """

    idea = models.OneToOneField(Idea, on_delete=models.CASCADE, primary_key=True, related_name="stats")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    status = models.ForeignKey(Status, on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, related_name="+")
    # Approved and not merged: what the public lists show.
    is_listed = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    votes = models.IntegerField(default=0)  # up-votes minus down-votes
    upvotes = models.PositiveIntegerField(default=0)
    downvotes = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    followers = models.PositiveIntegerField(default=0)
    # log10(1 + votes) plus the creation time in units of thirty days: an idea needs ten
    # times the votes to outrank one posted a month later (docs/ideas.md, "Du moment").
    # Set at creation and on each vote, never by a decay job.
    hot = models.FloatField(default=0)
    hot_epoch = models.FloatField(default=0)  # the creation-time term of `hot`
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("idea statistics")
        verbose_name_plural = _("idea statistics")
        indexes = (
            [
                models.Index(
                    fields=["community", f"-{key}"], condition=models.Q(is_listed=True), name=f"ideastats_listed_{key}"
                )
                for key in ("hot", "votes", "created_at", "comments", "answered_at")
            ]
            + [
                models.Index(
                    fields=["community", "status", f"-{key}"],
                    condition=models.Q(is_listed=True),
                    name=f"ideastats_status_{key}",
                )
                for key in ("hot", "votes", "created_at")
            ]
            + [
                models.Index(
                    fields=["community", "category", "-hot"],
                    condition=models.Q(is_listed=True),
                    name="ideastats_category_hot",
                )
            ]
        )

    def __str__(self) -> str:
        return f"{self.idea_id}: {self.votes} votes"


class Vote(models.Model):
    class Value(models.IntegerChoices):
        UP = 1, _("Up")
        DOWN = -1, _("Down")

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(choices=Value.choices, default=Value.UP)
    created_at = models.DateTimeField(default=timezone.now)  # kept as it was when a merge is undone
    # A proxy vote: staff (or an API key) recorded it for the member, who asked them to
    # (a support ticket, a phone call). It counts like any vote; staff see who recorded it.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded on the member's behalf by"),
    )

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["idea", "user"], name="ideas_vote_one_per_member"),
            models.CheckConstraint(condition=models.Q(value__in=[1, -1]), name="ideas_vote_value_is_one"),
        ]
        indexes = [models.Index(fields=["user", "idea"])]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.idea_id} ({self.value:+d})"


class Comment(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="comments", verbose_name=_("idea"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="comments",
        verbose_name=_("author"),
    )
    # Replies are one level deep: a reply's parent is always a top-level comment.
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("in reply to"),
    )
    body = models.TextField(_("comment"), max_length=5_000)
    body_html = models.TextField(editable=False)
    moderation_state = models.CharField(
        _("moderation"), max_length=10, choices=ModerationState.choices, default=ModerationState.PENDING
    )
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in")
    revision = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["idea", "created_at"]), models.Index(fields=["author", "-created_at"])]

    def __str__(self) -> str:
        author = self.author.public_name if self.author_id else gettext("Former member")
        return gettext("Comment by %(author)s on “%(idea)s”") % {"author": author, "idea": self.idea.title}

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Follow(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="ideas_follow_once")]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.idea_id}"


class IdeaImage(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="images")
    # Kept out of MEDIA_ROOT under random names, served by `ideas.media` to readers who may
    # see the idea. Indexed: that view finds the image by its file name.
    image = models.ImageField(
        upload_to=idea_image_name,
        storage=idea_media_storage,
        width_field="width",
        height_field="height",
        db_index=True,
    )
    thumbnail = models.ImageField(upload_to=idea_thumbnail_name, storage=idea_media_storage, blank=True, db_index=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.image.name


class StatusChange(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("idea"))
    from_status = models.ForeignKey(
        Status, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("from status")
    )
    to_status = models.ForeignKey(Status, on_delete=models.PROTECT, related_name="+", verbose_name=_("to status"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("changed by")
    )
    reason = models.TextField(_("reason"), blank=True)
    # Set when the change came with an official response (whose body is its public reason).
    response = models.ForeignKey(
        "OfficialResponse",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="status_changes",
        verbose_name=_("official response"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["idea", "-created_at"])]

    def __str__(self) -> str:
        return gettext("“%(idea)s”: %(from)s → %(to)s") % {
            "idea": self.idea.title,
            "from": self.from_status or "—",
            "to": self.to_status,
        }


class Merge(models.Model):
    """A duplicate merged into an original, with what moved, so that it can be undone."""

    duplicate = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="merges_as_duplicate", verbose_name=_("duplicate")
    )
    original = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="merges_as_original", verbose_name=_("original")
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("merged by")
    )
    previous_status = models.ForeignKey(
        Status, on_delete=models.PROTECT, related_name="+", verbose_name=_("status before the merge")
    )
    moved = models.JSONField(_("what moved"), default=dict)
    created_at = models.DateTimeField(_("merged"), auto_now_add=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return gettext("“%(duplicate)s” merged into “%(original)s”") % {
            "duplicate": self.duplicate.title,
            "original": self.original.title,
        }


class ResponseState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# States of a response still being prepared; an idea has at most one at a time.
RESPONSE_OPEN_STATES = (
    ResponseState.DRAFT,
    ResponseState.AWAITING_APPROVAL,
    ResponseState.APPROVED,
    ResponseState.SCHEDULED,
)


class OfficialResponse(models.Model):
    """The brand's public answer on an idea, optionally moving it to another status.

    The state machine lives in `ideas/responses.py`; publishing is a task
    (`notifications.publish_response`) that a scheduled response reaches when it is due.
    """

    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="responses", verbose_name=_("idea"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("author")
    )
    body = models.TextField(_("response"), max_length=10_000)
    body_html = models.TextField(editable=False)
    status = models.ForeignKey(
        Status,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("new status"),
        help_text=_("Leave empty to keep the idea's status."),
    )
    state = models.CharField(_("state"), max_length=20, choices=ResponseState.choices, default=ResponseState.DRAFT)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("last edited by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("approved by")
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("published by")
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Set by the fan-out once followers have been told; the sweeper re-queues it otherwise.
    notified_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("official response")
        verbose_name_plural = _("official responses")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["idea"],
                condition=models.Q(state__in=RESPONSE_OPEN_STATES),
                name="response_one_open_per_idea",
                violation_error_message=_("This idea already has a response in preparation."),
            )
        ]
        indexes = [
            models.Index(fields=["state", "publish_at"], name="response_due"),
            models.Index(fields=["idea", "state"], name="response_by_idea"),
        ]

    def __str__(self) -> str:
        return gettext("Official response on “%(idea)s” (%(state)s)") % {
            "idea": self.idea.title,
            "state": self.get_state_display(),
        }

    @property
    def community(self) -> Community:
        return self.idea.community


class ResponseRevision(models.Model):
    """A published response's text before an edit: what the public read, kept."""

    response = models.ForeignKey(
        OfficialResponse, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("official response")
    )
    body = models.TextField(_("text"))
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("edited by")
    )
    created_at = models.DateTimeField(_("replaced"), auto_now_add=True)

    class Meta:
        verbose_name = _("response revision")
        verbose_name_plural = _("response revisions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return gettext("Text replaced on %(date)s") % {"date": f"{self.created_at:%d/%m/%Y %H:%M}"}


class Synonym(models.Model):
    """A community's own words that say the same thing (its products, its places, its
    jargon), for duplicate detection: one group per row, added to the base thesaurus of
    `ideas/data/thesaurus.txt`. Editing them re-indexes the community's ideas."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="synonyms", verbose_name=_("community")
    )
    words = models.TextField(
        _("words"),
        max_length=2000,
        help_text=_(
            "Words or phrases that mean the same in this community, separated by commas, in any "
            "language: “Ouigo, low cost, petit prix”."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonym groups")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.words[:80]


class DuplicateCandidate(models.Model):
    """A pair of ideas whose titles are close: `idea` may repeat `likely_original`.

    Found by the nightly sweep and when an idea is posted or edited (ideas/duplicate_pairs.py);
    a moderator merges the pair or dismisses it. One row per pair, ever: a dismissed pair
    is not suggested again."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+", verbose_name=_("community"))
    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="duplicate_candidates", verbose_name=_("possible duplicate")
    )
    likely_original = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="+", verbose_name=_("likely original")
    )
    score = models.FloatField(_("closeness"), null=True, blank=True)
    found_at = models.DateTimeField(_("found"), auto_now_add=True)
    dismissed_at = models.DateTimeField(_("dismissed"), null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dismissed by"),
    )

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        ordering = ["-found_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["idea", "likely_original"], name="duplicate_candidate_once_per_pair"),
        ]

    def __str__(self) -> str:
        return gettext("#%(idea)s may repeat #%(original)s") % {
            "idea": self.idea_id,
            "original": self.likely_original_id,
        }
