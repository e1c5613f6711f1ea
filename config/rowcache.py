"""Reads that every signed-in request makes (the member and their roles, their unread
count, their session), kept in the shared cache; and the switch that sends them to the
database alone while the cache cannot answer.

A cached read is valid under a *write marker*: a random token stored in the cache, which
each write to the rows behind it replaces (`markers_changed`). A value is stored with the
marker it was read under, and served only while that marker is still current, so a value
read before a write and stored after it is never served (its marker is out of date), and
the order in which concurrent readers store their values does not matter. A missing
marker (evicted, Redis restarted empty) is created with SET NX before the database is
read: every value stored under an older one is out of date. Values live ROW_SECONDS.

One marker can cover many values (a member's unread counts, one per community): replacing
it invalidates them all in one round trip, however many members a write concerns.

Outages (docs/reliability.md, "Redis outages"): the first failure is logged, and for
OUTAGE_SECONDS this process then reads the database without asking the cache, so that an
outage costs one timeout per process rather than one per request. A write's marker change
or delete that could not reach the cache is kept, and done as soon as the cache answers
again, before anything is read from it; another process may meanwhile read a value stored
before the outage for at most ROW_SECONDS.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple, TypeVar

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)
T = TypeVar("T")

ROW_SECONDS = 300
# Longer than any value it validates; a marker evicted early only costs a database read.
MARKER_SECONDS = 24 * 3600
OUTAGE_SECONDS = 5
# Writes remembered during an outage, at most; beyond, ROW_SECONDS bounds what is stale.
MAX_PENDING = 10_000

FAILED = object()
MISSING = object()
_changes = 0  # markers this process replaced (ReadAhead)

_down_until = 0.0
_outage_logged = False
_pending_markers: set[str] = set()
_pending_deletes: set[str] = set()


def local_forget() -> None:
    """Forget this process's outage and the writes it kept (between tests)."""
    global _down_until, _outage_logged
    _down_until = 0.0
    _outage_logged = False
    _pending_markers.clear()
    _pending_deletes.clear()


def attempt(operation: Callable[[], T]) -> T | object:
    """`operation()` on the cache, or `FAILED` if the cache cannot answer (or did not a
    moment ago: see the module's docstring)."""
    global _down_until, _outage_logged
    if time.monotonic() < _down_until:
        return FAILED
    try:
        if _pending_markers or _pending_deletes:
            _catch_up()
        result = operation()
    except Exception:
        _down_until = time.monotonic() + OUTAGE_SECONDS
        if not _outage_logged:
            _outage_logged = True
            logger.warning("Cache unavailable: signed-in reads go to the database", exc_info=True)
        return FAILED
    if _outage_logged:
        _outage_logged = False
        logger.warning("Cache available again")
    return result


def _catch_up() -> None:
    """The writes that could not reach the cache during an outage, done now."""
    if _pending_deletes:
        keys = list(_pending_deletes)
        cache.delete_many(keys)
        _pending_deletes.difference_update(keys)
    if _pending_markers:
        keys = list(_pending_markers)
        cache.set_many({key: _token() for key in keys}, timeout=MARKER_SECONDS)
        _pending_markers.difference_update(keys)


def _keep(pending: set[str], keys: Iterable[str]) -> None:
    for key in keys:
        if len(pending) >= MAX_PENDING:
            return
        pending.add(key)


def delete(key: str) -> None:
    """Delete `key` from the cache, or as soon as the cache answers again."""
    if attempt(lambda: cache.delete(key)) is FAILED:
        _keep(_pending_deletes, [key])


def _token() -> str:
    return secrets.token_hex(8)


def _marker_key(marker: str) -> str:
    return f"row-marker:{marker}"


class Row(NamedTuple):
    """A cached read: what `load()` reads, kept under `key` while `marker` is current
    (without `load`, only what the cache holds: MISSING if nothing)."""

    key: str
    load: Callable[[], object] | None
    marker: str


def cached_row(key: str, load: Callable[[], T], *, marker: str) -> T:
    """What `load()` reads from the database, kept under `key` for ROW_SECONDS and served
    while `marker` has not changed (`markers_changed`). With the cache down, `load()`."""
    return cached_rows([Row(key, load, marker)])[0]


def cached_rows(rows: Sequence[Row]) -> list:
    """`cached_row` for each of `rows`, read from the cache in one round trip (when their
    markers exist)."""
    keys = [(_marker_key(row.marker), f"row:{row.key}") for row in rows]
    found = attempt(lambda: _read(keys))
    if found is FAILED:
        return [row.load() if row.load is not None else MISSING for row in rows]
    values, fresh = [], {}
    for row, (_marker, value_key), (current, value) in zip(rows, keys, found, strict=True):
        if value is MISSING and row.load is not None:
            value = row.load()
            if current is not None:
                fresh[value_key] = (current, value)
        values.append(value)
    if fresh:
        attempt(lambda: cache.set_many(fresh, timeout=ROW_SECONDS))
    return values


def _read(keys: list[tuple[str, str]]) -> list[tuple[str | None, object]]:
    """For each (marker key, value key): the current marker and the value stored under it,
    or MISSING. One round trip when the markers exist."""
    found = cache.get_many([key for pair in keys for key in pair])
    read = []
    for marker_key, value_key in keys:
        current = found.get(marker_key)
        if current is None:
            cache.add(marker_key, _token(), timeout=MARKER_SECONDS)  # SET NX: one reader's wins
            read.append((cache.get(marker_key), MISSING))
            continue
        stored = found.get(value_key)
        read.append((current, stored[1] if stored is not None and stored[0] == current else MISSING))
    return read


def changes() -> int:
    """How many times this process changed markers so far (ReadAhead)."""
    return _changes


class ReadAhead:
    """Values of `cached_rows` read early (with the member, accounts.member_cache) for a
    later reader of the same request; given only while this process has changed no marker
    since, else that reader reads afresh."""

    def __init__(self, values: dict[str, object], since: int) -> None:
        self.values = values
        self.changes = since  # `changes()` before they were read

    def get(self, key: str) -> object:
        """The value read for `key`, or MISSING."""
        if self.changes != _changes:
            return MISSING
        return self.values.get(key, MISSING)


def markers_changed(markers: Iterable[str]) -> None:
    """The rows behind these markers changed: what was cached under them is not served
    again. Done now, so that the rest of this transaction reads afresh, and again once it
    commits: a value read meanwhile from the state before the commit is dropped too."""
    global _changes
    keys = [_marker_key(marker) for marker in markers]
    if not keys:
        return
    _changes += 1
    _replace(keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _replace(keys))


def _replace(keys: list[str]) -> None:
    if attempt(lambda: cache.set_many({key: _token() for key in keys}, timeout=MARKER_SECONDS)) is FAILED:
        _keep(_pending_markers, keys)
