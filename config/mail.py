"""All outgoing e-mail leaves through a Celery task, recorded in the outbox.

`CeleryEmailBackend` is Django's EMAIL_BACKEND: it gives each message a stable Message-ID,
turns it into plain JSON and records one outbox job per message in the current transaction
(outbox/services.py), handed to `mail.send_message` once it commits, so a slow or broken
SMTP server never slows a request and a message exists exactly when the change that caused
it does. The job's state is the message's: waiting (queued) → running (sending, held by one
worker for its lease) → done (sent). A message is sent again only when no run finished it
within its lease (a worker killed during the SMTP conversation): at least once, with the
duplicate window as short as that conversation, and the same Message-ID both times.

The task delivers with EMAIL_DELIVERY_BACKEND (SMTP in production, the console by default)
and retries with exponential backoff. If the broker cannot be reached when the transaction
commits, the message is delivered in the request instead: slower, but a sign-up's
verification e-mail does not wait for Redis to come back.
"""

from __future__ import annotations

import base64
import logging
import smtplib
from collections.abc import Sequence
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import make_msgid
from django.core.mail.utils import DNS_NAME

from outbox import services as outbox

logger = logging.getLogger(__name__)


def message_to_dict(message: EmailMessage) -> dict[str, Any]:
    """A JSON-safe description of a message, enough to rebuild it in a worker."""
    attachments = []
    for attachment in message.attachments:
        filename, content, mimetype = attachment
        if isinstance(content, str):
            content = content.encode()
        attachments.append([filename, base64.b64encode(content).decode("ascii"), mimetype])
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [[str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])],
        "attachments": attachments,
    }


def message_from_dict(data: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    for filename, content, mimetype in data["attachments"]:
        message.attach(filename, base64.b64decode(content), mimetype)
    return message


def deliver(messages: Sequence[dict[str, Any]]) -> int:
    """Send messages now, over one connection of the delivery backend."""
    connection = get_connection(backend=settings.EMAIL_DELIVERY_BACKEND, fail_silently=False)
    return connection.send_messages([message_from_dict(data) for data in messages]) or 0


@shared_task(
    name="mail.send_message",
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def send_message(message: dict[str, Any]) -> int:
    return deliver([message])


class CeleryEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        messages = [message_to_dict(message) for message in email_messages]
        for data in messages:
            if not any(name.lower() == "message-id" for name in data["headers"]):
                data["headers"]["Message-ID"] = make_msgid(domain=DNS_NAME)
        if len(messages) == 1:
            outbox.enqueue("mail.send_message", messages[0], inline_if_broker_down=True)
        elif messages:
            outbox.enqueue_many("mail.send_message", [[data] for data in messages])
        return len(messages)
