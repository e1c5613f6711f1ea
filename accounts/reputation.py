"""Reputation: points recorded in the ledger, running totals, badges and the leaderboard.

A member earns points when something they did is recognised: their idea is published,
someone up-votes it, the brand plans or ships it, or a comment of theirs on someone
else's idea becomes public. Each such moment is one `PointEvent` with a key naming it
("vote:12:40"), unique per community, so the same moment recorded twice (a retried task,
an idea approved again after a hide) counts once. `Reputation` is the running total,
rebuilt from the ledger by `reputation_recompute` whenever in doubt.

The ledger only grows: withdrawing a vote, deleting a comment or hiding content later
takes no points back. Points reward what the community saw happen, and a member's score
never drops under them because someone else changed their mind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

import events
from accounts.models import Badge, BadgeAward, PointEvent, PointKind, Reputation, User
from accounts.models.reputation import DEFAULT_POINTS
from community.models import Community
from outbox import services as outbox

logger = logging.getLogger(__name__)

# Badges a member earns by their own events: the event kind, and how many of them. The
# conversation starter counts the comments that earned points, i.e. comments made public
# on other members' ideas (talking to oneself under one's own idea does not count).
BADGE_RULES: dict[str, tuple[str, int]] = {
    Badge.FIRST_IDEA: (PointKind.IDEA_APPROVED, 1),
    Badge.CONVERSATION_STARTER: (PointKind.COMMENT, 10),
    Badge.IDEA_PLANNED: (PointKind.IDEA_PLANNED, 1),
    Badge.IDEA_DONE: (PointKind.IDEA_DONE, 1),
}
# Only these kinds can earn a badge: a vote queues no check (votes are the busiest event).
BADGE_KINDS = frozenset(kind for kind, _count in BADGE_RULES.values())
# Ambassadors: the community's all-time top 10, once they have 100 points (a member
# needs more than a lucky week to represent the brand). The badge stays once earned.
AMBASSADOR_RANKS = 10
AMBASSADOR_MIN_POINTS = 100

PERIODS = ("month", "all")
LEADERBOARD_SIZE = 20
# Beat refreshes every board every 10 minutes; an entry lives longer, so that pages never
# compute a board while beat runs, and a stopped beat means boards 30 minutes old at worst.
LEADERBOARD_SECONDS = 30 * 60
# Bump when the shape of a cached row changes: old entries are then never read.
LEADERBOARD_CACHE_VERSION = 1
STATUS_POINTS = {"planned": PointKind.IDEA_PLANNED, "done": PointKind.IDEA_DONE}


# --- Awarding points ---------------------------------------------------------------------


def points_award(*, user: User, community: Community, kind: str, key: str) -> bool:
    """Record the event `key` for the member, worth the community's points for `kind`;
    True if it was new (then added to their total), False if already recorded or if the
    member is inactive or former.

    Call inside the transaction that makes the event happen: the points commit with it,
    and the badge check is queued once it commits. Safe under retries and concurrency:
    the ledger's unique (community, key) lets one insert through.
    """
    return _award(user.pk, community.pk, kind, key)


def _award(user_id: int | None, community_id: int, kind: str, key: str) -> bool:
    if user_id is None:
        return False
    points = _ledger_insert(user_id, community_id, kind, key)
    if points is None:
        return False
    _reputation_add(user_id, community_id, points)
    if kind in BADGE_KINDS:
        announce = not events.is_muted()  # seeding the demo awards its badges quietly
        outbox.enqueue("reputation.check_badges", user_id, community_id, announce)
    return True


# One statement each, because they run on every up-vote. PostgreSQL and SQLite both speak
# them. The ledger insert reads the community's value for the kind, skips inactive and
# former members, and lets a concurrent twin win quietly (ON CONFLICT DO NOTHING needs no
# savepoint); the upsert adds in the database, so that racing awards both count.
_LEDGER_INSERT = """
INSERT INTO accounts_pointevent (user_id, community_id, kind, "key", points, created_at)
SELECT u.id, %s, %s, %s,
       COALESCE((SELECT v.points FROM accounts_pointvalue v WHERE v.community_id = %s AND v.kind = %s), %s),
       %s
FROM accounts_user u
WHERE u.id = %s AND u.is_active AND u.deleted_at IS NULL
ON CONFLICT (community_id, "key") DO NOTHING
RETURNING points
"""
_REPUTATION_ADD = """
INSERT INTO accounts_reputation (user_id, community_id, points) VALUES (%s, %s, %s)
ON CONFLICT (user_id, community_id) DO UPDATE SET points = accounts_reputation.points + excluded.points
"""


def _ledger_insert(user_id: int, community_id: int, kind: str, key: str) -> int | None:
    """Insert the event unless its key is taken; its points, or None if nothing was inserted."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            _LEDGER_INSERT, [community_id, kind, key, community_id, kind, DEFAULT_POINTS[kind], now, user_id]
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


def _reputation_add(user_id: int, community_id: int, points: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_REPUTATION_ADD, [user_id, community_id, points])


# The same two statements for many events at once (the batched moderation check): the
# events as a VALUES list, and the totals summed per member before the upsert (an upsert
# may touch each row once per statement).
_LEDGER_INSERT_MANY = """
WITH e (user_id, community_id, "key") AS (VALUES {values})
INSERT INTO accounts_pointevent (user_id, community_id, kind, "key", points, created_at)
SELECT u.id, e.community_id, %s, e."key",
       COALESCE((SELECT v.points FROM accounts_pointvalue v WHERE v.community_id = e.community_id AND v.kind = %s), %s),
       %s
FROM e JOIN accounts_user u ON u.id = e.user_id
WHERE u.is_active AND u.deleted_at IS NULL
ON CONFLICT (community_id, "key") DO NOTHING
RETURNING user_id, community_id, points
"""
_REPUTATION_ADD_MANY = """
INSERT INTO accounts_reputation (user_id, community_id, points) VALUES {values}
ON CONFLICT (user_id, community_id) DO UPDATE SET points = accounts_reputation.points + excluded.points
"""


def _award_many(kind: str, rows: list[tuple[int, int, str]]) -> int:
    """`_award` for many (user_id, community_id, key) rows in two statements; how many were new."""
    if not rows:
        return 0
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            _LEDGER_INSERT_MANY.format(values=", ".join(["(%s, %s, %s)"] * len(rows))),
            [*(value for row in rows for value in row), kind, kind, DEFAULT_POINTS[kind], now],
        )
        inserted = cursor.fetchall()
    totals: dict[tuple[int, int], int] = {}
    for user_id, community_id, points in inserted:
        totals[user_id, community_id] = totals.get((user_id, community_id), 0) + points
    if totals:
        with connection.cursor() as cursor:
            cursor.execute(
                _REPUTATION_ADD_MANY.format(values=", ".join(["(%s, %s, %s)"] * len(totals))),
                [value for key, points in totals.items() for value in (*key, points)],
            )
    if kind in BADGE_KINDS and totals:
        members, announce = list(totals), not events.is_muted()
        outbox.enqueue("reputation.check_badges_many", members, announce)  # one job, not one each
    return len(inserted)


# --- Points for the facts the ideas services announce (subscribers: accounts/subscribers.py) ---


def points_idea_published(*, idea) -> bool:
    """The author of an idea that is public (published at once, or approved later)."""
    if not idea.is_public:
        return False
    return _award(idea.author_id, idea.community_id, PointKind.IDEA_APPROVED, f"idea:{idea.pk}")


def points_ideas_published(*, ideas: Iterable) -> int:
    """`points_idea_published` for many ideas at once, in two statements; how many were new."""
    rows = [
        (idea.author_id, idea.community_id, f"idea:{idea.pk}")
        for idea in ideas
        if idea.is_public and idea.author_id is not None
    ]
    return _award_many(PointKind.IDEA_APPROVED, rows)


def points_vote_cast(*, idea, voter: User, value: int | None) -> bool:
    """The idea's author, for an up-vote by someone else: once per voter and idea, so
    voting, withdrawing and voting again earns nothing more (and withdrawing takes
    nothing back). Down-votes cost the author nothing."""
    if value != 1 or idea.author_id == voter.pk:
        return False
    return _award(idea.author_id, idea.community_id, PointKind.VOTE_RECEIVED, f"vote:{idea.pk}:{voter.pk}")


def points_status_changed(*, idea, status) -> bool:
    """The author of an idea the brand planned or shipped (each at most once per idea)."""
    kind = STATUS_POINTS.get(status.slug)
    if kind is None:
        return False
    prefix = "planned" if kind == PointKind.IDEA_PLANNED else "done"
    return _award(idea.author_id, idea.community_id, kind, f"{prefix}:{idea.pk}")


def points_comment_published(*, comment) -> bool:
    """A commenter whose comment became public on someone else's idea."""
    idea = comment.idea
    if idea.author_id == comment.author_id:
        return False
    return _award(comment.author_id, idea.community_id, PointKind.COMMENT, f"comment:{comment.pk}")


# --- Recompute ---------------------------------------------------------------------------


def reputation_recompute(
    community: Community | None = None, *, on_change: Callable[[int, int, int, int], None] | None = None
) -> int:
    """Rebuild the running totals from the ledger (one community, or all); return how
    many rows changed. `on_change(user_id, community_id, before, after)` hears of each.

    On PostgreSQL the ledger is locked against new events while this runs (a SHARE lock:
    awards wait a moment), so that an event committed between the sums and the writes
    cannot be lost; on SQLite the database's single writer gives the same guarantee.
    """
    community_ids = [community.pk] if community else list(Community.objects.values_list("pk", flat=True))
    changed = 0
    for community_id in community_ids:
        with transaction.atomic():
            _lock_ledger()
            changed += _recompute_one(community_id, on_change)
    return changed


def _lock_ledger() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE accounts_pointevent IN SHARE MODE")


def _recompute_one(community_id: int, on_change: Callable[[int, int, int, int], None] | None) -> int:
    totals = dict(
        PointEvent.objects.filter(community_id=community_id)
        .values("user_id")
        .annotate(total=Sum("points"))
        .values_list("user_id", "total")
    )
    rows = {row.user_id: row for row in Reputation.objects.filter(community_id=community_id)}
    to_create, to_update = [], []
    for user_id, total in totals.items():
        row = rows.pop(user_id, None)
        if row is None:
            to_create.append(Reputation(user_id=user_id, community_id=community_id, points=total))
            before = 0
        elif row.points != total:
            before, row.points = row.points, total
            to_update.append(row)
        else:
            continue
        if on_change:
            on_change(user_id, community_id, before, total)
    for row in rows.values():  # totals with no event behind them
        if on_change:
            on_change(row.user_id, community_id, row.points, 0)
    Reputation.objects.bulk_create(to_create, batch_size=1000)
    Reputation.objects.bulk_update(to_update, ["points"], batch_size=1000)
    Reputation.objects.filter(pk__in=[row.pk for row in rows.values()]).delete()
    return len(to_create) + len(to_update) + len(rows)


# --- Badges ------------------------------------------------------------------------------


def badges_check(user_id: int, community_id: int, *, announce: bool = True) -> list[BadgeAward]:
    """Award the badges the member's ledger now earns and tell them (unless `announce` is
    false); return the new ones.

    Idempotent: a badge is awarded once (unique per member, community and badge), so a
    second run, or two runs at once, award and notify nothing more.
    """
    if not User.objects.filter(pk=user_id, is_active=True, deleted_at__isnull=True).exists():
        return []
    counts = dict(
        PointEvent.objects.filter(user_id=user_id, community_id=community_id)
        .values("kind")
        .annotate(count=Count("pk"))
        .values_list("kind", "count")
    )
    earned = [badge for badge, (kind, needed) in BADGE_RULES.items() if counts.get(kind, 0) >= needed]
    return _badges_grant(community_id, [(user_id, badge) for badge in earned], announce=announce)


def _badges_grant(community_id: int, wanted: Iterable[tuple[int, str]], *, announce: bool = True) -> list[BadgeAward]:
    wanted = list(wanted)
    if not wanted:
        return []
    held = set(
        BadgeAward.objects.filter(
            community_id=community_id,
            user_id__in={user_id for user_id, _badge in wanted},
            badge__in={badge for _user_id, badge in wanted},
        ).values_list("user_id", "badge")
    )
    awards = []
    for user_id, badge in wanted:
        if (user_id, badge) in held:
            continue
        try:
            with transaction.atomic():
                award = BadgeAward.objects.create(user_id=user_id, community_id=community_id, badge=badge)
        except IntegrityError:
            continue  # a concurrent check awarded it, and told the member
        events.publish("badge.earned", community_id=community_id, subject=award, quiet=not announce)
        awards.append(award)
    return awards


# --- Leaderboard -------------------------------------------------------------------------


def leaderboard(community: Community, period: str) -> list[dict]:
    """The community's top members for `period` ("month" or "all"), from the cache; on a
    miss (or with the cache down) computed and stored. See `leaderboard_compute`."""
    if period not in PERIODS:
        raise ValueError(period)
    key = _leaderboard_key(community.pk, period)
    try:
        rows = cache.get(key)
    except Exception:
        logger.warning("Cache unavailable for the leaderboard", exc_info=True)
        rows = None
    if rows is None:
        rows = leaderboard_compute(community, period)
        _leaderboard_store(key, rows)
    return rows


def leaderboard_compute(community: Community, period: str) -> list[dict]:
    """Top 20 by points, ties sharing a rank: this calendar month's events (in the site's
    time zone) from the ledger, or all-time totals. Former and inactive members are left
    out. Each row: rank, user_id, username, public_name, points, avatar (a URL or "")."""
    members = Q(user__is_active=True, user__deleted_at__isnull=True)
    fields = ("user_id", "user__username", "user__display_name", "user__avatar")
    if period == "month":
        rows = (
            PointEvent.objects.filter(members, community=community, created_at__gte=_month_start())
            .values(*fields)
            .annotate(total=Sum("points"))
        )
    elif period == "all":
        rows = Reputation.objects.filter(members, community=community).values(*fields).annotate(total=F("points"))
    else:
        raise ValueError(period)
    rows = rows.filter(total__gt=0).order_by("-total", "user_id")[:LEADERBOARD_SIZE]
    storage = User._meta.get_field("avatar").storage
    board: list[dict] = []
    for position, row in enumerate(rows, start=1):
        tied = board and board[-1]["points"] == row["total"]
        board.append(
            {
                "rank": board[-1]["rank"] if tied else position,
                "user_id": row["user_id"],
                "username": row["user__username"],
                "public_name": row["user__display_name"] or row["user__username"],
                "points": row["total"],
                "avatar": storage.url(row["user__avatar"]) if row["user__avatar"] else "",
            }
        )
    return board


def leaderboards_refresh() -> int:
    """Compute and cache every active community's boards, and make the all-time top the
    community's ambassadors; return how many ambassador badges were awarded."""
    awarded = 0
    for community in Community.objects.filter(is_active=True):
        boards = {period: leaderboard_compute(community, period) for period in PERIODS}
        for period, board in boards.items():
            _leaderboard_store(_leaderboard_key(community.pk, period), board)
        awarded += len(ambassadors_award(community, boards["all"]))
    return awarded


def ambassadors_award(community: Community, board: list[dict]) -> list[BadgeAward]:
    """The ambassador badge for the all-time board's top 10 with at least 100 points."""
    wanted = [
        (row["user_id"], Badge.AMBASSADOR) for row in board[:AMBASSADOR_RANKS] if row["points"] >= AMBASSADOR_MIN_POINTS
    ]
    return _badges_grant(community.pk, wanted)


def _month_start() -> datetime:
    return timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _leaderboard_key(community_id: int, period: str) -> str:
    # The month board's key names the month: on the 1st, last month's board is not shown.
    suffix = _month_start().strftime("%Y-%m") if period == "month" else period
    return f"reputation:leaderboard:v{LEADERBOARD_CACHE_VERSION}:{community_id}:{suffix}"


def leaderboards_forget(community_ids: Iterable[int]) -> None:
    """Drop these communities' cached boards (a member left: their name must go at once);
    the next reader computes them again."""
    keys = [_leaderboard_key(community_id, period) for community_id in community_ids for period in PERIODS]
    try:
        cache.delete_many(keys)
    except Exception:
        logger.warning("Cache unavailable for the leaderboard", exc_info=True)


def _leaderboard_store(key: str, rows: list[dict]) -> None:
    try:
        cache.set(key, rows, LEADERBOARD_SECONDS)
    except Exception:
        logger.warning("Cache unavailable for the leaderboard", exc_info=True)
