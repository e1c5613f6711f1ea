"""Reads for the moderation queue: the review queue's cards and the authors' records.

Each read costs a number of queries that does not grow with the number of items: a
moderator's queue of 3 or of 30 cards is the same dozen queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from community.models import Flag, Membership, ModerationDecision, ModerationItem, ReasonTemplate, Sanction
from community.models.moderation import OPEN_STATES
from community.moderation.rules import REASONS
from ideas.duplicate_pairs import likely_originals_of
from ideas.models import Comment, Idea
from ideas.rendering import render_markdown

POST_STATES = ("approved", "rejected", "hidden")


@dataclass
class AuthorRecord:
    """What a moderator weighs about an author in one community."""

    author: User
    membership: Membership | None
    counts: dict[str, int]  # their posts by moderation state: approved, rejected, hidden
    flags_made: int
    flags_upheld: int
    flags_received: int
    sanctions: list[Sanction]
    decided: dict[str, int]  # moderators' decisions on their posts, by outcome
    decisions: list = field(default_factory=list)  # the latest ones, where a page lists them

    @property
    def posts(self) -> int:
        return sum(self.counts.values())

    @property
    def trusted(self) -> bool:
        return self.membership is not None and self.membership.trusted_at is not None


def author_records(*, authors: Iterable[tuple[int, User]]) -> dict[tuple[int, int], AuthorRecord]:
    """Records keyed by (community id, author id), for (community id, author) pairs.

    Seven queries whatever the number of pairs: each reads the authors of all the
    communities at once, grouped, and keeps the pairs asked for.
    """
    wanted = {(community_id, author.pk): author for community_id, author in authors}
    if not wanted:
        return {}
    communities = {community_id for community_id, _author_id in wanted}
    users = {author_id for _community_id, author_id in wanted}
    counts: dict[tuple[int, int], dict[str, int]] = {key: dict.fromkeys(POST_STATES, 0) for key in wanted}
    for rows in (
        Idea.objects.filter(community_id__in=communities, author_id__in=users).values_list(
            "community_id", "author_id", "moderation_state"
        ),
        Comment.objects.filter(idea__community_id__in=communities, author_id__in=users).values_list(
            "idea__community_id", "author_id", "moderation_state"
        ),
    ):
        for community_id, author_id, state, number in rows.order_by().annotate(number=Count("pk")):
            if (community_id, author_id) in counts and state in POST_STATES:
                counts[community_id, author_id][state] += number
    made = {
        (row["community_id"], row["flagger_id"]): row
        for row in Flag.objects.filter(community_id__in=communities, flagger_id__in=users)
        .values("community_id", "flagger_id")
        .order_by()
        .annotate(made=Count("pk"), upheld=Count("pk", filter=Q(upheld=True)))
    }
    received = {
        (community_id, author_id): number
        for community_id, author_id, number in Flag.objects.filter(community_id__in=communities)
        .filter(Q(idea__author_id__in=users, comment=None) | Q(comment__author_id__in=users))
        .annotate(of=Coalesce("comment__author_id", "idea__author_id"))
        .values_list("community_id", "of")
        .order_by()
        .annotate(number=Count("pk"))
    }
    sanctions: dict[tuple[int, int], list[Sanction]] = {}
    for sanction in (
        Sanction.objects.filter(community_id__in=communities, user_id__in=users, lifted_at=None)
        .filter(Q(kind=Sanction.Kind.BAN) | Q(until__gt=timezone.now()))
        .order_by("-created_at")
    ):
        sanctions.setdefault((sanction.community_id, sanction.user_id), []).append(sanction)
    memberships = {
        (membership.community_id, membership.user_id): membership
        for membership in Membership.objects.filter(community_id__in=communities, user_id__in=users)
    }
    decided: dict[tuple[int, int], dict[str, int]] = {}
    for community_id, author_id, outcome, number in (
        ModerationDecision.objects.filter(item__community_id__in=communities, item__author_id__in=users)
        .filter(automatic=False)
        .values_list("item__community_id", "item__author_id", "outcome")
        .order_by()
        .annotate(number=Count("pk"))
    ):
        decided.setdefault((community_id, author_id), {})[outcome] = number
    return {
        key: AuthorRecord(
            author=author,
            membership=memberships.get(key),
            counts=counts[key],
            flags_made=made.get(key, {}).get("made", 0),
            flags_upheld=made.get(key, {}).get("upheld", 0),
            flags_received=received.get(key, 0),
            sanctions=sanctions.get(key, []),
            decided=decided.get(key, {}),
        )
        for key, author in wanted.items()
    }


@dataclass
class ReviewCard:
    """One waiting item as the review queue shows it."""

    item: ModerationItem
    content: Idea | Comment | None
    idea: Idea | None  # the idea itself, or the one a comment answers
    parent: Comment | None  # the comment a reply answers
    images: list
    flags: list[Flag]
    reasons: list[str]  # the rules' and the spam checker's reasons, in words
    previous: ModerationItem | None  # for an edit: the version before it, as submitted
    previous_html: str
    record: AuthorRecord | None
    templates: list[ReasonTemplate]
    form: object = None  # a decision form sent back with errors
    originals: list[Idea] = field(default_factory=list)  # public ideas an idea may repeat

    @property
    def is_idea(self) -> bool:
        return self.item.kind == ModerationItem.Kind.IDEA

    @property
    def waiting(self) -> timedelta:
        return timezone.now() - self.item.created_at

    @property
    def is_current(self) -> bool:
        return self.content is not None and self.content.revision == self.item.revision


def waiting_items(items: QuerySet[ModerationItem]) -> QuerySet[ModerationItem]:
    """The items of `items` (already scoped to the moderator) that wait, oldest first."""
    return items.filter(state__in=OPEN_STATES).order_by("created_at", "pk")


def review_cards(*, items: QuerySet[ModerationItem]) -> list[ReviewCard]:
    """A card for each item of `items` (scoped and sliced by the caller), in its order."""
    rows = list(
        items.select_related(
            "community",
            "author",
            "idea__author",
            "idea__category",
            "comment__author",
            "comment__idea__author",
            "comment__parent__author",
        ).prefetch_related("idea__images")
    )
    if not rows:
        return []
    idea_ids = [row.idea_id for row in rows if row.kind == ModerationItem.Kind.IDEA]
    comment_ids = [row.comment_id for row in rows if row.kind == ModerationItem.Kind.COMMENT]
    flags: dict[tuple[str, int], list[Flag]] = {}
    for flag in (
        Flag.objects.filter(Q(idea_id__in=idea_ids, comment=None) | Q(comment_id__in=comment_ids))
        .select_related("flagger")
        .order_by("-created_at")
    ):
        key = ("comment", flag.comment_id) if flag.comment_id else ("idea", flag.idea_id)
        flags.setdefault(key, []).append(flag)
    previous = _previous_versions([row for row in rows if row.revision > 1])
    templates: dict[int, list[ReasonTemplate]] = {}
    for template in ReasonTemplate.objects.filter(community_id__in={row.community_id for row in rows}):
        templates.setdefault(template.community_id, []).append(template)
    records = author_records(authors={(row.community_id, row.author) for row in rows if row.author is not None})
    originals = likely_originals_of(row.idea for row in rows if row.kind == ModerationItem.Kind.IDEA and row.idea)
    cards = []
    for row in rows:
        content = row.content
        key = (row.kind, row.idea_id if row.kind == ModerationItem.Kind.IDEA else row.comment_id)
        before = previous.get(row.pk)
        cards.append(
            ReviewCard(
                item=row,
                content=content,
                idea=content if row.kind == ModerationItem.Kind.IDEA else getattr(content, "idea", None),
                parent=content.parent if isinstance(content, Comment) and content.parent_id else None,
                images=list(content.images.all()) if row.kind == ModerationItem.Kind.IDEA and content else [],
                flags=flags.get(key, []),
                reasons=[str(REASONS.get(code, code)) for code in row.reason_codes()],
                previous=before,
                previous_html=render_markdown(before.submitted_body) if before and before.submitted_body else "",
                record=records.get((row.community_id, row.author_id)),
                templates=templates.get(row.community_id, []),
                originals=originals.get(row.idea_id, []) if row.kind == ModerationItem.Kind.IDEA else [],
            )
        )
    return cards


def _previous_versions(edits: list[ModerationItem]) -> dict[int, ModerationItem]:
    """For each edit, the item of the version before it (item id -> item), in one query."""
    if not edits:
        return {}
    earlier = ModerationItem.objects.filter(
        Q(kind=ModerationItem.Kind.IDEA, idea_id__in=[edit.idea_id for edit in edits if edit.idea_id])
        | Q(kind=ModerationItem.Kind.COMMENT, comment_id__in=[edit.comment_id for edit in edits if edit.comment_id])
    ).only("pk", "kind", "idea_id", "comment_id", "revision", "submitted_title", "submitted_body", "created_at")
    by_content: dict[tuple[str, int | None], list[ModerationItem]] = {}
    for item in earlier.order_by("-revision"):
        by_content.setdefault((item.kind, item.idea_id or item.comment_id), []).append(item)
    found = {}
    for edit in edits:
        versions = by_content.get((edit.kind, edit.idea_id or edit.comment_id), [])
        before = next((item for item in versions if item.revision < edit.revision), None)
        if before is not None:
            found[edit.pk] = before
    return found
