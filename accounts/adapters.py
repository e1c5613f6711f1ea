"""allauth glue: its e-mails speak in the current community's name, usernames follow
accounts.usernames, and social sign-ups become members like any other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.utils import MAX_USERNAME_SUFFIX_LENGTH
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from accounts.mfa import SECOND_FACTORS, mfa_required_for
from accounts.signup import member_signup_complete
from accounts.usernames import USERNAME_MAX_LENGTH, username_validate
from config.client_ip import client_ip


@dataclass(frozen=True)
class CommunitySite:
    """Stands in for django.contrib.sites' Site in allauth's e-mail templates."""

    name: str
    domain: str


# The links allauth puts in its e-mails, built from the request's host (confirmation,
# password reset, "no such account"): moved to the community's own site.
_LINKS_IN_CONTEXT = ("activate_url", "password_reset_url", "signup_url")


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        # Rate limits ("10/m/ip") key on the client behind our proxies, read as everywhere else.
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        request = context.get("request") or self.request
        community = getattr(request, "community", None)
        for key in _LINKS_IN_CONTEXT:
            if context.get(key):
                context[key] = _on_community_site(community, context[key])
        if community is not None:
            context["community"] = community
            host = urlsplit(community.absolute_url()).netloc
            context["current_site"] = CommunitySite(name=community.name, domain=host)
        super().send_mail(template_prefix, email, context)

    def post_login(self, request: HttpRequest, user, *, signup: bool, **kwargs: Any):
        # Signing in at the end of a sign-up (on confirming the address): a welcome rather
        # than allauth's "signed in as".
        self._welcome = signup
        return super().post_login(request, user, signup=signup, **kwargs)

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict[str, Any] | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        if getattr(self, "_welcome", False) and message_template == "account/messages/logged_in.txt":
            community = getattr(request, "community", None)
            names = {"name": request.user.public_name, "community": community.name if community else "Cluetrain"}
            message_template = None
            message = _("Welcome to %(community)s, %(name)s! You can now post ideas, vote and comment.") % names
        super().add_message(request, level, message_template, message_context, extra_tags, message)

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


def _on_community_site(community, url: str) -> str:
    """The same path and query on the community's own site (the request's own host when
    there is no community, as outside a request)."""
    if community is None:
        return url
    parts = urlsplit(url)
    return community.absolute_url(parts.path + (f"?{parts.query}" if parts.query else ""))


def _provider_name(user) -> str:
    return f"{user.first_name} {user.last_name}".strip()


def user_display(user) -> str:
    """How allauth names a member in its messages and e-mails (ACCOUNT_USER_DISPLAY)."""
    return user.public_name


class MFAAdapter(DefaultMFAAdapter):
    """Authenticator apps and security keys name the community, not the Site row; staff
    keep their last second factor (accounts.mfa)."""

    def _community_name(self) -> str:
        community = getattr(context.request, "community", None)
        return community.name if community is not None else settings.MFA_TOTP_ISSUER

    def get_totp_issuer(self) -> str:
        return self._community_name()

    def get_public_key_credential_rp_entity(self) -> dict[str, str]:
        return {**super().get_public_key_credential_rp_entity(), "name": self._community_name()}

    def build_totp_svg(self, url: str) -> str:
        # Inlined in the page (templates/mfa/totp/activate_form.html): no XML declaration.
        svg = super().build_totp_svg(url)
        return svg[svg.index("<svg") :]

    def can_delete_authenticator(self, authenticator) -> bool:
        if authenticator.type not in SECOND_FACTORS or not mfa_required_for(authenticator.user):
            return True
        others = Authenticator.objects.filter(user_id=authenticator.user_id, type__in=SECOND_FACTORS)
        return others.exclude(pk=authenticator.pk).exists()
