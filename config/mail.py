"""All outgoing e-mail leaves through a Celery task.

`CeleryEmailBackend` is Django's EMAIL_BACKEND: it turns each message into plain JSON and
queues `mail.send_message` once the surrounding transaction commits, so a slow or broken
SMTP server never slows a request. The task delivers with EMAIL_DELIVERY_BACKEND (SMTP in
production, the console by default) and retries with exponential backoff.

If the broker cannot be reached at all, the message is delivered in the request instead:
slower, but a sign-up's verification e-mail is never silently lost.
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
from django.db import transaction
from kombu.exceptions import OperationalError

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


def _enqueue(data: dict[str, Any]) -> None:
    try:
        send_message.delay(data)
    except OperationalError:
        logger.exception("Mail broker unreachable; delivering %r in the request", data["subject"])
        deliver([data])


class CeleryEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            data = message_to_dict(message)
            transaction.on_commit(lambda data=data: _enqueue(data))
        return len(email_messages)
