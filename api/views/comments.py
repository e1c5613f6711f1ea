"""Comments: an idea's thread, posting, editing (the author, 15 minutes), deleting."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router

from api.answers import answers, created
from api.auth import caller_of
from api.errors import ApiError, form_errors
from api.permissions import require_scope, require_staff_power
from api.present import comment_out
from api.schemas import CommentIn, CommentOut, CommentPatch, CommentPath, IdeaPath
from config.client_ip import client_info
from ideas import selectors, services
from ideas.forms import CommentForm
from ideas.models import Comment

router = Router(tags=["comments"])


@router.get("/ideas/{idea_id}/comments", response=answers(200, list[CommentOut]), summary="An idea's thread")
def comment_list(request: HttpRequest, path: Path[IdeaPath]):
    """Top-level comments in order, each followed by its replies; what the idea page shows
    this caller (deleted ones only as placeholders that keep replies in place)."""
    caller = caller_of(request)
    require_scope(caller, "read")
    idea = selectors.get_idea_for_viewer(request, path.idea_id)
    shown = []
    for comment in selectors.comment_thread(idea, caller.viewer):
        shown.append(comment_out(comment, caller))
        shown.extend(comment_out(reply, caller) for reply in comment.thread_replies)
    return shown


def _body(data: dict) -> str:
    form = CommentForm({"body": data.get("body") or ""})
    if not form.is_valid():
        raise form_errors(form)
    return form.cleaned_data["body"]


@router.post("/ideas/{idea_id}/comments", response=answers(201, CommentOut), summary="Comment or reply")
def comment_create(request: HttpRequest, path: Path[IdeaPath], payload: CommentIn):
    caller = caller_of(request)
    require_scope(caller, "write:ideas")
    idea = selectors.get_idea_for_action(request, path.idea_id)
    body = _body(payload.dict())
    parent = None
    if payload.parent is not None:
        parent = selectors.comment_for_reply(idea, caller.actor, payload.parent)
        if parent is None:
            raise ApiError(400, _("The comment you reply to does not exist."), fields={"parent": [_("Unknown.")]})
    comment = services.comment_create(
        idea=idea, author=caller.actor, body=body, parent=parent, client=client_info(request)
    )
    return created(comment_out(comment, caller))


def _comment(request: HttpRequest, caller, comment_id: int) -> Comment:
    """A comment the acting user may see, in the caller's community; else 404."""
    return selectors.get_comment_for_viewer(request, comment_id)


@router.patch("/comments/{comment_id}", response=answers(200, CommentOut), summary="Edit my comment")
def comment_edit(request: HttpRequest, path: Path[CommentPath], payload: CommentPatch):
    caller = caller_of(request)
    require_scope(caller, "write:ideas")
    comment = _comment(request, caller, path.comment_id)
    body = _body(payload.dict())
    saved = services.comment_update(comment=comment, user=caller.actor, body=body, client=client_info(request))
    return comment_out(saved, caller)


@router.delete("/comments/{comment_id}", response=answers(200, CommentOut), summary="Delete a comment")
def comment_delete(request: HttpRequest, path: Path[CommentPath]):
    """Its author, or a moderator (with the moderation scope; sessions: the second factor)."""
    caller = caller_of(request)
    require_scope(caller, "write:ideas")
    comment = _comment(request, caller, path.comment_id)
    if comment.author_id != caller.actor.pk:
        require_scope(caller, "moderation")
        if services.can_delete_comment(comment, caller.actor):
            require_staff_power(caller)
    deleted = services.comment_delete(comment=comment, user=caller.actor)
    return comment_out(deleted, caller)
