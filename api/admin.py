"""API keys in /admin/: made and revoked by the community's admins (and superusers).

A new key's secret is shown once, on the page that answers its creation, and is never
stored: only its digest is (api/keys.py)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from api.keys import api_key_issue, api_key_revoke
from api.models import ApiKey, Scope
from community.admin import ADMIN_ONLY, CommunityScopedAdmin
from community.selectors import community_url


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What the key may do; its creator's role in the community still applies."),
    )

    class Meta:
        model = ApiKey
        fields = ("community", "name", "scopes", "expires_at")


@admin.register(ApiKey)
class ApiKeyAdmin(CommunityScopedAdmin):
    form = ApiKeyForm
    viewer_roles = ADMIN_ONLY
    editor_roles = ADMIN_ONLY
    list_display = (
        "name",
        "prefix",
        "community",
        "scope_list",
        "created_by",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("community",)
    list_select_related = ("community", "created_by")
    search_fields = ("name", "prefix")
    readonly_fields = ("prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke",)

    @admin.display(description=_("scopes"))
    def scope_list(self, key: ApiKey) -> str:
        return ", ".join(key.scopes)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # The community is chosen once: a key never moves to another brand. A key being made
        # has no prefix, creator or use yet: the add form shows only what is to be chosen.
        return (*self.readonly_fields, "community") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: ApiKey, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        obj.created_by = request.user
        request._api_key_secret = api_key_issue(key=obj)

    def response_add(self, request: HttpRequest, obj: ApiKey, post_url_continue=None) -> HttpResponse:
        """The secret, once, on this page only (never in a message, a cookie or a log)."""
        secret = getattr(request, "_api_key_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": _("API key created"),
            "key": obj,
            "secret": secret,
            "api_url": community_url(obj.community, "/api/v1/"),
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "admin/api/apikey/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset) -> None:
        count = api_key_revoke(keys=queryset)
        self.message_user(
            request,
            ngettext("%(count)d key revoked.", "%(count)d keys revoked.", count) % {"count": count},
            messages.SUCCESS,
        )
