"""Webhook tasks (thin: integrations/services.py does the work).

No Celery retry here: a failed attempt is recorded on its delivery with the time of the
next one, and the sweeper queues it when due (integrations/services.py), so that waits of
hours never sit in the broker as countdowns."""

from __future__ import annotations

from celery import shared_task

from integrations.services import deliveries_queue_due, delivery_attempt


@shared_task(name="integrations.deliver")
def deliver(delivery_id: int) -> str | None:
    delivery = delivery_attempt(delivery_id=delivery_id)
    return delivery.state if delivery else None


@shared_task(name="integrations.queue_due")
def queue_due() -> int:
    return deliveries_queue_due()
