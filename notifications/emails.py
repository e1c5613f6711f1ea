"""Notification e-mails: plain text and HTML, in the community's colours, each with its
signed one-click unsubscribe link and the `List-Unsubscribe` headers (RFC 2369, 8058).

A fan-out renders an event's e-mail once per language — templates and MIME encoding
both — with slots for the recipient's address, name, unsubscribe link and Message-ID, and
fills the slots in the encoded bytes per recipient (`MailTemplate`): a thousand
recipients of one event read the same words, and Python's e-mail package costs about a
millisecond per message, most of a fan-out's time when paid per recipient. The slots are
markers drawn for each rendering (config/slots.py): a comment quoting one cannot make
every recipient's link appear inside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from functools import cached_property

from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid, sanitize_address
from django.core.mail.utils import DNS_NAME
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

    @property
    def address_slot(self) -> str:
        return f"{self.slots['address']}@address-slot.invalid"

    @property
    def message_id_slot(self) -> str:
        return f"{self.slots['messageid']}@message-id-slot.invalid"


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


class _EncodedMessage:
    """Stands for `email.message.Message`: backends only need the bytes; anything else
    (headers, parts) is read from those bytes, parsed on first use."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self.raw if linesep == "\n" else self.raw.replace(b"\n", linesep.encode())

    def get_charset(self) -> None:
        return None

    @cached_property
    def _parsed(self) -> Message:
        return message_from_bytes(self.raw)

    def __getitem__(self, name: str):
        return self._parsed[name]

    def __getattr__(self, name: str):
        return getattr(self._parsed, name)


class PreparedMessage(EmailMultiAlternatives):
    """One recipient's copy of a shared message: `message()` returns bytes already made.
    Its `body` and `alternatives` hold the same filled texts (for backends and tests
    that read them)."""

    raw: bytes = b""

    def message(self) -> _EncodedMessage:
        return _EncodedMessage(self.raw)


class MailTemplate:
    """An event's message encoded once, then filled per recipient in the bytes.

    Filling bytes is only safe where the parts are not transfer-encoded (Django uses 8-bit
    UTF-8 unless a line is over 998 characters); otherwise each recipient's message is
    built the usual way.
    """

    def __init__(self, rendered: Rendered, topic: str, community: Community) -> None:
        self.rendered = rendered
        self.topic = topic
        self.community = community
        slots = rendered.slots
        shared = EmailMultiAlternatives(
            rendered.subject,
            rendered.text,
            to=[rendered.address_slot],
            headers={**_headers(slots["unsubscribe"]), "Message-ID": f"<{rendered.message_id_slot}>"},
        )
        shared.attach_alternative(rendered.html, "text/html")
        raw = shared.message().as_bytes(linesep="\n")
        encoded = b"quoted-printable" in raw or b"Content-Transfer-Encoding: base64" in raw
        markers = (
            rendered.address_slot,
            rendered.message_id_slot,
            slots["unsubscribe"],
            slots["name"],
            slots["htmlname"],
        )
        if encoded or not all(marker.encode() in raw for marker in markers):
            self.raw = None
        else:
            # A name or address filled in may not be ASCII: say 8bit where the template was 7bit.
            self.raw = raw.replace(b"Content-Transfer-Encoding: 7bit", b"Content-Transfer-Encoding: 8bit")

    def for_recipient(self, user: User) -> EmailMultiAlternatives:
        if self.raw is None:
            return personalise(self.rendered, user, self.topic, self.community)
        unsubscribe = _unsubscribe_url(user, self.topic, self.community)
        name = user.public_name
        text, html = _fill(self.rendered, name, unsubscribe)
        message = PreparedMessage(self.rendered.subject, text, to=[user.email], headers=_headers(unsubscribe))
        message.attach_alternative(html, "text/html")
        rendered, slots = self.rendered, self.rendered.slots
        values = {
            rendered.address_slot: sanitize_address(user.email, "utf-8"),
            rendered.message_id_slot: make_msgid(domain=DNS_NAME)[1:-1],
            slots["unsubscribe"]: unsubscribe,
            slots["htmlname"]: escape(name),
            slots["name"]: name,
        }
        message.raw = fill(self.raw, {marker.encode(): value.encode() for marker, value in values.items()})
        return message
