"""Notification tasks (thin: they rebuild arguments and call notifications/services.py)."""

from __future__ import annotations

import smtplib
from dataclasses import asdict

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from ideas.responses import publish_if_due, responses_due
from notifications.models import Delivery
from notifications.responses import announce_response, awaiting_reminders_send
from notifications.services import Announcement, deliver, digests_send

# SMTP trouble is worth retrying, and so is running out of time on a huge audience: the
# database's claims make the retry resume with what has not gone yet.
RETRY = {
    "autoretry_for": (smtplib.SMTPException, OSError, SoftTimeLimitExceeded),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
}


@shared_task(name="notifications.deliver", max_retries=8, **RETRY)
def deliver_task(payload: dict) -> dict:
    return asdict(deliver(Announcement.from_payload(payload)))


@shared_task(name="notifications.daily_digest", max_retries=5, **RETRY)
def daily_digest() -> int:
    return digests_send(Delivery.DAILY)


@shared_task(name="notifications.weekly_digest", max_retries=5, **RETRY)
def weekly_digest() -> int:
    return digests_send(Delivery.WEEKLY)


# --- The brand's responses (published by ideas.responses, announced here) ----------------


@shared_task(name="notifications.publish_response", max_retries=8, **RETRY)
def publish_response(response_id: int) -> dict:
    """Publish a due response, then tell its followers; each half happens once."""
    published = publish_if_due(response_id)
    report = announce_response(response_id)
    return {"published": published, "notified": report.notified if report else 0}


@shared_task(name="notifications.publish_due")
def publish_due() -> int:
    """Every minute: scheduled responses that are due, and published ones not yet
    announced (a lost task). A late beat still publishes each once."""
    due = responses_due()
    for response_id in due:
        publish_response.delay(response_id)
    return len(due)


@shared_task(name="notifications.awaiting_reminder", max_retries=5, **RETRY)
def awaiting_reminder() -> int:
    return awaiting_reminders_send()
