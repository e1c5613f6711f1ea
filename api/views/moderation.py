"""The moderation queue and decisions (community.moderation.services.moderation_decide)."""

from __future__ import annotations

from typing import Literal

from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Schema
from pydantic import Field

from api.answers import answers, created
from api.auth import Caller, caller_of
from api.permissions import require_moderator
from api.present import member_out
from api.schemas import DecisionIn, DecisionOut, ItemPath, ModerationItemOut
from community.models import ModerationItem
from community.models.moderation import OPEN_STATES
from community.moderation.services import moderation_decide

router = Router(tags=["moderation"])


class ItemsQuery(Schema):
    state: Literal["open", "pending", "held", "approved", "rejected", "hidden"] = Field(
        "open", description="open: waiting for the check or for a moderator."
    )
    limit: int = Field(50, ge=1, le=200)


def _item_out(item: ModerationItem, caller: Caller) -> dict:
    return {
        "id": item.pk,
        "kind": item.kind,
        "idea": item.idea_id,
        "comment": item.comment_id,
        "revision": item.revision,
        "state": item.state,
        "reasons": item.reason_codes(),
        "author": member_out(item.author, caller),
        "title": item.submitted_title,
        "body": item.submitted_body,
        "created_at": item.created_at,
        "decided_at": item.decided_at,
    }


@router.get("/items", response=answers(200, list[ModerationItemOut]), summary="The moderation queue")
def item_list(request: HttpRequest, query: Query[ItemsQuery]):
    caller = caller_of(request)
    require_moderator(caller)
    items = ModerationItem.objects.filter(community=caller.community).select_related("author")
    items = items.filter(state__in=OPEN_STATES) if query.state == "open" else items.filter(state=query.state)
    return [_item_out(item, caller) for item in items.order_by("created_at", "pk")[: query.limit]]


@router.post("/items/{item_id}/decision", response=answers(201, DecisionOut), summary="Decide an item")
def item_decide(request: HttpRequest, path: Path[ItemPath], payload: DecisionIn):
    """Approve (optionally trusting the author), reject or hide; the author is told."""
    caller = caller_of(request)
    require_moderator(caller)
    item = (
        ModerationItem.objects.select_related("community").filter(pk=path.item_id, community=caller.community).first()
    )
    if item is None:
        raise Http404
    decision = moderation_decide(
        item=item, moderator=caller.actor, outcome=payload.outcome, message=payload.message, trust=payload.trust
    )
    return created(
        {
            "id": decision.pk,
            "item": item.pk,
            "outcome": decision.outcome,
            "message": decision.message,
            "trusted": decision.trusted,
            "created_at": decision.created_at,
        }
    )
