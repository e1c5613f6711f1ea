"""allauth glue: its e-mails speak in the current community's name, usernames follow
accounts.usernames, and social sign-ups become members like any other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.utils import MAX_USERNAME_SUFFIX_LENGTH
from django.http import Http404, HttpRequest

from accounts.signup import member_signup_complete
from accounts.usernames import USERNAME_MAX_LENGTH, username_validate


@dataclass(frozen=True)
class CommunitySite:
    """Stands in for django.contrib.sites' Site in allauth's e-mail templates."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        request = context.get("request") or self.request
        community = getattr(request, "community", None)
        if community is not None:
            context["community"] = community
            context["current_site"] = CommunitySite(name=community.name, domain=request.get_host())
        super().send_mail(template_prefix, email, context)

    def format_email_subject(self, subject: str) -> str:
        community = getattr(self.request, "community", None)
        return f"[{community.name}] {subject}" if community else subject

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        community = getattr(request, "community", None)
        return community is None or community.is_active

    def clean_username(self, username: str, shallow: bool = False) -> str:
        # Every path to a username goes through here: the sign-up forms (allauth's and
        # the social one) and the names allauth makes up for a social sign-up.
        return super().clean_username(username_validate(username), shallow=shallow)

    def generate_unique_username(self, txts: list[str | None], regex: str | None = None) -> str:
        # allauth appends up to 7 random characters when a name is taken: leave them room.
        room = USERNAME_MAX_LENGTH - MAX_USERNAME_SUFFIX_LENGTH
        return super().generate_unique_username([(txt or "")[:room] for txt in txts], regex)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(self, request: HttpRequest, provider: str, client_id: str | None = None):
        from allauth.socialaccount.models import SocialApp

        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            # A provider without an app in the admin is not offered; its URLs are not found.
            raise Http404 from None

    def save_user(self, request: HttpRequest, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        if form is None:  # an automatic sign-up: no SignupForm.signup() runs
            member_signup_complete(request=request, user=user, display_name=_provider_name(user))
        return user

    def get_signup_form_initial_data(self, sociallogin) -> dict[str, Any]:
        initial = super().get_signup_form_initial_data(sociallogin)
        initial["display_name"] = _provider_name(sociallogin.user)
        return initial


def _provider_name(user) -> str:
    return f"{user.first_name} {user.last_name}".strip()


def user_display(user) -> str:
    """How allauth names a member in its messages and e-mails (ACCOUNT_USER_DISPLAY)."""
    return user.public_name
