"""Webhook endpoints and their delivery log in /admin/, for each community's admins.

Only community admins (and superusers) see them: a Slack or Teams URL is itself a
credential, and the log holds the brand's staff-only events. Other staff of the community
get 403, and another community's endpoints and deliveries are not found.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from community.admin import ADMIN_ONLY, CommunityScopedAdmin
from community.moderation.admin import ReadOnlyScopedAdmin
from events import CATALOGUE
from integrations import services, transport
from integrations.models import DeliveryState, WebhookDelivery, WebhookEndpoint


def object_for_button(model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str, may: Callable) -> Any:
    """The object a POST button acts on: 403 without the role, 404 for an unknown id or
    another community's object, 403 if `may(request, obj)` says no."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    obj = model_admin.get_object(request, object_id)
    if obj is None:
        raise Http404
    if not may(request, obj):
        raise PermissionDenied
    return obj


class EndpointForm(forms.ModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=2000,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "vURLField", "size": 80}),  # a whole address in view
    )
    event_types = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(kind.name, kind.label) for kind in CATALOGUE.values() if not kind.internal],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What this endpoint receives. Nothing about content held for moderation or hidden is ever sent."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("community", "name", "kind", "url", "event_types", "is_active")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            transport.check_destination(url)
        except transport.Refused as refusal:
            raise ValidationError(str(refusal)) from refusal
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(CommunityScopedAdmin):
    form = EndpointForm
    viewer_roles = ADMIN_ONLY
    editor_roles = ADMIN_ONLY
    list_display = ("name", "community", "kind", "is_active", "events_count", "consecutive_failures", "log_link")
    list_filter = ("is_active", "kind", ("community", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("community",)
    search_fields = ("name", "url")
    readonly_fields = (
        "signing_secret",
        "log_link",
        "disabled_at",
        "disabled_reason",
        "consecutive_failures",
        "failing_since",
        "created_by",
        "created_at",
    )
    change_form_template = "admin/integrations/webhookendpoint/change_form.html"

    def get_fieldsets(self, request: HttpRequest, obj=None):
        main = (None, {"fields": ("community", "name", "kind", "url", "event_types", "is_active")})
        if obj is None:
            return (main,)
        return (main, (_("State"), {"fields": self.readonly_fields}))

    @admin.display(description=_("events"))
    def events_count(self, endpoint: WebhookEndpoint) -> int:
        return len(endpoint.event_types)

    @admin.display(description=_("signing secret"))
    def signing_secret(self, endpoint: WebhookEndpoint) -> str:
        if endpoint.kind != "webhook":
            return gettext("Not signed (Slack and Teams do not verify signatures).")
        return format_html(
            "<code>{}</code><br>{}",
            endpoint.secret,
            gettext("Your receiver verifies each request with it (docs: webhooks)."),
        )

    @admin.display(description=_("delivery log"))
    def log_link(self, endpoint: WebhookEndpoint) -> str:
        url = reverse("admin:integrations_webhookdelivery_changelist") + f"?endpoint__id__exact={endpoint.pk}"
        return format_html('<a href="{}">{}</a>', url, gettext("Deliveries"))

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form, change: bool) -> None:
        # Not the community cache's bump of CommunityScopedAdmin: nothing cached reads endpoints.
        if not change:
            obj.created_by = request.user
            obj.set_secret()
        elif obj.is_active and obj.disabled_at is not None:
            services.endpoint_enable(endpoint=obj)
        obj.save()

    def delete_model(self, request: HttpRequest, obj) -> None:
        obj.delete()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        queryset.delete()

    # --- The buttons ------------------------------------------------------------------------

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(require_POST(partial(function, self)))

        return [
            path(
                "<path:object_id>/test/", view(WebhookEndpointAdmin.test_view), name="integrations_webhookendpoint_test"
            ),
            path(
                "<path:object_id>/rotate-secret/",
                view(WebhookEndpointAdmin.rotate_view),
                name="integrations_webhookendpoint_rotate",
            ),
            *super().get_urls(),
        ]

    def test_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Send a `webhook.test` event now and say how the receiver answered."""
        endpoint = object_for_button(self, request, object_id, self.has_change_permission)
        delivery = services.endpoint_send_test(endpoint=endpoint)
        if delivery.state == DeliveryState.DELIVERED:
            message = gettext("Test event delivered: HTTP %(code)s in %(ms)s ms.") % {
                "code": delivery.last_status_code,
                "ms": delivery.last_response_ms,
            }
            self.message_user(request, message, messages.SUCCESS)
        else:
            message = gettext("Test event not delivered: %(error)s") % {"error": delivery.last_error or "?"}
            self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk]))

    def rotate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        endpoint = object_for_button(self, request, object_id, self.has_change_permission)
        services.endpoint_rotate_secret(endpoint=endpoint)
        message = gettext("New secret made: give it to your receiver now; the next deliveries are signed with it.")
        self.message_user(request, message, messages.WARNING)
        return HttpResponseRedirect(reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk]))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyScopedAdmin):
    """The log: read-only for everyone; its one action sends a delivery again."""

    community_field = "endpoint__community"
    viewer_roles = ADMIN_ONLY
    editor_roles = ADMIN_ONLY
    list_display = (
        "created_at",
        "event_type",
        "endpoint",
        "state",
        "last_status_code",
        "last_response_ms",
        "attempts",
        "next_attempt_at",
    )
    list_filter = ("state", "event_type", ("endpoint", admin.RelatedOnlyFieldListFilter), "is_test")
    list_select_related = ("endpoint", "endpoint__community")
    search_fields = ("event_id",)
    actions = ("redeliver",)
    fields = (
        "endpoint",
        "event_id",
        "event_type",
        "state",
        "attempts",
        "last_status_code",
        "last_response_ms",
        "last_error",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "is_test",
        "payload",
    )
    readonly_fields = fields
    change_form_template = "admin/integrations/webhookdelivery/change_form.html"

    @admin.display(description=_("payload"))
    def payload(self, delivery: WebhookDelivery) -> str:
        try:
            pretty = json.dumps(json.loads(delivery.body), indent=2, ensure_ascii=False)
        except ValueError:
            pretty = delivery.body
        return format_html("<pre>{}</pre>", pretty)

    def has_redeliver_permission(self, request: HttpRequest, obj=None) -> bool:
        return CommunityScopedAdmin.has_change_permission(self, request, obj)

    @admin.action(description=_("Send again (same webhook-id)"), permissions=["redeliver"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet) -> None:
        sent, refused = 0, []
        for delivery in queryset.select_related("endpoint"):
            try:
                services.delivery_redeliver(delivery=delivery)
                sent += 1
            except services.NotNow as reason:
                refused.append(f"{delivery}: {reason}")
        if sent:
            message = ngettext(
                "%(count)d delivery will be sent again.", "%(count)d deliveries will be sent again.", sent
            ) % {"count": sent}
            self.message_user(request, message, messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/redeliver/",
                self.admin_site.admin_view(require_POST(self.redeliver_view)),
                name="integrations_webhookdelivery_redeliver",
            ),
            *super().get_urls(),
        ]

    def redeliver_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        delivery = object_for_button(self, request, object_id, self.has_redeliver_permission)
        self.redeliver(request, self.get_queryset(request).filter(pk=delivery.pk))
        return HttpResponseRedirect(reverse("admin:integrations_webhookdelivery_change", args=[delivery.pk]))

    def render_change_form(self, request: HttpRequest, context, *args, **kwargs):
        obj = context.get("original")
        context["may_redeliver"] = obj is not None and self.has_redeliver_permission(request, obj)
        return super().render_change_form(request, context, *args, **kwargs)
