"""Ideas: the site's listing (every filter and sort) with cursor pagination, an idea,
posting (also on a customer's behalf) and editing, and status changes."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from api.answers import answers, created
from api.auth import Caller, caller_of
from api.cursor import KEYS, after, cursor_decode, cursor_encode
from api.errors import ApiError, form_errors
from api.permissions import require_acting_for_members, require_moderator, require_scope, require_status_changer
from api.present import idea_detail_out, idea_out
from api.schemas import IdeaDetailOut, IdeaIn, IdeaPage, IdeaPatch, IdeaPath, StatusIn
from api.services import customer_for
from community.cache import listing_cached
from community.models import Status
from community.selectors import community_url
from config.client_ip import client_info
from ideas import selectors, services
from ideas.forms import IdeaForm, ListFilterForm
from ideas.models import Idea

router = Router(tags=["ideas"])

MAX_LIMIT = 100


class ListQuery(Schema):
    sort: Literal["hot", "top", "new", "discussed", "answered", "relevance"] | None = Field(
        None, description="As on the site: hot by default, relevance for a search."
    )
    status: str = Field("", max_length=50, description="A status's slug.")
    category: str = Field("", max_length=50, description="A category's slug.")
    tag: str = Field("", max_length=100, description="A tag's slug.")
    q: str = Field("", max_length=200, description="Full-text search.")
    mine: bool = Field(False, description="My ideas, held ones included (sessions only).")
    followed: bool = Field(False, description="Ideas I follow (sessions only).")
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    cursor: str = Field("", max_length=500, description="`next_cursor` of the previous page.")


def _filters(caller: Caller, query: ListQuery) -> selectors.ListingFilters:
    """The site's own filter form reads the query, so that both refuse the same values."""
    if (query.mine or query.followed) and not caller.is_session:
        raise ApiError(400, _("“mine” and “followed” are for a member's session, not an API key."))
    data = QueryDict(mutable=True)
    for name in ("sort", "status", "category", "tag", "q"):
        value = getattr(query, name)
        if value:
            data[name] = value
    for name in ("mine", "followed"):
        if getattr(query, name):
            data[name] = "on"
    form = ListFilterForm(data, community=caller.community)
    if not form.is_valid():
        raise form_errors(form)
    return form.filters()


def _load(ids: list[int], ideas) -> list[Idea]:
    loaded = {idea.pk: idea for idea in ideas.filter(pk__in=ids).select_related("submitted_by")} if ids else {}
    return [loaded[pk] for pk in ids if pk in loaded]


@router.get("", response=answers(200, IdeaPage), summary="List ideas, as the site's listing does")
def idea_list(request: HttpRequest, query: Query[ListQuery]):
    caller = caller_of(request)
    require_scope(caller, "read")
    filters = _filters(caller, query)
    ideas = selectors.ideas_for_listing(caller.community, caller.viewer, filters)
    sort = filters.sort if filters.sort in KEYS or filters.sort == "relevance" else "hot"
    offset = 0
    if query.cursor:
        data = cursor_decode(query.cursor, sort)
        if sort == "relevance":
            offset = int(data.get("o", 0))
        else:
            ideas = after(ideas, sort, data)

    def load() -> tuple[list[Idea], bool]:
        # The page's ids first, reading the narrow stats rows only; then those ideas whole.
        ids = list(ideas.values_list("pk", flat=True)[offset : offset + query.limit + 1])
        return _load(ids[: query.limit], ideas), len(ids) > query.limit

    # A listing that is the same for every reader (not a search, "mine" or "followed") is
    # read once per listing version, as the site's pages are (ideas.selectors.listing_page).
    shared = selectors.listing_count_key(caller.community, filters)
    if shared and not filters.q:
        name = f"api:{shared}:{sort}:{query.limit}:{query.cursor}"
        page, more = listing_cached(caller.community.pk, name, load, reader=caller.viewer)
    else:
        page, more = load()
    my_votes = selectors.member_votes(caller.viewer, page) if caller.is_session else {}
    next_cursor = None
    if more and page:
        next_cursor = (
            cursor_encode(sort, offset=offset + query.limit) if sort == "relevance" else cursor_encode(sort, page[-1])
        )
    next_url = None
    if next_cursor:
        params = request.GET.copy()
        params["cursor"] = next_cursor
        next_url = community_url(caller.community, f"{reverse('api:idea_list')}?{params.urlencode()}")
    return {
        "results": [idea_out(idea, caller, my_votes=my_votes) for idea in page],
        "next": next_url,
        "next_cursor": next_cursor,
    }


def _detail(request: HttpRequest, caller: Caller, idea_id: int) -> dict:
    idea = selectors.get_idea_for_viewer(request, idea_id)
    my_vote = selectors.member_state(caller.viewer, idea).vote if caller.is_session else None
    return idea_detail_out(idea, caller, my_vote=my_vote, response=selectors.published_response(idea))


@router.get("/{idea_id}", response=answers(200, IdeaDetailOut), summary="An idea")
def idea_detail(request: HttpRequest, path: Path[IdeaPath]):
    caller = caller_of(request)
    require_scope(caller, "read")
    return _detail(request, caller, path.idea_id)


def _idea_form(caller: Caller, data: dict) -> IdeaForm:
    """The site's idea form checks the fields (lengths, tags, the category's community)."""
    tags = data.get("tags") or []
    if any("," in tag for tag in tags):
        raise ApiError(400, _("A tag cannot contain a comma."), fields={"tags": [_("No commas in a tag.")]})
    form = IdeaForm(
        {
            "title": data.get("title") or "",
            "body": data.get("body") or "",
            "category": data.get("category") or "",
            "tags": ", ".join(tags),
        },
        community=caller.community,
    )
    if not form.is_valid():
        raise form_errors(form)
    return form


@router.post("", response=answers(201, IdeaDetailOut), summary="Post an idea (also on a customer's behalf)")
def idea_create(request: HttpRequest, payload: IdeaIn):
    """Posted by the caller, or with `author` on a customer's behalf (staff keys with
    write:ideas): the customer is the author; the idea shows who submitted it. Either
    way it goes through moderation as a post from the site does."""
    caller = caller_of(request)
    require_scope(caller, "write:ideas")
    form = _idea_form(caller, payload.dict())
    author, submitted_by = caller.actor, None
    if payload.author is not None:
        require_acting_for_members(caller)
        author = customer_for(community=caller.community, ref=payload.author)
        submitted_by = caller.actor if author.pk != caller.actor.pk else None
    data = form.cleaned_data
    idea = services.idea_create(
        community=caller.community,
        author=author,
        title=data["title"],
        body=data["body"],
        category=data["category"],
        tags=data["tags"],
        client=client_info(request),
        submitted_by=submitted_by,
    )
    idea = Idea.objects.select_related("stats", "status", "category", "author", "submitted_by").get(pk=idea.pk)
    return created(idea_detail_out(idea, caller, my_vote=None, response=None))


@router.patch("/{idea_id}", response=answers(200, IdeaDetailOut), summary="Edit an idea")
def idea_edit(request: HttpRequest, path: Path[IdeaPath], payload: IdeaPatch):
    """The author within an hour; others' ideas, moderators at any time (with the
    moderation scope; sessions: with the second factor). Moderated again, as on the site."""
    caller = caller_of(request)
    require_scope(caller, "write:ideas")
    idea = selectors.get_idea_for_viewer(request, path.idea_id)
    if idea.author_id != caller.actor.pk:
        require_moderator(caller)  # editing others' ideas is a moderator's power
    current = {
        "title": idea.title,
        "body": idea.body,
        "category": idea.category_id,
        "tags": [tag.name for tag in idea.tags.all()],
    }
    form = _idea_form(caller, {**current, **payload.dict(exclude_unset=True)})
    data = form.cleaned_data
    services.idea_update(
        idea=Idea.objects.select_related("community", "status").get(pk=idea.pk),
        user=caller.actor,
        title=data["title"],
        body=data["body"],
        category=data["category"],
        tags=data["tags"],
        client=client_info(request),
    )
    return _detail(request, caller, idea.pk)


@router.post("/{idea_id}/status", response=answers(200, IdeaDetailOut), summary="Change an idea's status")
def idea_status(request: HttpRequest, path: Path[IdeaPath], payload: StatusIn):
    """Declining or marking a duplicate needs a public `reason` (as everywhere)."""
    caller = caller_of(request)
    require_status_changer(caller)
    idea = selectors.get_idea_for_viewer(request, path.idea_id)
    status = Status.objects.filter(pk=payload.status, community=caller.community).first()
    if status is None:
        raise ApiError(400, _("Unknown status."), fields={"status": [_("Unknown status.")]})
    services.idea_set_status(
        idea=Idea.objects.select_related("community", "status").get(pk=idea.pk),
        status=status,
        user=caller.actor,
        reason=payload.reason,
    )
    return _detail(request, caller, idea.pk)
