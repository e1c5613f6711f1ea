"""Moderation tasks (thin: they load ids and call community/moderation/services.py)."""

from __future__ import annotations

from celery import shared_task

from community.moderation.services import moderation_check, moderation_sweep


@shared_task(name="moderation.check_item", autoretry_for=(ConnectionError,), retry_backoff=2, max_retries=5)
def check_item(item_id: int) -> str | None:
    return moderation_check(item_id)


@shared_task(name="moderation.sweep")
def sweep() -> int:
    return moderation_sweep()
