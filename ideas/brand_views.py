"""Where brand managers work: the response form on the idea page and the /manage/ console.

One endpoint takes every action of the response form (`action` names it). Text and the
transition succeed or fail together: a refused "publish" keeps nothing half-done, and the
page comes back with what the manager typed and the reason. Answering in the brand's name
is a staff power: it needs a session that used a second factor (accounts.mfa).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.mfa import staff_power_allowed, typed_keep
from accounts.submissions import submit_once
from ideas import responses, selectors
from ideas.exceptions import Refused
from ideas.forms import CommentForm, ResponseForm
from ideas.models import OfficialResponse
from ideas.views import _detail_context, answer_saved, member_required, refuse

SUCCESS = {
    "save": _("Response saved."),
    "submit": _("Response sent for approval."),
    "approve": _("Response approved."),
    "return": _("Response back to draft."),
    "schedule": _("Response scheduled."),
    "publish": _("Response being published: followers will be told."),
    "withdraw": _("Response withdrawn."),
}
WRITES_TEXT = ("save", "submit", "schedule", "publish")
# What the response form keeps for after the second factor (accounts.mfa.typed_keep).
TYPED_FIELDS = ("body", "status", "publish_at")


def _apply(action: str, data: dict, response: OfficialResponse | None, idea, user) -> OfficialResponse:
    if action in WRITES_TEXT and (data["body"] or data["status"] or response is None):
        if response is None:
            response = responses.response_create(idea=idea, user=user, body=data["body"], status=data["status"])
        elif response.state != "published" or action == "save":
            response = responses.response_update(response=response, user=user, body=data["body"], status=data["status"])
    if response is None:
        raise Refused(_("There is no response to act on."), status=409)
    if action == "submit":
        return responses.response_submit(response=response, user=user)
    if action == "approve":
        return responses.response_approve(response=response, user=user)
    if action == "return":
        return responses.response_return_to_draft(response=response, user=user)
    if action == "schedule":
        return responses.response_schedule(response=response, user=user, publish_at=data["publish_at"])
    if action == "publish":
        return responses.response_publish(response=response, user=user)
    if action == "withdraw":
        return responses.response_withdraw(response=response, user=user)
    return response


@require_POST
@member_required
def respond(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.get_idea_for_viewer(request, pk)
    if not responses.can_speak_for(request.user, idea.community):
        return refuse(request, _("Only the brand's managers can answer officially."), 403, idea=idea)
    form = ResponseForm(request.POST, community=idea.community)
    if not staff_power_allowed(request):
        return _second_factor_first(request, idea, form)
    if not form.is_valid():
        return _form_again(request, idea, form, status=400)
    data = form.cleaned_data
    response = None
    if data["response"]:
        response = get_object_or_404(OfficialResponse, pk=data["response"], idea=idea)
    try:
        submitted = submit_once(
            request,
            kind="response",
            create=lambda: _apply(data["action"], data, response, idea, request.user),
            target_url=lambda _response: f"{idea.get_absolute_url()}#official-response",
        )
    except Refused as refusal:
        form.add_error(None, refusal.message)
        return _form_again(request, idea, form, status=refusal.status)
    return answer_saved(request, submitted, lambda: _told(request, data["action"], submitted.target_url))


def _told(request: HttpRequest, action: str, target_url: str) -> HttpResponse:
    messages.success(request, SUCCESS[action])
    return redirect(target_url)


def _form_again(request: HttpRequest, idea, form: ResponseForm, *, status: int) -> HttpResponse:
    context = _detail_context(request, idea, CommentForm())
    context["response_form"] = form
    return render(request, "ideas/idea_detail.html", context, status=status)


def _second_factor_first(request: HttpRequest, idea, form: ResponseForm) -> HttpResponse:
    """Refuse with 403 the page as sent (the typed text in the form), the reason and the
    link to the second factor; the text is also kept for the form after it."""
    typed_keep(request, path=idea.get_absolute_url(), data={name: request.POST.get(name, "") for name in TYPED_FIELDS})
    context = _detail_context(request, idea, CommentForm())
    working = selectors.open_response(idea)
    context.update(
        working_response=working,
        working_ready=working is not None and responses.ready_to_publish(working),
        response_form=form,  # (second_factor_url: from _detail_context, the session lacking one)
        second_factor_refused=True,
    )
    return render(request, "ideas/idea_detail.html", context, status=403)


@require_GET
@member_required
def console(request: HttpRequest) -> HttpResponse:
    community = request.community
    if not responses.can_speak_for(request.user, community):
        return refuse(request, _("Only the brand's managers can open the responses console."), 403)
    return render(request, "ideas/manage_console.html", selectors.console_sections(community))
