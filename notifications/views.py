"""The inbox, the settings page and the one-click unsubscribe link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from community.selectors import communities_with_role
from ideas.responses import SPEAKER_ROLES
from notifications import services
from notifications.forms import MarkReadForm, PreferencesForm
from notifications.models import Kind, Notification
from notifications.text import describe
from notifications.tokens import DIGEST_TOPICS, read_unsubscribe_token

INBOX_PAGE_SIZE = 30


@require_GET
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    if request.community is None:
        raise Http404
    notifications = Notification.objects.filter(recipient=request.user, community=request.community)
    paginator = Paginator(notifications, INBOX_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    items = [(item, describe(item.kind, item.data, request.community.name)) for item in page]
    return render(request, "notifications/inbox.html", {"page": page, "items": items})


@require_GET
@login_required
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification to what it is about, marking it read on the way."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user, community=request.community)
    services.mark_read(request.user, notification.pk)
    target = notification.url
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


@require_POST
@login_required
def mark_read(request: HttpRequest) -> HttpResponse:
    form = MarkReadForm(request.POST)
    if not form.is_valid():
        return render(request, "ideas/refused.html", {"message": _("Unknown notification.")}, status=400)
    services.mark_read(request.user, form.cleaned_data["notification"], community=request.community)
    return redirect("notifications:inbox")


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    is_speaker = communities_with_role(user, SPEAKER_ROLES).exists()
    form = PreferencesForm(request.POST or None, initial_choices=services.preferences_of(user), is_speaker=is_speaker)
    if request.method == "POST":
        if form.is_valid():
            services.preferences_set(user, form.cleaned_data)
            messages.success(request, _("Notification settings saved."))
            return redirect("notifications:preferences")
        return render(request, "notifications/preferences.html", {"form": form}, status=400)
    return render(request, "notifications/preferences.html", {"form": form})


@csrf_exempt  # the signed token is the credential; mail clients POST here without a session (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirmation button (link scanners must not unsubscribe anyone); POST,
    from that button or a mail client's one-click, turns the topic off."""
    try:
        user_id, topic = read_unsubscribe_token(token)
    except signing.BadSignature:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    if topic not in Kind.values and topic not in DIGEST_TOPICS:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    if not User.objects.filter(pk=user_id, is_active=True).exists():
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=400)
    context = {"topic_label": _topic_label(topic), "token": token}
    if request.method == "POST":
        services.unsubscribe(user_id, topic)
        context["done"] = True
    return render(request, "notifications/unsubscribe.html", context)


def _topic_label(topic: str) -> str:
    if topic == "digest:daily":
        return _("the daily digest")
    if topic == "digest:weekly":
        return _("the weekly digest")
    return str(Kind(topic).label)
