"""The outbox's own work: the relay and the clean-up (beat, config/settings.py)."""

from __future__ import annotations

from celery import shared_task

from outbox import services


@shared_task(name="outbox.relay")
def relay() -> int:
    return services.relay()


@shared_task(name="outbox.purge")
def purge() -> int:
    return services.purge_done()
