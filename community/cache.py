"""Community-wide cached reads, with each process's own copy in front of the shared cache.

Every request needs its host's community, most pages the community's statuses and
categories: small rows that change a few times a year. A read from the shared cache (Redis)
costs a round trip and the client's overhead, 0.3 to 0.7 ms, several times per page. Each
process therefore keeps its own copy, keyed by the community cache version, and asks Redis
for that version at most once per `LOCAL_CACHE_SECONDS`. A change is seen at once by the
process that made it and within that delay by every other process.

The same holds for each community's *content version*, which the services bump after any
change a visitor could see (an idea, a comment, a vote, a status, a response): shared pages
are cached under it, so that a change is never served stale for longer than that delay.

Values are kept pickled and unpickled per use: each request gets its own instances, and
nothing one request caches on a model instance leaks into another.

A version missing from Redis (Redis restarted empty, the key evicted) starts again from the
clock, in microseconds since the epoch, never from 1: a version only moves by one at each
change, far slower than the clock, so no version given out before reaches one started
later, and no process serves a copy it kept under a number from before the restart. A
change that cannot reach Redis (an outage) is bumped again by its process once Redis
answers. (A Redis restored from a snapshot or its append-only file gives older numbers
back: docs/reliability.md, "Redis outages".)

Freshness is kept per idea, not per community (docs/architecture.md, "Freshness"): a vote,
comment or follow changes one idea's page and the counters on the listings that show it.
So pages and reads about one idea are keyed by that idea's version as well
(`idea_cached`), bumped by `idea_changed`; listings (`listing_cached`) by a *listing
version* that follows the community's counter changes at most LISTING_COUNTS_SECONDS late:
a listing's vote and comment counts and its "top" order may be that old, never more, and
never for the member who acted (`acted_recently`: their own listings are read afresh for
that long). Everything else (an idea posted, approved, hidden, edited, merged, answered, a
status changed, a name changed) still calls `content_changed`, which re-keys every page.
"""

from __future__ import annotations

import logging
import math
import pickle
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from config.fill_once import READ_AGAIN, fill_once

logger = logging.getLogger(__name__)
T = TypeVar("T")

CACHE_VERSION_KEY = "community:version"
CONTENT_VERSION_KEY = "community:{}:content-version"
IDEA_VERSION_KEY = "community:{}:idea:{}:version"
# Bumped with the idea's version when its comments change, not at a vote or a follow.
THREAD_VERSION_KEY = "community:{}:idea:{}:thread"
# What listings hold (an idea posted, approved, held, hidden), where no other idea's page changes.
LISTED_VERSION_KEY = "community:{}:listed"
# Counted at each vote, comment or follow; the listing version is a copy of it taken at
# most once per LISTING_COUNTS_SECONDS (see `listing_version`).
ACTIVITY_KEY = "community:{}:activity"
LISTING_VERSION_KEY = "community:{}:listing-version"
ACTED_KEY = "community:{}:acted:{}"
MAX_LOCAL_ENTRIES = 512
_MISSING = object()

# {key: (read at, value)} for version numbers; {versioned key: pickled value} for the rest.
_versions: dict[str, tuple[float, int]] = {}
_entries: dict[str, bytes] = {}
# Version keys whose bump could not reach Redis: bumped again on their next read.
_unsaved: set[str] = set()


def local_forget() -> None:
    """Drop this process's copies (after a change here, and between tests)."""
    _versions.clear()
    _entries.clear()
    _unsaved.clear()


def _first_version() -> int:
    """Where a missing version starts: above every number given out before (see the
    module's docstring). Microseconds rather than milliseconds leave room for the clocks
    of two servers to differ."""
    return time.time_ns() // 1_000


def _version(key: str) -> int:
    """A version number from the shared cache, re-read at most once per LOCAL_CACHE_SECONDS."""
    now = time.monotonic()
    known = _versions.get(key)
    if known is not None and now - known[0] < settings.LOCAL_CACHE_SECONDS:
        return known[1]
    if key in _unsaved:
        _bump(key)
    version = cache.get_or_set(key, _first_version, timeout=None)  # SET NX: one start wins
    _versions[key] = (now, version)
    return version


def _bump(key: str) -> None:
    try:
        try:
            cache.incr(key)
        except ValueError:  # gone from the cache: start again, then count this change
            cache.add(key, _first_version(), timeout=None)
            cache.incr(key)
        _unsaved.discard(key)
    except Exception:  # a cache outage must not fail the write: bumped once Redis is back
        logger.warning("Could not bump %s", key, exc_info=True)
        _unsaved.add(key)
    _versions.pop(key, None)


def cache_version() -> int:
    """The version every cached community row, vocabulary and card is keyed by."""
    return _version(CACHE_VERSION_KEY)


def _read(key: str):
    """This process's copy, else the shared cache's (kept here too), else _MISSING."""
    blob = _entries.get(key)
    if blob is not None:
        return pickle.loads(blob)  # noqa: S301 — written by this process, never from outside
    value = cache.get(key, _MISSING)
    if value is not _MISSING:
        _keep_here(key, value)
    return value


def _keep_here(key: str, value) -> None:
    if len(_entries) >= MAX_LOCAL_ENTRIES:
        _entries.clear()
    _entries[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _read_through(
    key_of: Callable[[], str],
    load: Callable[[], T],
    timeout: int,
    *,
    local: bool = True,
    once: bool = False,
    if_failed=READ_AGAIN,
) -> T:
    """The value under `key_of()`: this process's copy, else the shared cache's, else
    `load()` (then kept in both; in the shared cache only without `local`; here only once
    the shared cache took it). With `once`, for reads that many readers miss together and
    that cost more than a wait (listings, searches), `load()` runs in one process while the
    others wait for its value (config.fill_once; `if_failed`: what they get if it fails).
    With the shared cache down, `load()` (logged): a cache outage must not take the site
    down."""
    try:
        key = key_of()
        value = _read(key) if local else cache.get(key, _MISSING)
    except Exception:
        logger.warning("Cache unavailable for community reads", exc_info=True)
        return load()
    if value is not _MISSING:
        return value

    def keep_here(value: T) -> None:
        if local:
            try:
                _keep_here(key, value)
            except Exception:
                logger.warning("Could not keep a community read in this process", exc_info=True)

    if once:
        return fill_once(key, load, timeout=timeout, if_failed=if_failed, stored=keep_here)
    value = load()
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:
        logger.warning("Cache unavailable for community reads", exc_info=True)
        return value
    keep_here(value)
    return value


def versioned(name: str, load: Callable[[], T], *, timeout: int) -> T:
    """A community row or vocabulary (`name`), cached under the community cache version."""
    return _read_through(lambda: f"community:v{cache_version()}:{name}", load, timeout)


CONTENT_SECONDS = 300


def idea_versions(community_id: int, idea_id: int) -> str:
    """What a page or read about one idea depends on: the community's settings and content
    versions, the idea's own (see `idea_changed`) and its thread's. The thread's is read here
    and again by the thread it shows (`thread_cached`), from the same or a newer copy: a page
    is never kept under a key newer than its thread (each process re-reads each version on
    its own schedule, so a key without it could be the idea's new one with the old thread)."""
    thread = _version(THREAD_VERSION_KEY.format(community_id, idea_id))
    idea = idea_version(community_id, idea_id)
    return f"v{cache_version()}:{community_id}:c{content_version(community_id)}.i{idea}.t{thread}"


def thread_versions(community_id: int, idea_id: int) -> str:
    """What an idea's comment thread depends on: the community's settings and content
    versions and the version of the idea's comments (see `idea_changed`, `comments`)."""
    thread = _version(THREAD_VERSION_KEY.format(community_id, idea_id))
    return f"v{cache_version()}:{community_id}:c{content_version(community_id)}.t{thread}"


def listing_versions(community_id: int) -> str:
    """What a listing depends on: the community's settings and content versions and its
    listing version (counters at most LISTING_COUNTS_SECONDS old)."""
    content = f"c{content_version(community_id)}.n{_version(LISTED_VERSION_KEY.format(community_id))}"
    return f"v{cache_version()}:{community_id}:{content}.l{listing_version(community_id)}"


def idea_cached(
    community_id: int, idea_id: int, name: str, load: Callable[[], T], *, timeout: int = CONTENT_SECONDS
) -> T:
    """A read about one public idea that every reader shares (the idea, its comments, its
    history): never served after a change to it (`idea_changed`) or to the community's
    content (`content_changed`)."""
    return _read_through(lambda: f"community:{idea_versions(community_id, idea_id)}:{name}", load, timeout)


def thread_cached(
    community_id: int, idea_id: int, name: str, load: Callable[[], T], *, timeout: int = CONTENT_SECONDS
) -> T:
    """A read about one idea's comments that every reader shares (the rendered thread):
    never served after a change to them (`idea_changed` with `comments`) or to the
    community's content; a vote or a follow on the idea leaves it as it is."""
    return _read_through(lambda: f"community:{thread_versions(community_id, idea_id)}:{name}", load, timeout)


def listing_cached(
    community_id: int,
    name: str,
    load: Callable[[], T],
    *,
    reader=None,
    timeout: int = CONTENT_SECONDS,
    local: bool = True,
    if_failed=READ_AGAIN,
) -> T:
    """A listing every reader shares (a page of ideas, the hot ideas, the roadmap, a
    search's candidates): its counters may be up to LISTING_COUNTS_SECONDS old, anything
    else is never served after a change. A `reader` who voted, commented or followed in that
    time gets it afresh. Without `local`, kept in the shared cache only: for reads of many
    variants (searches), which would push the rest out of each process's copy. Readers who
    miss it together wait for the first one's `load()` (config.fill_once); if that fails,
    they get `if_failed` when given, else load it themselves."""
    if reader is not None and acted_recently(community_id, reader):
        return load()
    return _read_through(
        lambda: f"community:{listing_versions(community_id)}:{name}",
        load,
        timeout,
        local=local,
        once=True,
        if_failed=if_failed,
    )


def community_cache_clear() -> None:
    """Invalidate every cached host lookup and vocabulary (they are keyed by this version).

    Done once the transaction commits: bumping earlier would let a concurrent request
    cache the old rows under the new version.
    """
    transaction.on_commit(_bump_cache_version)


def _bump_cache_version() -> None:
    _bump(CACHE_VERSION_KEY)
    _entries.clear()


def content_version(community_id: int) -> int:
    """The version of what visitors see in a community (see `content_changed`)."""
    return _version(CONTENT_VERSION_KEY.format(community_id))


def content_changed(community_id: int) -> None:
    """Something a visitor could see changed in the community: pages cached for visitors
    are keyed anew. Call it from every service that changes public content (ideas,
    comments, votes, statuses, responses, merges, moderation).

    Bumped now, so that the rest of this transaction's work never reads an old page, and
    again once committed: a page rendered meanwhile from the state before the commit is
    dropped with that second bump.
    """
    _bump_now_and_once_committed([CONTENT_VERSION_KEY.format(community_id)])


def _bump_now_and_once_committed(keys: list[str], then: Callable[[], None] | None = None) -> None:
    """Bump `keys` (and run `then`) at once, and again after the commit if a transaction is
    open: a page rendered meanwhile from the state before the commit is dropped too."""

    def bump() -> None:
        for key in keys:
            _bump(key)
        if then is not None:
            then()

    bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(bump)


def ideas_listed_changed(community_id: int, idea_ids: Iterable[int]) -> None:
    """These ideas changed where listings show them (posted, approved, held, hidden) and on
    their own pages, and nowhere else: listings and those ideas' pages and reads are keyed
    anew, every other idea's page stays (`content_changed` re-keys them all). Bumped now and
    again once committed, as `content_changed`."""
    keys = [LISTED_VERSION_KEY.format(community_id)]
    keys += [IDEA_VERSION_KEY.format(community_id, idea_id) for idea_id in idea_ids]
    _bump_now_and_once_committed(keys)


def idea_version(community_id: int, idea_id: int) -> int:
    """The version of what visitors see about one idea (see `idea_changed`)."""
    return _version(IDEA_VERSION_KEY.format(community_id, idea_id))


def listing_version(community_id: int) -> int:
    """The community's activity count as it was when last copied, at most
    LISTING_COUNTS_SECONDS ago: listings keyed by it are rendered again at most that often
    while members vote and comment, and never while nobody does (the copy taken when the
    last one expires is the same number)."""
    key = LISTING_VERSION_KEY.format(community_id)
    now = time.monotonic()
    known = _versions.get(key)
    if known is not None and now - known[0] < settings.LOCAL_CACHE_SECONDS:
        return known[1]
    version = cache.get(key)
    if version is None:
        activity = _version(ACTIVITY_KEY.format(community_id))
        cache.add(key, activity, timeout=settings.LISTING_COUNTS_SECONDS)  # NX: one copy wins
        version = cache.get(key, activity)
    _versions[key] = (now, version)
    return version


def idea_changed(
    community_id: int, idea_id: int, *, counts: bool = False, comments: bool = False, actors: Iterable[int] = ()
) -> None:
    """Something a visitor could see on one idea's page changed, and nothing elsewhere but
    the counters listings show (`counts`: a vote, a comment): that idea's pages and reads
    are keyed anew (its comment thread too if `comments` changed), listings within
    LISTING_COUNTS_SECONDS, and the members who acted (`actors`, their ids) read their
    listings afresh meanwhile. Bumped now and again once committed, as `content_changed`."""
    actors = tuple(actors)
    keys = [IDEA_VERSION_KEY.format(community_id, idea_id)]
    if comments:
        keys.append(THREAD_VERSION_KEY.format(community_id, idea_id))
    if counts:
        keys.append(ACTIVITY_KEY.format(community_id))

    def then() -> None:
        if counts:  # this process asks Redis for the listing version at its next read
            _versions.pop(LISTING_VERSION_KEY.format(community_id), None)
        for user_id in actors:  # (again once committed: the delay counts from then)
            _mark_acted(community_id, user_id)

    _bump_now_and_once_committed(keys, then)


def _mark_acted(community_id: int, user_id: int) -> None:
    # A listing read just before this moment may be kept for LISTING_COUNTS_SECONDS, and its
    # version for LOCAL_CACHE_SECONDS more in a process: the member reads afresh that long.
    seconds = settings.LISTING_COUNTS_SECONDS + math.ceil(settings.LOCAL_CACHE_SECONDS) + 1
    try:
        cache.set(ACTED_KEY.format(community_id, user_id), 1, timeout=seconds)
    except Exception:  # an outage: the cached listings are not read either (_read_through)
        logger.warning("Could not mark member %s as having acted", user_id, exc_info=True)


def acted_key(community_id: int, user_id: int) -> str:
    """The cache key present while the member's listings are read afresh (`acted_recently`),
    for a caller that reads it along with other keys."""
    return ACTED_KEY.format(community_id, user_id)


def acted_recently(community_id: int, user) -> bool:
    """Whether the member voted, commented or followed here within LISTING_COUNTS_SECONDS:
    their listings must show it, so they are read afresh."""
    if not getattr(user, "is_authenticated", False):
        return False
    try:
        return cache.get(ACTED_KEY.format(community_id, user.pk)) is not None
    except Exception:
        return True


def member_content_changed(user) -> None:
    """`content_changed` for every community where the member may have written."""
    from community.models import Membership

    for community_id in Membership.objects.filter(user=user).values_list("community_id", flat=True):
        content_changed(community_id)
