"""The review queue: the waiting items of a moderator's communities as cards on one admin
page, each decided in one click (Discourse's review queue is the model).

Every decision goes through `moderation_decide`, as on the item page and in the bulk
actions: permissions, flags, trust, the author's notice and the audit log live there.
A plain form answers with a redirect back to the queue and a message; a request that
asks for JSON (static/js/review_queue.js) gets the decision's message and the next card,
which the page shows in place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from community.models import Community, ModerationItem
from community.moderation.selectors import review_cards, waiting_items
from community.moderation.services import AlreadyDecided, NotAllowed, StaleItem

if TYPE_CHECKING:
    from community.moderation.admin import ModerationItemAdmin

PAGE_SIZE = 20  # settings.REVIEW_PAGE_SIZE may say otherwise (the tests' short pages)
CARD_TEMPLATE = "admin/community/moderationitem/review_card.html"


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def queue_url(community_id: int | str | None = None) -> str:
    url = reverse("admin:community_moderationitem_review")
    return f"{url}?community={community_id}" if community_id else url


def _scoped(model_admin: ModerationItemAdmin, request: HttpRequest):
    """The items this moderator may see; staff without a moderation role get 403."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    return model_admin.get_queryset(request)


def _community_filter(request: HttpRequest, communities) -> Community | None:
    value = request.GET.get("community", "")
    if not value.isdigit():
        return None
    return communities.filter(pk=value).first()


def queue_view(model_admin: ModerationItemAdmin, request: HttpRequest) -> HttpResponse:
    """The queue: the oldest `PAGE_SIZE` waiting items as cards."""
    return _queue_page(model_admin, request, _scoped(model_admin, request))


def card_view(model_admin: ModerationItemAdmin, request: HttpRequest, pk: int) -> HttpResponse:
    """One item's card alone (a link to it; another community's item is not found)."""
    item = get_object_or_404(_scoped(model_admin, request), pk=pk)
    return _queue_page(model_admin, request, ModerationItem.objects.filter(pk=item.pk), single=True)


def _queue_page(
    model_admin: ModerationItemAdmin,
    request: HttpRequest,
    items,
    *,
    single: bool = False,
    failed: tuple[int, object] | None = None,
    status: int = 200,
) -> HttpResponse:
    communities = model_admin.moderated_communities(request)
    community = None if single else _community_filter(request, communities)
    if community is not None:
        items = items.filter(community=community)
    waiting = items if single else waiting_items(items)
    cards = review_cards(items=waiting[: getattr(settings, "REVIEW_PAGE_SIZE", PAGE_SIZE)])
    if failed is not None:  # a plain form came back with errors: show them on its card
        for card in cards:
            if card.item.pk == failed[0]:
                card.form = failed[1]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": gettext("Review queue"),
        "cards": cards,
        "waiting": len(cards) if single else waiting.count(),
        "single": single,
        "communities": communities if communities.count() > 1 else [],
        "queue_community": community,
        "queue_url": queue_url(community.pk if community else None),
    }
    return TemplateResponse(request, "admin/community/moderationitem/review.html", context, status=status)


def decide_view(model_admin: ModerationItemAdmin, request: HttpRequest, pk: int) -> HttpResponse:
    """One decision from a card: `decision` (approve, approve_and_trust, reject, hide), and
    for a rejection a reason template or a typed message."""
    from community.moderation.admin import ItemDecisionForm

    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    item = get_object_or_404(_scoped(model_admin, request).select_related("community"), pk=pk)
    if not model_admin.has_change_permission(request, item):
        raise PermissionDenied
    form = ItemDecisionForm(request.POST, communities=[item.community])
    if not form.is_valid():
        return _refused(model_admin, request, item, 400, form=form)
    try:
        decision = form.decide(item, request.user, waiting_only=True)
    except NotAllowed as refusal:
        raise PermissionDenied from refusal
    except StaleItem:
        message = gettext("This post was edited after it was queued: its latest version waits in the queue.")
        return _refused(model_admin, request, item, 409, message=message)
    except AlreadyDecided:
        message = gettext("Someone already decided this item: it no longer waits.")
        return _refused(model_admin, request, item, 409, message=message)
    done = str(decision)
    community_id = request.POST.get("community", "")
    if not wants_json(request):
        messages.success(request, done)
        return HttpResponseRedirect(queue_url(community_id if community_id.isdigit() else None))
    return JsonResponse({"message": done, **_next_card(model_admin, request, item)})


def merge_view(model_admin: ModerationItemAdmin, request: HttpRequest, pk: int) -> HttpResponse:
    """ "Merge into #N" from an idea's card: the held idea is merged into the public idea
    `original` of its community (ideas.duplicate_pairs.duplicate_merge, which calls idea_merge:
    its author and the followers of both are told). The item itself still waits for a
    decision; the answer says so."""
    from ideas.duplicate_pairs import duplicate_merge
    from ideas.exceptions import Refused

    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    item = get_object_or_404(_scoped(model_admin, request).select_related("community", "idea"), pk=pk)
    if not model_admin.has_change_permission(request, item):
        raise PermissionDenied
    original = request.POST.get("original", "")
    if item.kind != ModerationItem.Kind.IDEA or item.idea is None or not original.isdigit() or len(original) > 10:
        return _refused(model_admin, request, item, 400, message=gettext("Pick the idea to merge into."))
    try:
        merge = duplicate_merge(duplicate=item.idea, original_id=int(original), user=request.user)
    except Refused as refusal:
        if refusal.status == 403:
            raise PermissionDenied from refusal
        return _refused(model_admin, request, item, refusal.status, message=refusal.message)
    done = gettext("Merged into #%(number)d “%(title)s”; its author and followers are told. Now decide the item.")
    done %= {"number": merge.original_id, "title": merge.original.title}
    if wants_json(request):
        return JsonResponse({"message": done})
    messages.success(request, done)
    community_id = request.POST.get("community", "")
    return HttpResponseRedirect(queue_url(community_id if community_id.isdigit() else None))


def _next_card(model_admin: ModerationItemAdmin, request: HttpRequest, decided: ModerationItem) -> dict:
    """The first waiting item the page does not show yet (`shown`: the ids it shows), as a
    card, and how many items still wait."""
    waiting = waiting_items(_scoped(model_admin, request))
    community = _community_filter(request, model_admin.moderated_communities(request))
    if request.POST.get("community", "").isdigit():
        waiting = waiting.filter(community_id=request.POST["community"])
    elif community is not None:
        waiting = waiting.filter(community=community)
    shown = {int(value) for value in request.POST.get("shown", "").split(",")[:200] if value.isdigit()}
    cards = review_cards(items=waiting.exclude(pk__in=shown | {decided.pk})[:1])
    html = render_to_string(CARD_TEMPLATE, {"card": cards[0]}, request=request) if cards else ""
    left = waiting.count()
    text = ngettext("%(count)d item waiting", "%(count)d items waiting", left) % {"count": left}
    return {"next": html, "waiting": left, "waiting_text": text}


def _refused(
    model_admin: ModerationItemAdmin,
    request: HttpRequest,
    item: ModerationItem,
    status: int,
    *,
    form=None,
    message: str = "",
) -> HttpResponse:
    """A decision that cannot be taken: the reason, with a 4xx, and nothing decided."""
    if form is not None:
        message = " ".join(str(error) for errors in form.errors.values() for error in errors)
    if wants_json(request):
        return JsonResponse({"error": message, "errors": form.errors.get_json_data() if form else {}}, status=status)
    if form is None:
        messages.error(request, message)
    items = _scoped(model_admin, request)
    return _queue_page(model_admin, request, items, failed=(item.pk, form) if form else None, status=status)
