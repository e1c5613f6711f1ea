"""Writes on ideas: post, edit, vote, comment, follow, merge.

Every function takes keyword-only arguments, checks the rules it owns (raising `Refused`
with a message for the member), and runs in one transaction. Counters live in
`IdeaStats` and only ever change through `F()` updates or recounts, never by writing a
value read in Python.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Abs, Coalesce, Ln, Sign
from django.db.models.sql import UpdateQuery
from django.utils import timezone
from django.utils.translation import gettext as _

import events
from accounts.models import User
from community.cache import content_changed, idea_changed, ideas_listed_changed
from community.models import (
    Category,
    Community,
    Membership,
    ModerationDecision,
    ModerationItem,
    ModerationMode,
    Role,
    Status,
)
from community.models.moderation import Outcome
from community.sanctions import active_sanction, sanction_message
from community.selectors import role_in
from community.services import membership_join
from config.client_ip import ClientInfo
from config.images import MAX_IMAGES, image_validate, image_without_metadata
from ideas.duplicates import idea_terms_refresh
from ideas.exceptions import Refused
from ideas.models import (
    Comment,
    Follow,
    Idea,
    IdeaImage,
    IdeaStats,
    Merge,
    ModerationState,
    StatusChange,
    Vote,
)
from ideas.rendering import mentioned_usernames, render_markdown
from ideas.search import idea_search_vector, on_postgres
from ideas.storage import idea_media_storage
from outbox import services as outbox

logger = logging.getLogger(__name__)

COMMENT_EDIT_WINDOW = timedelta(minutes=15)
IDEA_EDIT_WINDOW = timedelta(minutes=60)
MAX_TAGS = 5
HOT_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
# Seconds per order of magnitude of votes: an idea posted thirty days after another outranks
# it with a tenth of its votes (docs/ideas.md, "Du moment"). Changed: migration ideas/0005.
HOT_TIME_UNIT = 30 * 24 * 3600
MODERATOR_ROLES = (Role.MODERATOR, Role.ADMIN)
# PRODUCT.md §5: moving an idea to one of these needs a public reason.
STATUSES_NEEDING_REASON = frozenset({"declined", "duplicate"})


# --- Shared rules ------------------------------------------------------------------------


def initial_moderation_state(community: Community) -> str:
    """Until the moderation pipeline lands: post-moderation publishes, pre-moderation holds."""
    return ModerationState.PENDING if community.moderation_mode == ModerationMode.PRE else ModerationState.APPROVED


def is_moderator(user: User, community: Community) -> bool:
    return user.is_authenticated and (user.is_superuser or role_in(user, community) in MODERATOR_ROLES)


def _require_member(user: User, community: Community) -> None:
    """Signed in, active and not sanctioned here; joins the community on first action."""
    if not user.is_authenticated or not user.is_active:
        raise Refused(_("Sign in to take part."), status=403)
    _require_not_sanctioned(user, community)
    if role_in(user, community) is None:  # usually known already this request: no query
        membership_join(community=community, user=user)


def _require_not_sanctioned(user: User, community: Community) -> None:
    sanction = active_sanction(user, community)
    if sanction is not None:
        raise Refused(sanction_message(sanction), status=403)


def _require_open(idea: Idea) -> None:
    if idea.merged_into_id:
        raise Refused(_("This idea was merged into another one; take part there."), status=409)
    if idea.moderation_state != ModerationState.APPROVED:
        raise Refused(_("This idea is not public yet."), status=409)


def hot_epoch_of(created_at: datetime) -> float:
    return (created_at - HOT_EPOCH).total_seconds() / HOT_TIME_UNIT


def hot_score(votes: int, epoch: float) -> float:
    """Python twin of the SQL expression in `_hot_expression`, for new rows and tests:
    log10(1 + |votes|), with the sign of the votes, plus the creation time term. The first
    vote counts (0.3), nine votes make 1, 99 make 2."""
    return math.copysign(math.log10(1 + abs(votes)), votes) + epoch


def _hot_expression(votes_expression):
    return Sign(votes_expression) * Ln(Abs(votes_expression) + Value(1)) / Value(math.log(10)) + F("hot_epoch")


def _normalize_tags(tags: Iterable[str]) -> list[str]:
    cleaned = []
    for tag in tags:
        tag = " ".join(tag.strip().lower().split())[:50]
        if tag and tag not in cleaned:
            cleaned.append(tag)
    if len(cleaned) > MAX_TAGS:
        raise Refused(_("At most %(count)d tags.") % {"count": MAX_TAGS})
    return cleaned


def _check_vocabulary(community: Community, category: Category | None) -> None:
    if category is not None and category.community_id != community.pk:
        raise Refused(_("Unknown category."))


def _refresh_search_vector(idea: Idea) -> None:
    """The idea's full-text vector (PostgreSQL) and its duplicate-detection terms."""
    if on_postgres():
        Idea.objects.filter(pk=idea.pk).update(search_vector=idea_search_vector(idea.community))
    idea_terms_refresh(idea)


def _sync_stats_columns(idea: Idea, *, elsewhere: bool = True) -> None:
    """Copy the idea's listing columns into its stats row (after any change to the idea:
    visitors' cached pages are keyed anew; all of them unless the change shows nowhere
    but on listings and its own page: `elsewhere=False`)."""
    IdeaStats.objects.filter(pk=idea.pk).update(
        status=idea.status_id,
        category=idea.category_id,
        is_listed=idea.moderation_state == ModerationState.APPROVED and idea.merged_into_id is None,
    )
    if elsewhere:
        content_changed(idea.community_id)
    else:
        _ideas_shown_changed(idea.community_id, [idea])


def _ideas_shown_changed(community_id: int, ideas: Sequence[Idea]) -> None:
    """Ideas published, held or hidden: listings and their own pages change, and another
    idea's page only through a merge (a duplicate's page names its target and the reverse),
    where every page is keyed anew."""
    ids = [idea.pk for idea in ideas]
    merged = any(idea.merged_into_id for idea in ideas) or Idea.objects.filter(merged_into__in=ids).exists()
    if merged:
        content_changed(community_id)
    else:
        ideas_listed_changed(community_id, ids)


def _images_add(idea: Idea, uploads: Sequence[UploadedFile]) -> list[IdeaImage]:
    existing = idea.images.count()
    if existing + len(uploads) > MAX_IMAGES:
        raise Refused(_("At most %(count)d images per idea.") % {"count": MAX_IMAGES})
    images = []
    for position, upload in enumerate(uploads, start=existing):
        image_format = image_validate(upload)
        images.append(
            IdeaImage.objects.create(idea=idea, image=image_without_metadata(upload, image_format), position=position)
        )
    if images:
        outbox.enqueue("media.make_thumbnails", [image.pk for image in images])
    return images


def _image_files(images: QuerySet[IdeaImage]) -> list[str]:
    return [name for pair in images.values_list("image", "thumbnail") for name in pair if name]


def image_files_delete(names: Sequence[str]) -> None:
    """Remove stored pictures (called once the rows that named them are gone for good)."""
    storage = idea_media_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Could not delete the stored picture %s", name, exc_info=True)


@transaction.atomic
def ideas_delete(*, ideas: QuerySet[Idea]) -> int:
    """Erase ideas for good, with what hangs on them; their pictures' files go once this
    commits (a rollback loses nothing). An operator's act: moderators hide or merge.
    Returns the number of ideas erased."""
    ids = list(ideas.values_list("pk", flat=True))
    names = _image_files(IdeaImage.objects.filter(idea__in=ids))
    communities = set(Idea.objects.filter(pk__in=ids).values_list("community_id", flat=True))
    deleted = Idea.objects.filter(pk__in=ids).delete()[1].get(Idea._meta.label, 0)
    for community_id in communities:
        content_changed(community_id)
    transaction.on_commit(lambda: image_files_delete(names))
    return deleted


def default_status(community: Community) -> Status:
    status = community.statuses.filter(slug="new").first() or community.statuses.order_by("order").first()
    if status is None:
        raise Refused(_("This community has no statuses yet."), status=409)
    return status


# --- Ideas -------------------------------------------------------------------------------


@transaction.atomic
def idea_create(
    *,
    community: Community,
    author: User,
    title: str,
    body: str,
    category: Category | None = None,
    tags: Iterable[str] = (),
    images: Sequence[UploadedFile] = (),
    client: ClientInfo | None = None,
    submitted_by: User | None = None,
) -> Idea:
    """Post an idea; its author follows it. Images are validated before anything is kept.

    `submitted_by`: who typed it in on the author's behalf (staff through the API); the
    idea is the author's in every respect (moderation, points, notices) and says so.

    The idea goes through moderation: public at once in a post-moderation community
    (hidden again if a rule trips), pending until checked in a pre-moderation one. Its
    author earns points once the check (or a moderator) approves it.
    """
    _require_member(author, community)
    _check_vocabulary(community, category)
    tag_names = _normalize_tags(tags)
    for upload in images:
        image_validate(upload)
    idea = Idea.objects.create(
        community=community,
        author=author,
        title=title.strip(),
        body=body,
        body_html=render_markdown(body),
        category=category,
        status=default_status(community),
        moderation_state=initial_moderation_state(community),
        submitted_by=submitted_by,
    )
    epoch = hot_epoch_of(idea.created_at)
    IdeaStats.objects.create(
        idea=idea,
        community=community,
        status=idea.status,
        category=category,
        is_listed=idea.moderation_state == ModerationState.APPROVED,
        created_at=idea.created_at,
        hot_epoch=epoch,
        hot=hot_score(0, epoch),
    )
    if tag_names:
        idea.tags.set(tag_names)
    _refresh_search_vector(idea)
    _images_add(idea, images)
    follow_ensure(idea=idea, user=author)
    # Moderation checks it (a subscriber); points (and the badge they may earn) wait for
    # the check to approve it, even where it is public at once: see `ideas_published`.
    events.publish(
        "idea.posted",
        community_id=community.pk,
        subject=idea,
        actor=author,
        public=idea.is_public,
        context={"client": client},
    )
    _duplicates_look_for(idea)
    return idea


def _duplicates_look_for(idea: Idea) -> None:
    """Find the public ideas this one may repeat, after the commit (ideas/duplicate_pairs.py),
    so that the review queue shows them with the idea."""
    outbox.enqueue("ideas.find_duplicates", idea.pk, key=f"duplicates:{idea.pk}")


def can_edit_idea(idea: Idea, user: User) -> bool:
    if not user.is_authenticated:
        return False
    if is_moderator(user, idea.community):
        return True
    return (
        idea.merged_into_id is None  # its votes and comments live on the original now
        and idea.author_id == user.pk
        and idea.moderation_state not in (ModerationState.REJECTED, ModerationState.HIDDEN)
        and timezone.now() - idea.created_at <= IDEA_EDIT_WINDOW
    )


@transaction.atomic
def idea_update(
    *,
    idea: Idea,
    user: User,
    title: str,
    body: str,
    category: Category | None = None,
    tags: Iterable[str] = (),
    images: Sequence[UploadedFile] = (),
    client: ClientInfo | None = None,
) -> Idea:
    """Edit an idea: its author within the edit window, a moderator at any time.

    The new revision is moderated again; in a pre-moderation community it leaves the
    public pages until checked.
    """
    _require_not_sanctioned(user, idea.community)
    if not can_edit_idea(idea, user):
        raise Refused(_("You can no longer edit this idea."), status=403)
    _check_vocabulary(idea.community, category)
    tag_names = _normalize_tags(tags)
    for upload in images:
        image_validate(upload)
    idea.title = title.strip()
    idea.body = body
    idea.body_html = render_markdown(body)
    idea.category = category
    idea.revision += 1  # edits of one idea are serial: its author, or a moderator
    if idea.community.moderation_mode == ModerationMode.PRE and not is_moderator(user, idea.community):
        idea.moderation_state = ModerationState.PENDING
    idea.save()
    idea.tags.set(tag_names)
    _sync_stats_columns(idea)
    _refresh_search_vector(idea)
    _images_add(idea, images)
    events.publish(
        "idea.edited",
        community_id=idea.community_id,
        subject=idea,
        actor=user,
        public=idea.is_public,
        context={"client": client},
    )
    _duplicates_look_for(idea)
    return idea


@transaction.atomic
def idea_refresh(*, idea: Idea) -> None:
    """Bring derived data in step after an edit made outside `idea_update` (the admin):
    rendered HTML, the stats row's listing columns and the search vector."""
    Idea.objects.filter(pk=idea.pk).update(body_html=render_markdown(idea.body))
    _sync_stats_columns(idea)
    _refresh_search_vector(idea)


@transaction.atomic
def idea_set_status(
    *, idea: Idea, status: Status, user: User | None, reason: str = "", response=None
) -> StatusChange | None:
    """Move an idea to another status of its community, record it in the history and tell
    the followers (once committed, and only of a public idea; a change that comes with an
    official response is announced by the response instead)."""
    if status.community_id != idea.community_id:
        raise Refused(_("Unknown status."))
    if status.pk == idea.status_id:
        return None
    if status.slug in STATUSES_NEEDING_REASON and not reason.strip():
        raise Refused(_("Declining an idea or marking it a duplicate needs a public reason."))
    change = StatusChange.objects.create(
        idea=idea, from_status_id=idea.status_id, to_status=status, changed_by=user, reason=reason, response=response
    )
    idea.status = status
    idea.save(update_fields=["status", "updated_at"])
    _sync_stats_columns(idea)
    # Of an idea held, hidden or rejected, nobody hears (`public`).
    events.publish(
        "idea.status_changed", community_id=idea.community_id, subject=change, actor=user, public=idea.is_public
    )
    return change


# --- Votes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoteResult:
    value: int | None  # the member's vote after the toggle, None when withdrawn
    votes: int  # the idea's score after the toggle


class _Unseen:
    """What a toggle gets when the request does not say which vote its page showed."""

    def __repr__(self) -> str:
        return "UNSEEN"


UNSEEN = _Unseen()


def vote_toggle(*, idea: Idea, user: User, value: int = 1, seen: int | _Unseen | None = UNSEEN) -> VoteResult:
    """Cast, withdraw or flip a vote, as a click on the vote button means it.

    `seen` is the member's vote as the page they clicked showed it (None: no vote). The
    click then means one state: no vote when the page showed this very vote, else the
    vote `value`. So the same request sent twice (a double click, a form sent again)
    changes nothing the second time, while an undo right after a vote works at once.
    Without `seen`, the vote as it stands is toggled: cast, else withdraw, else flip.
    """
    if seen is UNSEEN:
        return _vote_write(idea=idea, user=user, value=value, target=value, toggle=True)
    return _vote_write(idea=idea, user=user, value=value, target=None if seen == value else value, toggle=False)


def vote_set(*, idea: Idea, user: User, value: int | None, recorded_by: User | None = None) -> VoteResult:
    """Make the member's vote `value` (None: no vote). Idempotent: asking again changes
    nothing (a vote finished after sign-in, a form sent twice). `recorded_by`: staff who
    record the vote on the member's behalf (a proxy vote; it counts like any other)."""
    return _vote_write(idea=idea, user=user, value=value or 1, target=value, toggle=False, recorded_by=recorded_by)


def _vote_write(
    *, idea: Idea, user: User, value: int, target: int | None, toggle: bool, recorded_by: User | None = None
) -> VoteResult:
    """Change the member's vote towards `target` (None: no vote), `value` being the vote
    the member clicked (its rules apply: down-votes, closed ideas).

    The vote row is the truth: a unique (idea, member) constraint refuses a second row,
    and each change of a row moves the counters by the same amount with one `F()`
    update, which also recomputes the hot score. Each move is one guarded statement tried
    in turn (cast, withdraw, flip), so that only the request whose statement changed the
    row moves the counters; a toggle withdraws a vote of its value before it flips.

    One transaction (one commit: votes are the busiest write) holds the vote, the
    counters, the voter's follow and the author's points. The idea's own row is never
    written: only its narrow `IdeaStats` row, whose UPDATE also returns the new score.
    """
    if value not in (1, -1) or target not in (1, -1, None):
        raise Refused(_("A vote is 1 or -1."))
    with transaction.atomic():
        _require_member(user, idea.community)
        _require_open(idea)
        if idea.status.is_closed:
            raise Refused(_("Voting is closed for this idea."), status=409)
        if value == -1 and not idea.community.downvotes_allowed:
            raise Refused(_("This community does not use down-votes."))
        mine = Vote.objects.filter(idea=idea, user=user)
        change = None
        recorder = recorded_by.pk if recorded_by is not None else None
        if target is not None and _row_insert(_VOTE_INSERT, idea.pk, user.pk, target, _now(), recorder):
            change = (None, target)
        elif toggle or target is None:
            for old in (value,) if toggle else (value, -value):
                if mine.filter(value=old).delete()[0]:
                    change = (old, None)
                    break
        if (
            change is None
            and target is not None
            and mine.exclude(value=target).update(value=target, recorded_by_id=recorder)
        ):
            change = (-target, target)
        if change is None:
            # Already as asked (the same request again), or this member's other request
            # changed the vote first: nothing moved, say where things stand.
            return VoteResult(value=mine.values_list("value", flat=True).first(), votes=_stats_move(idea))
        old_value, new_value = change
        followed = new_value is not None and _row_insert(_FOLLOW_INSERT, idea.pk, user.pk, _now())
        votes = _stats_move(idea, votes=(old_value, new_value), followers=int(followed))
        events.publish(
            "vote.cast" if new_value is not None else "vote.withdrawn",
            community_id=idea.community_id,
            subject=events.VoteFact(idea=idea, user=user, value=new_value, votes=votes, recorded_by=recorded_by),
            actor=user,
            public=idea.is_public,
        )
        _threshold_check(idea, votes=votes, moved=(new_value or 0) - (old_value or 0))
    return VoteResult(value=new_value, votes=votes)


def _threshold_check(idea: Idea, *, votes: int, moved: int) -> None:
    """The vote that takes an unanswered public idea to the community's response threshold
    is a fact for the brand's team (`idea.threshold_reached`): once per crossing."""
    threshold = idea.community.response_vote_threshold
    if not threshold or moved <= 0 or not votes - moved < threshold <= votes or not idea.is_public:
        return
    if IdeaStats.objects.filter(pk=idea.pk, answered_at__isnull=False).exists():
        return
    events.publish(
        "idea.threshold_reached",
        community_id=idea.community_id,
        subject=idea,
        votes=votes,
        threshold=threshold,
    )


# The vote and the follow inserts as single statements (PostgreSQL and SQLite both speak
# them): a concurrent twin makes them insert nothing, without the savepoint and the
# IntegrityError an ORM create would need.
_VOTE_INSERT = """
INSERT INTO ideas_vote (idea_id, user_id, value, created_at, recorded_by_id) VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (idea_id, user_id) DO NOTHING RETURNING id
"""
_FOLLOW_INSERT = """
INSERT INTO ideas_follow (idea_id, user_id, created_at) VALUES (%s, %s, %s)
ON CONFLICT (idea_id, user_id) DO NOTHING RETURNING id
"""


def _now():
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _row_insert(statement: str, *params) -> bool:
    """Run one of the inserts above; whether it inserted a row."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone() is not None


def _stats_move(
    idea: Idea,
    *,
    votes: tuple[int | None, int | None] | None = None,
    followers: int = 0,
    comments: int = 0,
    returning: str | None = "votes",
) -> int | None:
    """Move the idea's counters in one `UPDATE`: the votes from one member's old vote to
    their new one (None: none), with the hot score, and the followers and comments by
    these amounts. Return the counter `returning` as that statement left it (exact under
    concurrency: the row stays locked until the commit); nothing to move: just read it."""
    rows = IdeaStats.objects.filter(pk=idea.pk)
    moves: dict[str, Combinable] = {}
    if votes is not None:
        old, new = votes
        new_votes = F("votes") + ((new or 0) - (old or 0))
        moves["votes"] = new_votes
        moves["upvotes"] = F("upvotes") + (int(new == 1) - int(old == 1))
        moves["downvotes"] = F("downvotes") + (int(new == -1) - int(old == -1))
        moves["hot"] = _hot_expression(new_votes)
    if followers:
        moves["followers"] = F("followers") + followers
    if comments:
        moves["comments"] = F("comments") + comments
    if returning is None:
        rows.update(**moves)
        return None
    if not moves:
        return rows.values_list(returning, flat=True).get()
    return _update_returning(rows, moves, returning)


def _update_returning(rows: QuerySet, values: dict[str, Combinable], column: str):
    """`rows.update(**values)` that also returns `column` of the (one) row it wrote, read by
    the same statement (RETURNING: PostgreSQL, SQLite 3.35+) rather than a second query.
    Django builds the UPDATE, so the expressions stay the ORM's."""
    query = rows.query.chain(UpdateQuery)
    query.add_update_values(values)
    statement, params = query.get_compiler(rows.db).as_sql()
    returned = connection.ops.quote_name(rows.model._meta.get_field(column).column)
    with connection.cursor() as cursor:
        cursor.execute(f"{statement} RETURNING {returned}", params)
        return cursor.fetchone()[0]


# --- Follows -----------------------------------------------------------------------------


def follow_ensure(*, idea: Idea, user: User) -> bool:
    """Follow if not yet following; return whether a follow was added."""
    if not _row_insert(_FOLLOW_INSERT, idea.pk, user.pk, _now()):
        return False
    IdeaStats.objects.filter(pk=idea.pk).update(followers=F("followers") + 1)
    idea_changed(idea.community_id, idea.pk)  # its page counts followers; no listing does
    return True


@transaction.atomic
def follow_toggle(*, idea: Idea, user: User) -> bool:
    """Follow or stop following; return whether the member follows afterwards."""
    _require_member(user, idea.community)
    deleted, _rows = Follow.objects.filter(idea=idea, user=user).delete()
    if deleted:
        IdeaStats.objects.filter(pk=idea.pk).update(followers=F("followers") - 1)
        idea_changed(idea.community_id, idea.pk)
        return False
    return follow_ensure(idea=idea, user=user) or True


# --- Comments ----------------------------------------------------------------------------


def _record_mentions(comment: Comment, *, new: bool = False) -> None:
    """Record whom the comment names: active members of the idea's community only (a
    mention never reaches, nor brands an e-mail for, someone of another community)."""
    usernames = mentioned_usernames(comment.body)
    if new and not usernames:
        return  # nothing to record, and nothing recorded yet to clear
    members = Membership.objects.filter(community_id=comment.idea.community_id).values("user_id")
    users = User.objects.filter(
        username__in=usernames, is_active=True, deleted_at__isnull=True, pk__in=members
    ).exclude(pk=comment.author_id)
    comment.mentions.set(users)


def _comment_counts(comment: Comment) -> bool:
    return comment.moderation_state == ModerationState.APPROVED and comment.deleted_at is None


@transaction.atomic
def comment_create(
    *, idea: Idea, author: User, body: str, parent: Comment | None = None, client: ClientInfo | None = None
) -> Comment:
    """Comment on an idea, or reply to a comment (a reply to a reply joins its thread).

    Nobody hears of it, and its author earns nothing, before the moderation check (or a
    moderator) approves it, even where it is public at once: see `comment_approved`.
    """
    _require_member(author, idea.community)
    _require_open(idea)
    if parent is not None:
        if parent.idea_id != idea.pk:
            raise Refused(_("This reply does not belong to this idea."))
        if parent.parent_id is not None:
            parent = parent.parent
    comment = Comment.objects.create(
        idea=idea,
        author=author,
        parent=parent,
        body=body,
        body_html=render_markdown(body),
        moderation_state=initial_moderation_state(idea.community),
    )
    _record_mentions(comment, new=True)
    counted = _comment_counts(comment)
    followed = _row_insert(_FOLLOW_INSERT, idea.pk, author.pk, _now())
    if counted or followed:
        _stats_move(idea, comments=int(counted), followers=int(followed), returning=None)
    events.publish(
        "comment.posted",
        community_id=idea.community_id,
        subject=comment,
        actor=author,
        public=counted and idea.is_public,
        context={"client": client},
    )
    return comment


def can_edit_comment(comment: Comment, user: User) -> bool:
    return (
        user.is_authenticated
        and comment.author_id == user.pk
        and comment.deleted_at is None
        and comment.moderation_state not in (ModerationState.REJECTED, ModerationState.HIDDEN)
        and timezone.now() - comment.created_at <= COMMENT_EDIT_WINDOW
    )


@transaction.atomic
def comment_update(*, comment: Comment, user: User, body: str, client: ClientInfo | None = None) -> Comment:
    _require_not_sanctioned(user, comment.idea.community)
    if not can_edit_comment(comment, user):
        raise Refused(_("Comments can be edited by their author for 15 minutes."), status=403)
    comment.body = body
    comment.body_html = render_markdown(body)
    comment.edited_at = timezone.now()
    comment.revision += 1
    comment.save(update_fields=["body", "body_html", "edited_at", "revision"])
    if comment.idea.community.moderation_mode == ModerationMode.PRE:
        content_set_moderation_state(content=comment, state=ModerationState.PENDING)
    _record_mentions(comment)
    events.publish(
        "comment.edited",
        community_id=comment.idea.community_id,
        subject=comment,
        actor=user,
        public=_comment_counts(comment) and comment.idea.is_public,
        context={"client": client},
    )
    return comment


def can_delete_comment(comment: Comment, user: User) -> bool:
    return user.is_authenticated and (comment.author_id == user.pk or is_moderator(user, comment.idea.community))


@transaction.atomic
def comment_delete(*, comment: Comment, user: User) -> Comment:
    """Soft delete: the text goes, the place in the thread (and its replies) stays."""
    if not can_delete_comment(comment, user):
        raise Refused(_("You cannot delete this comment."), status=403)
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    if locked.deleted_at is not None:
        return locked
    counted = _comment_counts(locked)
    locked.deleted_at = timezone.now()
    locked.body = ""
    locked.body_html = ""
    locked.save(update_fields=["deleted_at", "body", "body_html"])
    ModerationItem.objects.filter(kind=ModerationItem.Kind.COMMENT, comment=locked).update(submitted_body="")
    locked.mentions.clear()
    if counted:
        IdeaStats.objects.filter(pk=locked.idea_id).update(comments=F("comments") - 1)
    events.publish(
        "comment.deleted",
        community_id=comment.idea.community_id,
        subject=locked,
        actor=user,
        public=counted and comment.idea.is_public,  # a comment nobody outside saw: nothing to say
    )
    return locked


# --- Moderation states ---------------------------------------------------------------------

# Content in these states is no longer public: what members were told of it is withdrawn.
WITHDRAWN_STATES = (ModerationState.HIDDEN, ModerationState.REJECTED)


def content_set_moderation_state(*, content: Idea | Comment, state: str) -> None:
    """Set an idea's or comment's moderation state, keeping the public counters right.

    Content that becomes public is announced (`comment_approved`) and earns its points;
    post-moderated content, public from the start, is announced by the moderation check
    calling `comment_approved` / `ideas_published` itself.
    """
    if isinstance(content, Idea):
        Idea.objects.filter(pk=content.pk).update(moderation_state=state)
        content.moderation_state = state
        _sync_stats_columns(content, elsewhere=False)
        if state == ModerationState.APPROVED:
            ideas_published(ideas=[content])
        elif state in WITHDRAWN_STATES:
            content_notices_withdraw(content=content)
        return
    locked = Comment.objects.select_for_update().get(pk=content.pk)
    counted_before = _comment_counts(locked)
    locked.moderation_state = state
    locked.save(update_fields=["moderation_state"])
    content.moderation_state = state
    counted_after = _comment_counts(locked)
    if counted_before != counted_after:
        IdeaStats.objects.filter(pk=locked.idea_id).update(comments=F("comments") + (1 if counted_after else -1))
    if state in WITHDRAWN_STATES:
        content_notices_withdraw(content=locked)
    else:
        # A comment shows on its idea's page alone, and in the listings' comment counters.
        idea_changed(content.idea.community_id, locked.idea_id, counts=counted_before != counted_after, comments=True)
    if counted_after and not counted_before:
        comment_approved(comment=locked)


def content_notices_withdraw(*, content: Idea | Comment) -> None:
    """Content that was public no longer is: hidden or rejected, or held because members
    reported it (`flag_create`). Subscribers take back what was said of it."""
    if isinstance(content, Idea):
        events.publish("idea.hidden", community_id=content.community_id, subject=content, public=False)
    else:
        events.publish("comment.hidden", community_id=content.idea.community_id, subject=content, public=False)


def comment_approved(*, comment: Comment) -> None:
    """The comment's current revision was approved (by the check or a moderator): tell its
    audience and reward its author, once per comment.

    Its first approval tells everyone concerned; an edited revision's approval tells only
    the members it names; the same revision approved again after a hide tells nobody
    (what was said of it was withdrawn by the hide, and nobody is e-mailed twice). Call it before the
    decision is recorded: earlier approvals are what say whether it was told already.
    """
    if comment.deleted_at is not None or comment.idea.moderation_state != ModerationState.APPROVED:
        return
    approvals = ModerationDecision.objects.filter(item__comment=comment, outcome=Outcome.APPROVE)
    if approvals.filter(item__revision=comment.revision).exists():
        return  # this very text was approved (and told) before a hide: nobody hears of it twice
    # An edited revision's approval (`edited`) tells only the members it names.
    events.publish(
        "comment.approved", community_id=comment.idea.community_id, subject=comment, edited=approvals.exists()
    )


def ideas_published(*, ideas: Sequence[Idea]) -> None:
    """Ideas passed their check or a moderator (public from the start in post-moderation):
    their authors earn their points now (once per idea)."""
    events.publish_many("idea.approved", ideas)


def ideas_set_moderation_state(*, ideas: Sequence[Idea], state: str) -> None:
    """`content_set_moderation_state` for many ideas at once (the batched moderation check):
    one UPDATE for the ideas and one per distinct listing columns for their stats rows."""
    if not ideas:
        return
    Idea.objects.filter(pk__in=[idea.pk for idea in ideas]).update(moderation_state=state)
    columns: dict[tuple, list[int]] = {}
    for idea in ideas:
        idea.moderation_state = state
        listed = idea.moderation_state == ModerationState.APPROVED and idea.merged_into_id is None
        columns.setdefault((idea.status_id, idea.category_id, listed), []).append(idea.pk)
    for (status_id, category_id, listed), pks in columns.items():
        IdeaStats.objects.filter(pk__in=pks).update(status=status_id, category=category_id, is_listed=listed)
    if state in WITHDRAWN_STATES:
        events.publish_many("idea.hidden", ideas, public=False)
    elif state == ModerationState.APPROVED:
        ideas_published(ideas=ideas)
    for community_id in {idea.community_id for idea in ideas}:
        _ideas_shown_changed(community_id, [idea for idea in ideas if idea.community_id == community_id])


# --- Counters ----------------------------------------------------------------------------


def _count_of(rows: QuerySet) -> Coalesce:
    """How many of these rows belong to the stats row's idea, as a correlated subquery."""
    counted = rows.filter(idea=OuterRef("pk")).order_by().values("idea").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted), 0)


def stats_counted() -> dict[str, Combinable]:
    """What each `IdeaStats` counter counts: the one definition, as expressions over a stats
    row (`stats_recount` and the nightly reconciliation of ideas/reconcile.py use it; the
    `F()` moves in this module keep to it)."""
    up = _count_of(Vote.objects.filter(value=Vote.Value.UP))
    down = _count_of(Vote.objects.filter(value=Vote.Value.DOWN))
    return {
        "votes": up - down,
        "upvotes": up,
        "downvotes": down,
        "comments": _count_of(Comment.objects.filter(moderation_state=ModerationState.APPROVED, deleted_at=None)),
        "followers": _count_of(Follow.objects.all()),
    }


def stats_recount_rows(rows: QuerySet[IdeaStats]) -> int:
    """Rewrite these stats rows' counters, and hot score, from the votes, comments and
    follows, in one `UPDATE`; return how many rows it wrote."""
    counted = stats_counted()
    return rows.update(**counted, hot=_hot_expression(counted["votes"]))


def stats_recount(idea: Idea) -> None:
    """Recompute an idea's counters from the rows (after bulk moves such as a merge)."""
    stats_recount_rows(IdeaStats.objects.filter(pk=idea.pk))


# --- Merge -------------------------------------------------------------------------------


def _duplicate_status(community: Community) -> Status:
    status = community.statuses.filter(slug="duplicate").first()
    if status is None:
        raise Refused(_("This community has no “duplicate” status."), status=409)
    return status


@transaction.atomic
def idea_merge(*, duplicate: Idea, original: Idea, user: User) -> Merge:
    """Merge a duplicate into its original: votes (one per member), followers, comments and
    images move; the duplicate points at the original with the status "duplicate".

    What moved is recorded on the `Merge` row so that `idea_unmerge` can put it back. The
    followers of both ideas are told once, with a link to the original.
    """
    if not is_moderator(user, duplicate.community):
        raise Refused(_("Only moderators merge ideas."), status=403)
    if duplicate.pk == original.pk:
        raise Refused(_("An idea cannot be merged into itself."))
    if duplicate.community_id != original.community_id:
        raise Refused(_("Ideas of different communities cannot be merged."))
    if duplicate.merged_into_id:
        raise Refused(_("This idea is already merged."), status=409)
    if original.merged_into_id:
        raise Refused(_("The original is itself merged into another idea."), status=409)
    if not original.is_public:
        # Its followers would be told of it, votes and follows would move to it: held,
        # hidden or rejected content leaves the site through nothing.
        raise Refused(_("Only a public idea can be the original of a merge."), status=409)
    if Merge.objects.filter(original=duplicate, undone_at=None).exists():
        # Undoing the earlier merge would then have nothing to take back.
        raise Refused(_("Other ideas are merged into this one; merge the original instead."), status=409)

    voters_of_original = set(Vote.objects.filter(idea=original).values_list("user_id", flat=True))
    followers_of_original = set(Follow.objects.filter(idea=original).values_list("user_id", flat=True))
    votes = list(Vote.objects.filter(idea=duplicate).values("pk", "user_id", "value", "created_at"))
    follows = list(Follow.objects.filter(idea=duplicate).values("pk", "user_id", "created_at"))
    moved_votes = [v["pk"] for v in votes if v["user_id"] not in voters_of_original]
    dropped_votes = [v for v in votes if v["user_id"] in voters_of_original]
    moved_follows = [f["pk"] for f in follows if f["user_id"] not in followers_of_original]
    dropped_follows = [f for f in follows if f["user_id"] in followers_of_original]

    record = Merge.objects.create(
        duplicate=duplicate,
        original=original,
        merged_by=user,
        previous_status=duplicate.status,
        moved={
            "votes": moved_votes,
            "dropped_votes": [
                {"user_id": v["user_id"], "value": v["value"], "created_at": v["created_at"].isoformat()}
                for v in dropped_votes
            ],
            "follows": moved_follows,
            "dropped_follows": [
                {"user_id": f["user_id"], "created_at": f["created_at"].isoformat()} for f in dropped_follows
            ],
            "comments": list(Comment.objects.filter(idea=duplicate).values_list("pk", flat=True)),
            "images": list(IdeaImage.objects.filter(idea=duplicate).values_list("pk", flat=True)),
        },
    )
    Vote.objects.filter(pk__in=moved_votes).update(idea=original)
    Vote.objects.filter(idea=duplicate).delete()
    Follow.objects.filter(pk__in=moved_follows).update(idea=original)
    Follow.objects.filter(idea=duplicate).delete()
    Comment.objects.filter(pk__in=record.moved["comments"]).update(idea=original)
    IdeaImage.objects.filter(pk__in=record.moved["images"]).update(idea=original)

    idea_set_status(
        idea=duplicate,
        status=_duplicate_status(duplicate.community),
        user=user,
        reason=_("Merged into “%(title)s”.") % {"title": original.title},
    )
    duplicate.merged_into = original
    duplicate.save(update_fields=["merged_into", "updated_at"])
    _sync_stats_columns(duplicate)
    stats_recount(duplicate)
    stats_recount(original)
    events.publish(
        "idea.merged",
        community_id=original.community_id,
        subject=record,
        actor=user,
        public=duplicate.is_public,  # a held or hidden duplicate's title leaves through nothing
        followers=tuple(sorted(f["user_id"] for f in follows)),
    )
    return record


@transaction.atomic
def idea_unmerge(*, merge: Merge, user: User) -> Idea:
    """Undo a merge: what moved goes back, dropped duplicate votes and follows come back.

    No merge-specific notice: the duplicate's followers hear of its status coming back,
    as of any status change."""
    duplicate, original = merge.duplicate, merge.original
    if not is_moderator(user, duplicate.community):
        raise Refused(_("Only moderators merge ideas."), status=403)
    if merge.undone_at is not None:
        raise Refused(_("This merge was already undone."), status=409)
    moved = merge.moved
    Vote.objects.filter(pk__in=moved["votes"], idea=original).update(idea=duplicate)
    Vote.objects.bulk_create(
        [
            Vote(
                idea=duplicate,
                user_id=v["user_id"],
                value=v["value"],
                created_at=datetime.fromisoformat(v["created_at"]),
            )
            for v in moved["dropped_votes"]
        ],
        ignore_conflicts=True,
    )
    Follow.objects.filter(pk__in=moved["follows"], idea=original).update(idea=duplicate)
    Follow.objects.bulk_create(
        [
            Follow(idea=duplicate, user_id=f["user_id"], created_at=datetime.fromisoformat(f["created_at"]))
            for f in moved["dropped_follows"]
        ],
        ignore_conflicts=True,
    )
    Comment.objects.filter(pk__in=moved["comments"], idea=original).update(idea=duplicate)
    IdeaImage.objects.filter(pk__in=moved["images"], idea=original).update(idea=duplicate)

    duplicate.merged_into = None
    duplicate.save(update_fields=["merged_into", "updated_at"])
    idea_set_status(idea=duplicate, status=merge.previous_status, user=user, reason=_("No longer merged."))
    _sync_stats_columns(duplicate)
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at"])
    stats_recount(duplicate)
    stats_recount(original)
    events.publish(
        "idea.unmerged", community_id=original.community_id, subject=merge, actor=user, public=duplicate.is_public
    )
    return duplicate
