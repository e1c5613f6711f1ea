"""Moderation tasks (thin: they load ids and call community/moderation/services.py)."""

from __future__ import annotations

from celery import shared_task
from django.db import connection

from community.moderation.services import moderation_check_batch, moderation_sweep


class RecentIds:
    """The last `size` ids added, for membership tests (oldest forgotten first)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._ids: dict[int, None] = {}  # a dict keeps its insertion order

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._ids

    def add_all(self, item_ids: tuple[int, ...]) -> None:
        for item_id in item_ids:
            self._ids[item_id] = None
        while len(self._ids) > self.size:
            del self._ids[next(iter(self._ids))]


# Items this worker process settled in batches it committed. A check decides its own item
# and other pending ones, whose own messages follow: those end here without a query (a
# settled item is never pending again; an item settled by another process costs one query).
settled_here = RecentIds(50_000)


@shared_task(bind=True, name="moderation.check_item", autoretry_for=(ConnectionError,), retry_backoff=2, max_retries=5)
def check_item(self, item_id: int, quiet: bool = False) -> str | None:
    # Only in a worker: an eager or direct call may sit in a transaction that is rolled back.
    in_worker = not (self.request.is_eager or self.request.called_directly or connection.in_atomic_block)
    if in_worker and item_id in settled_here:
        return None
    result = moderation_check_batch(item_id, quiet=quiet)
    if in_worker:
        settled_here.add_all(result.settled)
    return result.outcome


@shared_task(name="moderation.sweep")
def sweep() -> int:
    return moderation_sweep()
