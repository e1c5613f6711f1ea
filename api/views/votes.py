"""Votes: cast or withdraw mine; staff record a customer's vote on their behalf (a proxy
vote, stored with who recorded it) and see who voted."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from api.answers import answers
from api.auth import caller_of
from api.errors import ApiError
from api.permissions import is_staff_of, require_acting_for_members, require_scope, require_staff_power
from api.present import member_out
from api.schemas import IdeaPath, VoteIn, VoteOut, VoteResultOut
from api.services import customer_for
from ideas import selectors, services
from ideas.models import Vote

router = Router(tags=["votes"])

VOTES_SHOWN = 500


class WithdrawQuery(Schema):
    member: int | None = Field(None, ge=1, le=2**63 - 1, description="Withdraw this member's proxy vote (staff).")


@router.post("/ideas/{idea_id}/votes", response=answers(200, VoteResultOut), summary="Cast a vote")
def vote_cast(request: HttpRequest, path: Path[IdeaPath], payload: VoteIn):
    """My vote, or with `member` a customer's vote recorded on their behalf (staff). Asking
    again changes nothing; a vote of the other value replaces it."""
    caller = caller_of(request)
    require_scope(caller, "write:votes")
    idea = selectors.get_idea_for_action(request, path.idea_id)
    voter, recorded_by = caller.actor, None
    if payload.member is not None:
        require_acting_for_members(caller)
        voter = customer_for(community=caller.community, ref=payload.member)
        recorded_by = caller.actor if voter.pk != caller.actor.pk else None
    result = services.vote_set(idea=idea, user=voter, value=payload.value, recorded_by=recorded_by)
    return {"value": result.value, "votes": result.votes}


@router.delete("/ideas/{idea_id}/votes", response=answers(200, VoteResultOut), summary="Withdraw a vote")
def vote_withdraw(request: HttpRequest, path: Path[IdeaPath], query: Query[WithdrawQuery]):
    """My vote; or, for staff, a vote they or their colleagues recorded for `member` (a
    member's own vote is theirs alone to withdraw)."""
    caller = caller_of(request)
    require_scope(caller, "write:votes")
    idea = selectors.get_idea_for_action(request, path.idea_id)
    voter = caller.actor
    if query.member is not None and query.member != caller.actor.pk:
        require_acting_for_members(caller)
        vote = Vote.objects.select_related("user").filter(idea=idea, user_id=query.member).first()
        if vote is None:
            raise ApiError(404, _("This member has no vote on this idea."))
        if vote.recorded_by_id is None:
            raise ApiError(403, _("The member cast this vote themselves: only they can withdraw it."))
        voter = vote.user
    result = services.vote_set(idea=idea, user=voter, value=None)
    return {"value": result.value, "votes": result.votes}


@router.get("/ideas/{idea_id}/votes", response=answers(200, list[VoteOut]), summary="Who voted (staff)")
def vote_list(request: HttpRequest, path: Path[IdeaPath]):
    """The latest votes first, with proxy votes marked by who recorded them. Staff only
    (moderation or admin scope): members' votes are not public on the site either."""
    caller = caller_of(request)
    if not ({"moderation", "admin"} & caller.scopes) or not is_staff_of(caller.actor, caller.community):
        raise ApiError(403, _("Only the community's staff see who voted."))
    require_staff_power(caller)
    idea = selectors.get_idea_for_viewer(request, path.idea_id)
    votes = Vote.objects.filter(idea=idea).select_related("user", "recorded_by").order_by("-created_at", "-pk")
    return [
        {
            "member": member_out(vote.user, caller),
            "value": vote.value,
            "created_at": vote.created_at,
            "recorded_by": member_out(vote.recorded_by, caller) if vote.recorded_by_id else None,
        }
        for vote in votes[:VOTES_SHOWN]
    ]
