"""Official responses through the brand voice's state machine (ideas/responses.py):
draft, edit, submit, approve, back to draft, schedule, publish, withdraw."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router

from api.answers import answers, created
from api.auth import Caller, caller_of
from api.errors import ApiError
from api.permissions import require_scope, require_speaker
from api.present import response_out
from api.schemas import IdeaPath, ResponseIn, ResponseOut, ResponsePath, ScheduleIn
from community.models import Status
from ideas import responses, selectors
from ideas.models import OfficialResponse, ResponseState

router = Router(tags=["official responses"])


def _status(caller: Caller, status_id: int | None) -> Status | None:
    if status_id is None:
        return None
    status = Status.objects.filter(pk=status_id, community=caller.community).first()
    if status is None:
        raise ApiError(400, _("Unknown status."), fields={"status": [_("Unknown status.")]})
    return status


def _response(caller: Caller, response_id: int) -> OfficialResponse:
    found = (
        OfficialResponse.objects.select_related("idea__community", "status", "author", "approved_by")
        .filter(pk=response_id, idea__community=caller.community)
        .first()
    )
    if found is None:
        raise Http404
    return found


@router.get("/ideas/{idea_id}/responses", response=answers(200, list[ResponseOut]), summary="An idea's responses")
def response_list(request: HttpRequest, path: Path[IdeaPath]):
    """Published ones for everyone; with write:responses, the brand's managers also see
    the one in preparation and withdrawn ones."""
    caller = caller_of(request)
    require_scope(caller, "read")
    idea = selectors.get_idea_for_viewer(request, path.idea_id)
    shown = OfficialResponse.objects.filter(idea=idea).select_related("status", "author", "approved_by")
    speaker = "write:responses" in caller.scopes and responses.can_speak_for(caller.actor, caller.community)
    if speaker and caller.second_factor:
        return [response_out(response, caller) for response in shown]
    return [response_out(response, caller) for response in shown.filter(state=ResponseState.PUBLISHED)]


@router.post("/ideas/{idea_id}/responses", response=answers(201, ResponseOut), summary="Start a draft")
def response_create(request: HttpRequest, path: Path[IdeaPath], payload: ResponseIn):
    caller = caller_of(request)
    require_speaker(caller)
    idea = selectors.get_idea_for_viewer(request, path.idea_id)
    draft = responses.response_create(
        idea=idea, user=caller.actor, body=payload.body, status=_status(caller, payload.status)
    )
    return created(response_out(_response(caller, draft.pk), caller))


@router.patch("/responses/{response_id}", response=answers(200, ResponseOut), summary="Edit a response")
def response_edit(request: HttpRequest, path: Path[ResponsePath], payload: ResponseIn):
    caller = caller_of(request)
    require_speaker(caller)
    response = _response(caller, path.response_id)
    status = _status(caller, payload.status) if "status" in payload.model_fields_set else response.status
    responses.response_update(response=response, user=caller.actor, body=payload.body, status=status)
    return response_out(_response(caller, response.pk), caller)


def _move(request: HttpRequest, response_id: int, move, **kwargs) -> dict:
    caller = caller_of(request)
    require_speaker(caller)
    response = _response(caller, response_id)
    move(response=response, user=caller.actor, **kwargs)
    return response_out(_response(caller, response.pk), caller)


@router.post("/responses/{response_id}/submit", response=answers(200, ResponseOut), summary="Ask for approval")
def response_submit(request: HttpRequest, path: Path[ResponsePath]):
    return _move(request, path.response_id, responses.response_submit)


@router.post(
    "/responses/{response_id}/approve", response=answers(200, ResponseOut), summary="Approve (another manager)"
)
def response_approve(request: HttpRequest, path: Path[ResponsePath]):
    return _move(request, path.response_id, responses.response_approve)


@router.post("/responses/{response_id}/return", response=answers(200, ResponseOut), summary="Back to draft")
def response_return(request: HttpRequest, path: Path[ResponsePath]):
    return _move(request, path.response_id, responses.response_return_to_draft)


@router.post("/responses/{response_id}/schedule", response=answers(200, ResponseOut), summary="Publish later")
def response_schedule(request: HttpRequest, path: Path[ResponsePath], payload: ScheduleIn):
    if payload.publish_at.tzinfo is None:
        raise ApiError(400, _("Give the time with its offset (2026-12-31T09:00:00+01:00)."))
    return _move(request, path.response_id, responses.response_schedule, publish_at=payload.publish_at)


@router.post("/responses/{response_id}/publish", response=answers(200, ResponseOut), summary="Publish now")
def response_publish(request: HttpRequest, path: Path[ResponsePath]):
    """Scheduled for now; the publishing task makes it public and tells the followers."""
    return _move(request, path.response_id, responses.response_publish)


@router.post("/responses/{response_id}/withdraw", response=answers(200, ResponseOut), summary="Withdraw")
def response_withdraw(request: HttpRequest, path: Path[ResponsePath]):
    return _move(request, path.response_id, responses.response_withdraw)
