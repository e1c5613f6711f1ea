from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from accounts.models import PointEvent, User
from accounts.usernames import username_validate
from community.admin import CommunityScopedAdmin


class UserCreationAdminForm(AdminUserCreationForm):
    def clean_username(self):
        # The operator may use reserved names (an official "support" account), nothing else.
        self.cleaned_data["username"] = username_validate(self.cleaned_data["username"], allow_reserved=True)
        return super().clean_username()


class UserChangeAdminForm(UserChangeForm):
    def clean_username(self):
        username = self.cleaned_data["username"]
        if "username" not in self.changed_data:  # a name given before these rules, or "former-<n>"
            return username
        return username_validate(username, allow_reserved=True)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Profile"), {"fields": ("display_name", "language")}),
    )
    list_display = ("username", "email", "display_name", "language", "is_staff", "date_joined")
    search_fields = ("username", "email", "display_name")

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(PointEvent)
class PointEventAdmin(CommunityScopedAdmin):
    """The ledger, read-only: staff see why a member has their points, in their communities.
    Points are corrected by a new event or `manage.py reputation_recompute`, never by hand."""

    list_display = ("created_at", "user", "community", "kind", "points", "key")
    list_filter = ("kind", ("community", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "key")
    list_select_related = ("user", "community")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    """Members' second factors, for the operator only: deleting one lets a member who lost
    their phone or key enrol again (staff are then asked to, accounts.mfa). Secrets stay
    out of sight."""

    # allauth's fields have no translated names: these columns do.
    list_display = ("member", "type", "added", "last_used")
    list_filter = ("type",)
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    fields = ("member", "type", "added", "last_used")
    readonly_fields = fields

    @admin.display(description=_("user"), ordering="user__username")
    def member(self, obj: Authenticator):
        return obj.user

    @admin.display(description=_("added"), ordering="created_at")
    def added(self, obj: Authenticator):
        return obj.created_at

    @admin.display(description=_("last used"), ordering="last_used_at")
    def last_used(self, obj: Authenticator):
        return obj.last_used_at

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
