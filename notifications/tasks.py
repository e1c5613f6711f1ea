"""Notification tasks (thin: they rebuild arguments and call notifications/services.py)."""

from __future__ import annotations

import smtplib
from dataclasses import asdict

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from notifications.models import Delivery
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
