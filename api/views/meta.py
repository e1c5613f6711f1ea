"""Who am I, and the community's vocabulary: categories, statuses, tags; members."""

from __future__ import annotations

from django.db.models import Count
from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import Field
from taggit.models import Tag

from accounts.models import User
from api.answers import answers
from api.auth import caller_of
from api.permissions import require_scope
from api.present import category_out, member_out, status_out
from api.schemas import CallerOut, CategoryOut, MemberOut, MemberPath, StatusOut, TagOut
from community.selectors import community_url
from ideas.selectors import categories_of, statuses_of

router = Router(tags=["community"])


@router.get("/me", response=answers(200, CallerOut), summary="Who this key or session acts as")
def me(request: HttpRequest):
    caller = caller_of(request)
    return {
        "community": caller.community.slug,
        "community_url": community_url(caller.community, "/"),
        "acting_as": member_out(caller.actor, caller),
        "scopes": sorted(caller.scopes),
        "key": f"{caller.key.prefix}…" if caller.key else None,
    }


@router.get("/categories", response=answers(200, list[CategoryOut]))
def categories(request: HttpRequest):
    caller = caller_of(request)
    require_scope(caller, "read")
    return [category_out(category) for category in categories_of(caller.community)]


@router.get("/statuses", response=answers(200, list[StatusOut]))
def statuses(request: HttpRequest):
    caller = caller_of(request)
    require_scope(caller, "read")
    return [status_out(status) for status in statuses_of(caller.community)]


class TagsQuery(Schema):
    limit: int = Field(100, ge=1, le=500)


@router.get("/tags", response=answers(200, list[TagOut]), summary="Tags of the community's public ideas")
def tags(request: HttpRequest, query: Query[TagsQuery]):
    caller = caller_of(request)
    require_scope(caller, "read")
    used = (
        Tag.objects.filter(
            taggit_taggeditem_items__content_type__app_label="ideas",
            taggit_taggeditem_items__object_id__in=caller.community.ideas.filter(stats__is_listed=True).values("pk"),
        )
        .annotate(uses=Count("taggit_taggeditem_items"))
        .order_by("-uses", "name")[: query.limit]
    )
    return [{"name": tag.name, "slug": tag.slug} for tag in used]


@router.get("/members/{member_id}", response=answers(200, MemberOut), summary="A member's public profile")
def member(request: HttpRequest, path: Path[MemberPath]):
    caller = caller_of(request)
    require_scope(caller, "read")
    user = User.objects.filter(pk=path.member_id, memberships__community=caller.community).first()
    if user is None:
        raise Http404
    return member_out(user, caller)
