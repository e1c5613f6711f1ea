"""allauth glue: its e-mails speak in the current community's name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


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


def user_display(user) -> str:
    """How allauth names a member in its messages and e-mails (ACCOUNT_USER_DISPLAY)."""
    return user.public_name
