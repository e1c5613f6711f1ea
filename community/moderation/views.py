"""Reports from members: the flag buttons of the idea page (for an idea, for a comment).

The pages are the ideas app's; what a report does (weights, the threshold, holding the
content for a moderator) is moderation's, so the views live here, above both.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.submissions import Submitted, submit_once
from community.moderation.services import FlagRefused, flag_create
from ideas import selectors
from ideas.forms import FlagForm
from ideas.views import answer_saved, member_required, refuse, visitor_told, wants_json


def _visitor_flags_idea(request: HttpRequest, pk: int) -> str:
    idea = selectors.get_idea_for_viewer(request, pk)
    return visitor_told(request, _("Sign in to report “%(title)s”."), idea)


def _visitor_flags_comment(request: HttpRequest, comment_pk: int) -> str:
    comment = selectors.get_comment_for_viewer(request, comment_pk)
    return visitor_told(request, _("Sign in to report a comment on “%(title)s”."), comment.idea)


def _flag(request: HttpRequest, content, idea) -> HttpResponse:
    form = FlagForm(request.POST)
    if not form.is_valid():
        return refuse(request, _("Pick a reason."), 400, idea)
    try:
        submitted = submit_once(
            request,
            kind="flag",
            create=lambda: flag_create(
                content=content,
                flagger=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            ),
            target_url=lambda outcome: _flagged_url(content, idea, outcome.hidden),
        )
    except FlagRefused as refusal:
        return refuse(request, refusal.message, refusal.status, idea)
    return answer_saved(request, submitted, lambda: _flagged(request, submitted))


def _flagged_url(content, idea, hidden: bool) -> str:
    if content is idea:
        # A hidden idea is no longer there to come back to.
        return reverse("ideas:list") if hidden else idea.get_absolute_url()
    anchor = "comments-title" if hidden else f"comment-{content.pk}"
    return f"{idea.get_absolute_url()}#{anchor}"


def _flagged(request: HttpRequest, submitted: Submitted) -> HttpResponse:
    """Thank the member in words that say what happens next (a report sent again: as one
    made already)."""
    outcome = submitted.created
    if outcome is None or not outcome.created:
        message = _("You have already reported this. Thank you: your report stands.")
    elif outcome.hidden:
        message = _("Thank you. With the other reports, this is now hidden until a moderator looks at it.")
    else:
        message = _("Thank you. The moderators will look at this if other members report it too.")
    if wants_json(request):
        control = render_to_string("ideas/_flag_control.html", {"flagged": True}, request=request)
        created, hidden = (outcome.created, outcome.hidden) if outcome else (False, False)
        return JsonResponse(
            {"flagged": True, "created": created, "hidden": hidden, "message": message, "html": control}
        )
    messages.success(request, message)
    return redirect(submitted.target_url)


@require_POST
@member_required(on_visitor=_visitor_flags_idea)
def flag_idea(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.get_idea_for_viewer(request, pk)
    return _flag(request, idea, idea)


@require_POST
@member_required(on_visitor=_visitor_flags_comment)
def flag_comment(request: HttpRequest, comment_pk: int) -> HttpResponse:
    # Only a comment this member can see: hidden, held or deleted ones are not found.
    comment = selectors.get_comment_for_viewer(request, comment_pk)
    return _flag(request, comment, comment.idea)
