"""Admin for communities, scoped by role.

A staff user sees the objects of the communities where they are moderator, brand manager
or community admin, and edits branding, roles, categories and statuses only where they
are community admin (PRODUCT.md §1). Superusers see and edit everything.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import PointValue, User
from community.cache import community_cache_clear
from community.models import STAFF_ROLES, Category, Community, Membership, Role, Status
from community.selectors import communities_with_role
from community.services import statuses_create_defaults

ADMIN_ONLY = (Role.ADMIN,)


class ForgivingChangeList(ChangeList):
    """A changelist whose date drill-down survives hostile values ("?created_at__year=9999"
    overflows the date arithmetic outside Django's own guard): the admin redirects with
    "?e=1", as for any other bad filter value."""

    def get_filters(self, request: HttpRequest):
        try:
            return super().get_filters(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class CommunityScopedAdmin(admin.ModelAdmin):
    """Rows belong to a community through `community_field` ("" for Community itself).

    Staff with any staff role there see them; `editor_roles` may change them.
    """

    community_field = "community"
    viewer_roles: tuple[str, ...] = STAFF_ROLES
    editor_roles: tuple[str, ...] = ADMIN_ONLY
    # Paths to a member's e-mail address ("user__email"). Never in `search_fields`: a
    # moderator or brand manager must not learn addresses by searching for pieces of them.
    # A community admin finds a member by their whole address, in the communities they
    # run (support: "I never got the e-mail"); a superuser, in every community.
    email_search_fields: tuple[str, ...] = ()

    def _community_of(self, obj) -> Community:
        # Follows a lookup path such as "idea__community" the way the queryset filter does.
        for name in self.community_field.split("__") if self.community_field else ():
            obj = getattr(obj, name)
        return obj

    def get_changelist(self, request: HttpRequest, **kwargs):
        return ForgivingChangeList

    def _ids(self, request: HttpRequest, roles=None) -> set[int]:
        return set(communities_with_role(request.user, roles or self.viewer_roles).values_list("pk", flat=True))

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        lookup = "pk__in" if not self.community_field else f"{self.community_field}__in"
        return qs.filter(**{lookup: self._ids(request)})

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        address = search_term.strip()
        if not self.email_search_fields or "@" not in address:
            return found, may_have_duplicates
        if request.user.is_superuser:
            scope = Q()
        else:
            run = self._ids(request, ADMIN_ONLY)
            if not run:
                return found, may_have_duplicates
            scope = Q(**{"pk__in" if not self.community_field else f"{self.community_field}__in": run})
        by_address = Q()
        for field in self.email_search_fields:
            by_address |= Q(**{f"{field}__iexact": address})
        return found | queryset.filter(scope, by_address), may_have_duplicates

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or bool(self._ids(request))

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        ids = self._ids(request)
        return bool(ids) if obj is None else self._community_of(obj).pk in ids

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        ids = self._ids(request, self.editor_roles)
        return bool(ids) if obj is None else self._community_of(obj).pk in ids

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or bool(self._ids(request, self.editor_roles))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_change_permission(request, obj)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        # Staff who run one community add its rows (synonyms, webhooks, API keys…): the
        # community is chosen for them.
        initial = super().get_changeform_initial_data(request)
        if self.community_field == "community" and "community" not in initial:
            mine = communities_with_role(request.user, self.editor_roles).values_list("pk", flat=True)[:2]
            if len(mine) == 1:
                initial["community"] = mine[0]
        return initial

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "community" and not request.user.is_superuser:
            kwargs["queryset"] = communities_with_role(request.user, self.editor_roles)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        community_cache_clear()  # host lookups and cached vocabularies

    def delete_model(self, request: HttpRequest, obj) -> None:
        super().delete_model(request, obj)
        community_cache_clear()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        super().delete_queryset(request, queryset)
        community_cache_clear()

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name.endswith("color"):
            kwargs["widget"] = forms.TextInput(attrs={"type": "color"})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class PointValueInline(admin.TabularInline):
    """A community's own points per event (PRODUCT.md §7); its admins change them, its other
    staff see them."""

    model = PointValue
    extra = 0
    max_num = len(PointValue._meta.get_field("kind").choices)

    def _holds(self, request: HttpRequest, community: Community | None, roles: tuple[str, ...]) -> bool:
        if request.user.is_superuser:
            return True
        return community is not None and communities_with_role(request.user, roles).filter(pk=community.pk).exists()

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._holds(request, obj, STAFF_ROLES)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._holds(request, obj, ADMIN_ONLY)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._holds(request, obj, ADMIN_ONLY)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._holds(request, obj, ADMIN_ONLY)


@admin.register(Community)
class CommunityAdmin(CommunityScopedAdmin):
    community_field = ""
    inlines = (PointValueInline,)
    list_display = ("name", "domain", "default_language", "moderation_mode", "is_default", "is_active")
    list_filter = ("is_active", "default_language", "moderation_mode")
    search_fields = ("name", "slug", "domain")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = (
        (None, {"fields": ("name", "slug", "domain", "is_default", "is_active", "default_language")}),
        (_("Branding"), {"fields": ("tagline", "welcome_text", "logo", "favicon", "primary_color", "accent_color")}),
        (
            _("Rules"),
            {
                "fields": (
                    "moderation_mode",
                    "downvotes_allowed",
                    "response_vote_threshold",
                    "response_age_days",
                    "response_needs_approval",
                )
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # Which host serves a brand, and which brand is the fallback, is the operator's call.
        return () if request.user.is_superuser else ("slug", "domain", "is_default", "is_active")

    def get_prepopulated_fields(self, request: HttpRequest, obj=None):
        return self.prepopulated_fields if request.user.is_superuser else {}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def save_model(self, request: HttpRequest, obj: Community, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            statuses_create_defaults(community=obj)
            community_cache_clear()


class MembershipForm(forms.ModelForm):
    # Typed by username: staff who are not superusers cannot browse the user list.
    user = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True),
        to_field_name="username",
        widget=forms.TextInput,
        label=_("Username"),
        error_messages={"invalid_choice": _("No active member has this username.")},
    )

    class Meta:
        model = Membership
        fields = ("community", "user", "role")


@admin.register(Membership)
class MembershipAdmin(CommunityScopedAdmin):
    form = MembershipForm
    list_display = ("user", "community", "role", "created_at")
    list_filter = ("role", ("community", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "user__display_name")
    email_search_fields = ("user__email",)
    list_select_related = ("user", "community")


class VocabularyAdmin(CommunityScopedAdmin):
    list_display = ("name_fr", "name_en", "slug", "community", "order")
    list_filter = (("community", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name_fr", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_en",)}
    list_select_related = ("community",)


@admin.register(Category)
class CategoryAdmin(VocabularyAdmin):
    pass


@admin.register(Status)
class StatusAdmin(VocabularyAdmin):
    list_display = (*VocabularyAdmin.list_display, "is_closed", "on_roadmap")
    list_filter = (*VocabularyAdmin.list_filter, "is_closed", "on_roadmap")


admin.site.index_template = "admin/cluetrain_index.html"
