"""Reads on ideas. The public sees approved content of the current community only; an
author also sees their own held items; moderators of the community see everything.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from community.cache import idea_cached, listing_cached, versioned
from community.models import Category, Community, Membership, Status
from community.selectors import role_query, role_remember
from ideas import duplicates
from ideas.models import (
    RESPONSE_OPEN_STATES,
    Comment,
    Follow,
    Idea,
    IdeaImage,
    IdeaStats,
    ModerationState,
    OfficialResponse,
    ResponseState,
    StatusChange,
)
from ideas.search import filter_by_text
from ideas.services import MODERATOR_ROLES, is_moderator

logger = logging.getLogger(__name__)

PAGE_SIZE = 20
HOME_SIZE = 10
HOME_RESPONSES = 3
SORTS = {
    "hot": ("-stats__hot", "-pk"),
    "top": ("-stats__votes", "-pk"),
    "new": ("-stats__created_at", "-pk"),
    "discussed": ("-stats__comments", "-pk"),
    "answered": (F("stats__answered_at").desc(nulls_last=True), "-pk"),
}


# A card never shows these; the search vector alone is a long string to fetch and parse
# per row (half the home page's time at 100,000 ideas).
NOT_ON_CARDS = ("body", "body_html")


def _card_queryset() -> QuerySet[Idea]:
    """What an idea card shows, in a fixed number of queries whatever the page size."""
    return (
        Idea.objects.select_related("stats", "author", "status", "category")
        .prefetch_related("tags")
        .defer("search_vector", "match_title", "match_body", "embedding")
    )


def listed_ideas(community: Community) -> QuerySet[Idea]:
    """Approved, unmerged ideas of the community: what every public list starts from."""
    return _card_queryset().filter(stats__community=community, stats__is_listed=True)


def _public_or_own(user: User) -> Q:
    public = Q(moderation_state=ModerationState.APPROVED)
    return public | Q(author=user) if user.is_authenticated else public


def _visible_to(user: User, community: Community) -> Q:
    """Ideas a person may open: public ones (merged included), their own, all for moderators."""
    return Q() if is_moderator(user, community) else _public_or_own(user)


def visible_ideas(community: Community, user: User) -> QuerySet[Idea]:
    return _card_queryset().filter(_visible_to(user, community), community=community)


def get_idea_for_viewer(request, pk: int) -> Idea:
    """The idea with this id in the request's community, if this person may see it; else 404."""
    community = request.community
    if community is None:
        raise Http404
    # A public idea is the same for every reader: read once per version of it. Anything
    # else (held, hidden, unknown) is looked up for this reader.
    idea = public_idea(community, pk)
    if idea is None:
        try:
            idea = visible_ideas(community, request.user).select_related("merged_into").get(pk=pk)
        except Idea.DoesNotExist:
            raise Http404 from None
    idea.community = community  # the same row, already loaded by the middleware
    return idea


def public_idea(community: Community, pk: int) -> Idea | None:
    """The approved idea with this id in the community, read once per version of it for
    every reader; None for any other (held, hidden, unknown)."""
    return idea_cached(community.pk, pk, "idea", lambda: _public_idea(community, pk))


def _public_idea(community: Community, pk: int) -> Idea | None:
    public = _card_queryset().filter(community=community, moderation_state=ModerationState.APPROVED)
    return public.select_related("merged_into").filter(pk=pk).first()


# What the write rules (open, closed, whose idea), the points, the notifications and the
# redirect read: a vote or a comment needs nothing of the card, and never the body or
# the search vector.
ACTION_FIELDS = (
    "community",
    "author",
    "title",
    "slug",
    "status",
    "status__is_closed",
    "moderation_state",
    "merged_into",
)


def get_idea_for_action(request, pk: int) -> Idea:
    """`get_idea_for_viewer` for a vote, a follow or a comment: the same 404s (another
    community's id, an idea this person may not see), in one narrow query (the idea's
    `ACTION_FIELDS` and its status; no tags, author or category)."""
    community, user = request.community, request.user
    if community is None:
        raise Http404
    ideas = Idea.objects.filter(community=community).select_related("status").only(*ACTION_FIELDS)
    if user.is_authenticated:
        # The member's role comes with the idea, one query rather than two: it shows a
        # moderator everything, and the rules checked next (membership) read it again.
        ideas = ideas.annotate(viewer_role=Subquery(role_query(user, community)))
        if not user.is_superuser:
            ideas = ideas.filter(_public_or_own(user) | Q(viewer_role__in=MODERATOR_ROLES))
    else:
        ideas = ideas.filter(_public_or_own(user))
    try:
        idea = ideas.get(pk=pk)
    except Idea.DoesNotExist:
        raise Http404 from None
    idea.community = community
    if user.is_authenticated:
        role_remember(user, community, idea.viewer_role)
    return idea


@dataclass
class ListingFilters:
    sort: str = "hot"
    status: Status | None = None
    category: Category | None = None
    tag: str = ""
    q: str = ""
    mine: bool = False
    followed: bool = False


def ideas_for_listing(community: Community, user: User, filters: ListingFilters) -> QuerySet[Idea]:
    if filters.mine and user.is_authenticated:
        # My ideas, held ones included, so that I can see where they stand.
        ideas = _card_queryset().filter(community=community, author=user, merged_into=None)
    else:
        ideas = listed_ideas(community)
    if filters.followed and user.is_authenticated:
        ideas = ideas.filter(follows__user=user)
    if filters.status is not None:
        ideas = ideas.filter(stats__status=filters.status)
    if filters.category is not None:
        ideas = ideas.filter(stats__category=filters.category)
    if filters.tag:
        ideas = ideas.filter(tags__slug=filters.tag)
    if filters.q:
        # The candidates pass the filters above; their page and count need no join again.
        # Those of a search that is the same for every reader are shared for a few seconds.
        shared = listing_count_key(community, filters) or ""
        ideas = filter_by_text(ideas, community, filters.q, within=_card_queryset(), shared=shared, reader=user)
        if filters.sort == "relevance":
            return ideas.order_by("-rank", "-pk").defer(*NOT_ON_CARDS)
    return ideas.order_by(*SORTS.get(filters.sort, SORTS["hot"])).defer(*NOT_ON_CARDS)


COUNT_SECONDS = 60


def listing_count_key(community: Community, filters: ListingFilters) -> str | None:
    """Where a shared listing's total is cached (not for "mine" and "followed")."""
    if filters.mine or filters.followed:
        return None
    parts = (community.pk, filters.status.pk if filters.status else "", filters.category.pk if filters.category else "")
    text = hashlib.blake2b(f"{filters.tag}\x00{filters.q}".encode(), digest_size=8).hexdigest()
    return "listing-count:{}:{}:{}:{}".format(*parts, text)


class IdsFirstPaginator(Paginator):
    """Find a page's ids first, reading only what the filters and the order need (the
    narrow stats rows and their indexes), then load those ideas whole. Page 50 otherwise
    joins and reads a thousand wide rows to throw 980 of them away.

    With a `count_key`, the total (a COUNT over every matching row, the page's dearest
    query past 10,000 ideas) is kept for a minute: "1,234 ideas" may lag behind by as much.
    With `shared` (community id, name), each page's ideas are kept under the community's
    listing version, for every reader: a listing that is the same for all (its counters
    up to LISTING_COUNTS_SECONDS old; `reader`, when they just acted, reads afresh). With
    `shared_seconds` (a search's pages: many variants, each asked for a short while), for
    that long and in the shared cache only.
    """

    def __init__(
        self,
        *args,
        count_key: str | None = None,
        shared: tuple[int, str] | None = None,
        shared_seconds: int | None = None,
        reader=None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.count_key = count_key
        self.shared = shared
        self.shared_seconds = shared_seconds
        self.reader = reader

    @cached_property
    def count(self) -> int:
        if self.count_key is None:
            return super().count
        try:
            cached = cache.get(self.count_key)
        except Exception:
            cached = None
        if cached is None:
            cached = super().count
            try:
                cache.set(self.count_key, cached, COUNT_SECONDS)
            except Exception:
                logger.warning("Cache unavailable for a listing count", exc_info=True)
        return cached

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page

        def load() -> list[Idea]:
            # Not clipped to `count`: a cached total may lag, the page itself never does.
            ids = list(self.object_list.values_list("pk", flat=True)[bottom : bottom + self.per_page])
            loaded = {idea.pk: idea for idea in self.object_list.filter(pk__in=ids)} if ids else {}
            return [loaded[pk] for pk in ids if pk in loaded]

        if self.shared is None:
            return self._get_page(load(), number, self)
        community_id, name = self.shared
        options = {} if self.shared_seconds is None else {"timeout": self.shared_seconds, "local": False}
        page = listing_cached(community_id, f"{name}:{bottom}:{self.per_page}", load, reader=self.reader, **options)
        return self._get_page(page, number, self)


def listing_page(community: Community, user: User, filters: ListingFilters, page_number: str | None) -> Page:
    """A page of a listing. One that is the same for every reader (not "mine" or
    "followed") is read once per content version for all of them; a search's for
    SEARCH_SHARED_SECONDS at most (0: never shared)."""
    count_key = listing_count_key(community, filters)
    shared = (community.pk, f"{count_key}:{filters.sort}") if count_key else None
    shared_seconds = settings.SEARCH_SHARED_SECONDS if filters.q else None
    if shared_seconds is not None and shared_seconds <= 0:
        shared = None
    ideas = ideas_for_listing(community, user, filters)
    paginator = IdsFirstPaginator(
        ideas, PAGE_SIZE, count_key=count_key, shared=shared, shared_seconds=shared_seconds, reader=user
    )
    return paginator.get_page(page_number)


def idea_search(community: Community, user: User, q: str) -> QuerySet[Idea]:
    return ideas_for_listing(community, user, ListingFilters(q=q, sort="relevance"))


def ideas_similar(
    community: Community, title: str, *, body: str = "", limit: int = 5, exclude: int | None = None
) -> list[Idea]:
    """The public ideas most likely repeated by a title being typed (and its description's
    first lines), best first; none when nothing is close enough (`ideas.duplicates`).
    `exclude`: an idea compared with the others (never its own duplicate)."""
    title = title.strip()[:200]
    if len(title) < 4:
        return []
    matches = duplicates.similar(community, title, body, limit=limit, exclude=exclude)
    if not matches:
        return []
    # The suggestion box shows a title, a link, votes and a status: no body, no tags.
    shown = listed_ideas(community).filter(pk__in=[match.pk for match in matches])
    found = {idea.pk: idea for idea in shown.defer(*NOT_ON_CARDS).prefetch_related(None)}
    ordered = []
    for match in matches:
        if match.pk in found:
            found[match.pk].closeness = match.score
            ordered.append(found[match.pk])
    return ordered


def ideas_hot(community: Community, *, limit: int | None = None, reader=None) -> list[Idea]:
    """The home page's ideas: the hottest still open (a done or declined idea has had its
    answer), read once per listing version for every reader (`listing_cached`)."""
    limit = limit or HOME_SIZE
    # The ids from the cached vocabulary: no join, and the hot index still serves the order.
    open_statuses = [status.pk for status in statuses_of(community) if not status.is_closed]
    return listing_cached(
        community.pk,
        f"hot:{limit}",
        lambda: list(
            listed_ideas(community)
            .filter(stats__status__in=open_statuses)
            .defer(*NOT_ON_CARDS)
            .order_by(*SORTS["hot"])[:limit]
        ),
        reader=reader,
    )


def responses_latest(community: Community, *, limit: int = HOME_RESPONSES) -> list[OfficialResponse]:
    """The brand's latest published answer on each of the public ideas it answered last,
    newest first, with the idea and its status; read once per content version (publishing
    or withdrawing an answer bumps it) for every reader.

    The ideas come from the answered index of the stats rows (`answered_at` is the date of
    their latest published answer), then their answers, in one query: sorting every
    published answer of the community instead grows with its history.
    """

    def load() -> list[OfficialResponse]:
        answered = (
            IdeaStats.objects.filter(community=community, is_listed=True, answered_at__isnull=False)
            .order_by("-answered_at", "-pk")
            .values("pk")[:limit]
        )
        responses = (
            OfficialResponse.objects.filter(state=ResponseState.PUBLISHED, idea__in=answered)
            .select_related("idea", "idea__status")
            .defer("body", "idea__body", "idea__body_html", "idea__search_vector")
            .order_by("-published_at", "-pk")
        )
        latest: dict[int, OfficialResponse] = {}
        for response in responses:
            latest.setdefault(response.idea_id, response)  # an idea answered twice: its latest
        return list(latest.values())

    return listing_cached(community.pk, f"responses:{limit}", load)


def roadmap_columns(community: Community, *, per_column: int = 20, reader=None) -> list[tuple[Status, list[Idea]]]:
    """The roadmap's columns, read once per listing version for every reader (`listing_cached`)."""

    def load() -> list[tuple[Status, list[Idea]]]:
        columns = []
        for status in statuses_of(community):
            if status.on_roadmap:
                ideas = list(
                    listed_ideas(community)
                    .defer(*NOT_ON_CARDS)
                    .filter(stats__status=status)
                    .order_by(*SORTS["top"])[:per_column]
                )
                columns.append((status, ideas))
        return columns

    return listing_cached(community.pk, f"roadmap:{per_column}", load, reader=reader)


def member_votes(user: User, ideas: list[Idea]) -> dict[int, int]:
    """{idea id: the member's vote} for the ideas shown; one query."""
    return member_votes_by_id(user, [idea.pk for idea in ideas])


def member_votes_by_id(user: User, idea_ids: list[int]) -> dict[int, int]:
    """{idea id: the member's vote} for these ideas; one query, none for no idea."""
    if not user.is_authenticated or not idea_ids:
        return {}
    # Written out (as MEMBER_STATE_SQL): built by the ORM, it was a quarter of the CPU of a
    # member's shared listing.
    places = ", ".join(["%s"] * len(idea_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT idea_id, value FROM ideas_vote WHERE user_id = %s AND idea_id IN ({places})",  # noqa: S608 - placeholders only
            [user.pk, *idea_ids],
        )
        return dict(cursor.fetchall())


def member_follows(user: User, ideas: list[Idea]) -> set[int]:
    if not user.is_authenticated or not ideas:
        return set()
    return set(Follow.objects.filter(user=user, idea__in=[idea.pk for idea in ideas]).values_list("idea_id", flat=True))


@dataclass(frozen=True)
class MemberState:
    """What an idea page shows of the member's own doings on it."""

    vote: int | None = None
    following: bool = False
    flagged_idea: bool = False
    flagged_comments: frozenset[int] = frozenset()
    commented: bool = False  # any comment of theirs on it, held or deleted ones included


# What an idea page shows of the member's own doings, in one statement (parameters: the
# idea and the member, four times). Written out rather than built by the ORM: building the
# four-part union cost more CPU (about 3 ms) than the rest of a member's shared idea page.
MEMBER_STATE_SQL = (
    "SELECT 'vote', value FROM ideas_vote WHERE idea_id = %s AND user_id = %s"
    " UNION ALL SELECT 'follow', NULL FROM ideas_follow WHERE idea_id = %s AND user_id = %s"
    " UNION ALL SELECT 'flag', comment_id FROM community_flag WHERE idea_id = %s AND flagger_id = %s"
    " UNION ALL SELECT 'comment', NULL WHERE EXISTS"
    " (SELECT 1 FROM ideas_comment WHERE idea_id = %s AND author_id = %s)"
)


def member_state(user: User, idea: Idea) -> MemberState:
    """The member's vote, follow, reports (on the idea, on its comments) and whether they
    commented; one query."""
    if not user.is_authenticated:
        return MemberState()

    with connection.cursor() as cursor:
        cursor.execute(MEMBER_STATE_SQL, [idea.pk, user.pk] * 4)
        found = cursor.fetchall()
    state = {"vote": None, "follow": False, "flags": set(), "comment": False}
    for kind, number in found:
        if kind == "vote":
            state["vote"] = number
        elif kind == "follow":
            state["follow"] = True
        elif kind == "comment":
            state["comment"] = True
        else:
            state["flags"].add(number)
    flags = state["flags"]
    return MemberState(
        vote=state["vote"],
        following=state["follow"],
        flagged_idea=None in flags,
        flagged_comments=frozenset(flags - {None}),
        commented=state["comment"],
    )


def get_comment_for_viewer(request, pk: int) -> Comment:
    """A comment this person may see (approved, their own, or any for moderators), not
    deleted, on an idea they may see in the request's community; else 404, as for an
    unknown id."""
    comment = Comment.objects.filter(pk=pk, deleted_at=None).first()
    if comment is None:
        raise Http404
    idea = get_idea_for_viewer(request, comment.idea_id)
    user = request.user
    own = user.is_authenticated and comment.author_id == user.pk
    if comment.moderation_state != ModerationState.APPROVED and not own and not is_moderator(user, idea.community):
        raise Http404
    comment.idea = idea
    return comment


def comment_thread(idea: Idea, user: User) -> list[Comment]:
    """Top-level comments with `.thread_replies`, in one query.

    Shown: approved comments, the viewer's own held ones, and deleted ones as
    placeholders when they have replies to keep the thread readable.
    """
    visible = _comments_visible_to(user, idea)
    # The author's role here, read in the same query, for the staff badge beside their name.
    role = Membership.objects.filter(community_id=idea.community_id, user_id=OuterRef("author_id")).values("role")[:1]
    comments = list(
        Comment.objects.filter(visible, idea=idea)
        .select_related("author")
        .annotate(author_role=Subquery(role))
        .order_by("created_at", "pk")
    )
    top_level = []
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id is None:
            top_level.append(comment)
        else:
            replies.setdefault(comment.parent_id, []).append(comment)
    thread = []
    for comment in top_level:
        comment.thread_replies = replies.get(comment.pk, [])
        if comment.is_deleted and not comment.thread_replies:
            continue
        thread.append(comment)
    return thread


def _comments_visible_to(user: User, idea: Idea) -> Q:
    if is_moderator(user, idea.community):
        return Q()
    visible = Q(moderation_state=ModerationState.APPROVED)
    if user.is_authenticated:
        visible |= Q(author=user)
    return visible


def comment_for_reply(idea: Idea, user: User, pk: int) -> Comment | None:
    """The comment a reply may answer, in one query: a top-level comment of the thread as
    `comment_thread` shows it to this person (a deleted one only while it has replies)."""
    visible = _comments_visible_to(user, idea)
    replies = Comment.objects.filter(visible, idea=idea, parent=OuterRef("pk"))
    return (
        Comment.objects.filter(visible, idea=idea, pk=pk, parent=None)
        .filter(Q(deleted_at=None) | Q(Exists(replies)))
        .first()
    )


def idea_images(idea: Idea) -> list[IdeaImage]:
    return idea_cached(idea.community_id, idea.pk, "images", lambda: list(idea.images.all()))


def idea_history(idea: Idea) -> list[StatusChange]:
    """Status changes, newest first, with who made them (one query, cached). A change that
    came with a response since withdrawn keeps its place in the history but no longer shows
    the withdrawn words."""

    def load() -> list[StatusChange]:
        changes = list(idea.status_changes.select_related("from_status", "to_status", "response", "changed_by"))
        for change in changes:
            if change.response is not None and change.response.state == ResponseState.WITHDRAWN:
                change.reason = ""
        return changes

    return idea_cached(idea.community_id, idea.pk, "history", load)


def statuses_of(community: Community) -> list[Status]:
    return _vocabulary(community, "statuses", Status)


def categories_of(community: Community) -> list[Category]:
    return _vocabulary(community, "categories", Category)


def _vocabulary(community: Community, name: str, model) -> list:
    """A community's statuses or categories, cached until any community change in admin."""

    def load() -> list:
        return list(model.objects.filter(community=community).order_by("order", "pk"))

    return versioned(f"{community.pk}:{name}", load, timeout=3600)


def awaiting_response(community: Community) -> QuerySet[Idea]:
    """Public, open ideas over the community's vote threshold or age with no published
    official response, oldest first (PRODUCT.md §5)."""
    cutoff = timezone.now() - timedelta(days=community.response_age_days)
    return (
        listed_ideas(community)
        .filter(stats__answered_at__isnull=True, status__is_closed=False)
        .filter(Q(stats__votes__gte=community.response_vote_threshold) | Q(stats__created_at__lte=cutoff))
        .order_by("stats__created_at", "pk")
    )


CONSOLE_ROWS = 50
RECENTLY_PUBLISHED = 20


def console_sections(community: Community) -> dict:
    """The brand's to-do list: ideas awaiting a response, then responses by stage."""
    awaiting = awaiting_response(community)
    in_community = OfficialResponse.objects.filter(idea__community=community).select_related(
        "idea", "author", "edited_by", "approved_by", "status"
    )
    stages = {}
    for state in (
        ResponseState.DRAFT,
        ResponseState.AWAITING_APPROVAL,
        ResponseState.APPROVED,
        ResponseState.SCHEDULED,
    ):
        rows = in_community.filter(state=state).order_by(
            "publish_at" if state == ResponseState.SCHEDULED else "updated_at"
        )
        stages[state] = {"label": state.label, "rows": list(rows[:CONSOLE_ROWS]), "count": rows.count()}
    published = in_community.filter(state=ResponseState.PUBLISHED).order_by("-published_at")
    return {
        "awaiting": list(awaiting[:CONSOLE_ROWS]),
        "awaiting_count": awaiting.count(),
        "stages": stages,
        "published": list(published[:RECENTLY_PUBLISHED]),
        "published_count": published.count(),
    }


def published_response(idea: Idea):
    """The brand's latest public answer on the idea, if any."""
    return idea_cached(
        idea.community_id,
        idea.pk,
        "response",
        lambda: (
            OfficialResponse.objects.filter(idea=idea, state=ResponseState.PUBLISHED)
            .select_related("published_by", "author", "status")
            .order_by("-published_at", "-pk")
            .first()
        ),
    )


def open_response(idea: Idea):
    """The response being prepared on the idea (one at most)."""
    return (
        OfficialResponse.objects.filter(idea=idea, state__in=RESPONSE_OPEN_STATES)
        .select_related("author", "edited_by", "approved_by", "status")
        .first()
    )
