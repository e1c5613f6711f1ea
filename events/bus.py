"""Publishing and subscribing: how a fact gets from the service that records it to those who
care, without the one importing the others.

A service calls `publish()` inside the transaction of its change. Each subscriber is called
at one of two moments:

- `RECORD`: at once, inside that transaction. For listeners that *record* work (points, the
  inbox's delivery job, a webhook's deliveries, a moderation check): what they write commits
  or rolls back with the change, so the work exists exactly when the fact does, and nothing
  of it leaves the site before the commit (the outbox hands jobs to Celery after it).
- `COMMIT`: once the transaction has committed (at once outside one). For listeners that
  act on the process's own state or tell another process (cache versions): a rolled back
  change is never announced.

Subscribers are registered by their own app (`AppConfig.ready()`); the publisher never
imports them. Inside `muted()` (the demo seed, imports of history) nothing is announced to
members: subscribers that tell people look at `is_muted()`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.db import transaction

if TYPE_CHECKING:
    from events.catalogue import Event

logger = logging.getLogger(__name__)

RECORD = "record"
COMMIT = "commit"
ALL = "*"

Handler = Callable[["Event"], None]

_subscribers: dict[tuple[str, str], list[Handler]] = defaultdict(list)
_batched: set[Handler] = set()
_muted: ContextVar[bool] = ContextVar("events_muted", default=False)


def subscribe(*types: str, when: str = RECORD, many: bool = False) -> Callable[[Handler], Handler]:
    """Register the decorated function for these event types (`ALL` for every one).

    With `many`, the handler takes a list of events: the events of one `publish_many` in one
    call (a single event as a list of one), so that it can write them in a few statements."""
    from events.catalogue import CATALOGUE

    if when not in (RECORD, COMMIT):
        raise ValueError(f"unknown moment {when!r}")
    for name in types:
        if name != ALL and name not in CATALOGUE:
            raise ValueError(f"unknown event type {name!r}")

    def register(handler: Handler) -> Handler:
        if many:
            _batched.add(handler)
        for name in types:
            if handler not in _subscribers[(name, when)]:
                _subscribers[(name, when)].append(handler)
        return handler

    return register


def subscribers(event_type: str, when: str) -> list[Handler]:
    return [*_subscribers[(event_type, when)], *_subscribers[(ALL, when)]]


def dispatch(event: Event) -> None:
    """Call the event's subscribers: recording ones now, the others after the commit."""
    dispatch_many([event])


def dispatch_many(batch: list[Event]) -> None:
    """Events of one type: each subscriber hears them in turn, or all at once (`many`)."""
    event_type = batch[0].type
    for handler in subscribers(event_type, RECORD):
        _call(handler, batch)
    after = subscribers(event_type, COMMIT)
    if after:
        transaction.on_commit(lambda: _after_commit(batch, after))


def _call(handler: Handler, batch: list[Event]) -> None:
    if handler in _batched:
        handler(batch)  # type: ignore[arg-type]
        return
    for event in batch:
        handler(event)


def _after_commit(batch: list[Event], handlers: list[Handler]) -> None:
    # The change is committed: one listener failing must neither stop the others nor turn
    # the member's request into an error.
    for handler in handlers:
        try:
            _call(handler, batch)
        except Exception:
            logger.exception("subscriber %s failed on %s", getattr(handler, "__qualname__", handler), batch[0].type)


@contextmanager
def muted() -> Iterator[None]:
    """Tell members nothing of what happens inside the block (seeding demo data, imports)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def is_muted() -> bool:
    """Inside `muted()`: work queued for later (a badge check) carries this along, so that
    it stays silent when it runs after the block, or in a worker."""
    return _muted.get()


def unsubscribe(handler: Handler) -> None:
    """Forget a handler everywhere (tests listening for a while)."""
    for handlers in _subscribers.values():
        if handler in handlers:
            handlers.remove(handler)
    _batched.discard(handler)
