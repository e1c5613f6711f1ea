"""Notification e-mails: plain text and HTML, in the community's colours, each with its
signed one-click unsubscribe link and the `List-Unsubscribe` headers (RFC 2369, 8058).

A fan-out renders an event's e-mail once per language, with slots for the recipient's
name and unsubscribe link, and fills the slots per recipient: templates are the slow
part, and a thousand recipients of one event read the same words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts.models import User
from community.models import Community
from notifications.text import describe
from notifications.tokens import unsubscribe_token

NAME_SLOT = "RECIPIENTNAMESLOT"
UNSUBSCRIBE_SLOT = "UNSUBSCRIBEURLSLOT"


def site_url(community: Community, path: str = "") -> str:
    """An absolute address on the community's own host."""
    return f"{settings.SITE_SCHEME}://{community.domain or settings.SITE_HOST}{path}"


def language_of(user: User, community: Community) -> str:
    return user.language or community.default_language


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _render(template: str, context: dict, community: Community, language: str) -> Rendered:
    context = {
        **context,
        "community": community,
        "recipient_name": NAME_SLOT,
        "unsubscribe_url": UNSUBSCRIBE_SLOT,
        "preferences_url": site_url(community, reverse("notifications:preferences")),
        "home_url": site_url(community, "/"),
        "site": site_url(community),
    }
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    return Rendered(f"[{community.name}] {subject}", text, html)


def render_notification(*, kind: str, data: dict, url: str, community: Community, language: str) -> Rendered:
    with translation.override(language):
        wording = describe(kind, data, community.name)
    return _render(
        "notification",
        {"wording": wording, "url": site_url(community, url) if url else ""},
        community,
        language,
    )


def render_digest(*, items: Iterable, frequency: str, community: Community, language: str) -> Rendered:
    with translation.override(language):
        lines = [
            {"wording": describe(item.kind, item.data, community.name), "url": site_url(community, item.url)}
            for item in items
        ]
    return _render("digest", {"lines": lines, "frequency": frequency}, community, language)


def personalise(rendered: Rendered, user: User, topic: str, community: Community) -> EmailMultiAlternatives:
    """The message for one recipient: their name, their own unsubscribe link."""
    token = unsubscribe_token(user.pk, topic)
    unsubscribe = site_url(community, reverse("notifications:unsubscribe", args=[token]))
    name = user.public_name
    text = rendered.text.replace(NAME_SLOT, name).replace(UNSUBSCRIBE_SLOT, unsubscribe)
    html = rendered.html.replace(NAME_SLOT, escape(name)).replace(UNSUBSCRIBE_SLOT, escape(unsubscribe))
    message = EmailMultiAlternatives(
        rendered.subject,
        text,
        to=[user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(html, "text/html")
    return message
