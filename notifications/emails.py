"""Notification e-mails: plain text and HTML, in the community's colours, each with its
signed one-click unsubscribe link and the `List-Unsubscribe` headers (RFC 2369, 8058).

A fan-out renders an event's e-mail once per language, with slots for the recipient's name
and unsubscribe link filled per recipient (`personalise`): a thousand recipients of one
event read the same words. Each message is then one outbox job (config/mail.py), encoded by
the worker that sends it. The slots are markers drawn for each rendering (config/slots.py):
a comment quoting one cannot make every recipient's link appear inside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts.models import User
from community.models import Community
from community.selectors import community_url
from config.slots import Slots, fill
from notifications.text import describe
from notifications.tokens import unsubscribe_token

ONE_CLICK = "List-Unsubscribe=One-Click"


def language_of(user: User, community: Community) -> str:
    return user.language or community.default_language


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    slots: Slots = field(default_factory=Slots)


def _render(template: str, context: dict, community: Community, language: str) -> Rendered:
    slots = Slots()
    context = {
        **context,
        "community": community,
        "LANGUAGE_CODE": language,
        "unsubscribe_url": slots["unsubscribe"],
        "preferences_url": community_url(community, reverse("notifications:preferences")),
        "home_url": community_url(community, "/"),
        "site": community_url(community),
    }
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", {**context, "recipient_name": slots["name"]})
        html = render_to_string(f"emails/{template}.html", {**context, "recipient_name": slots["htmlname"]})
    return Rendered(f"[{community.name}] {subject}", text, html, slots)


def render_notification(*, kind: str, data: dict, url: str, community: Community, language: str) -> Rendered:
    with translation.override(language):
        wording = describe(kind, data, community.name)
    return _render(
        "notification",
        {"wording": wording, "url": community_url(community, url) if url else ""},
        community,
        language,
    )


def render_digest(*, items: Iterable, frequency: str, community: Community, language: str) -> Rendered:
    with translation.override(language):
        lines = [
            {"wording": describe(item.kind, item.data, community.name), "url": community_url(community, item.url)}
            for item in items
        ]
    return _render("digest", {"lines": lines, "frequency": frequency}, community, language)


def _unsubscribe_url(user: User, topic: str, community: Community) -> str:
    return community_url(community, reverse("notifications:unsubscribe", args=[unsubscribe_token(user.pk, topic)]))


def _fill(rendered: Rendered, name: str, unsubscribe: str) -> tuple[str, str]:
    slots = rendered.slots
    text = fill(rendered.text, {slots["name"]: name, slots["unsubscribe"]: unsubscribe})
    html = fill(rendered.html, {slots["htmlname"]: escape(name), slots["unsubscribe"]: escape(unsubscribe)})
    return text, html


def _headers(unsubscribe: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": ONE_CLICK}


def personalise(rendered: Rendered, user: User, topic: str, community: Community) -> EmailMultiAlternatives:
    """The message for one recipient: their name, their own unsubscribe link."""
    unsubscribe = _unsubscribe_url(user, topic, community)
    text, html = _fill(rendered, user.public_name, unsubscribe)
    message = EmailMultiAlternatives(rendered.subject, text, to=[user.email], headers=_headers(unsubscribe))
    message.attach_alternative(html, "text/html")
    return message
