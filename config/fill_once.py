"""One process fills a shared cache entry that many readers miss at once; the others wait for it.

A shared listing or search is read by every reader under one key, and that key is missed by
all of them at the same moment: when it expires, or when its version moves (a vote moves the
listing version at most once per LISTING_COUNTS_SECONDS). Without this, every process that
missed it computes it at once: eight readers of a search at 100,000 ideas each ran the same
ranked query beside the seven others, on two cores, and the search's throughput swung by half
from one run to the next with where the expiries fell (docs/benchmarks.md).

So the first reader to miss claims the key (an `add` of `<key>:filling`, which only one
caller wins), computes the value and stores it; the others wait for it, asking the cache
every few milliseconds, and compute it themselves only if it has not come after
SHARED_FILL_WAIT_MS, or as soon as the claim is gone without a value (the filler failed, or
could not store it). Waiting costs a thread of a gthread worker and no CPU. The claim lasts a
second longer than that wait, so that a filler that died does not hold it for long.

A filler whose read fails marks its claim as failed for FAILED_SECONDS instead of letting it go. A
caller that has an answer for that case (`if_failed`: a search stopped by its timeout finds
nothing) gives it to the waiters and to those who come meanwhile, rather than have each of
them run the read that just failed on a database too busy for it; without one, they read
for themselves.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)
T = TypeVar("T")

_MISSING = object()
# `if_failed` not given: waiters whose filler failed read for themselves.
READ_AGAIN = object()
# Pauses between two looks at the cache while another process fills: short first (most
# shared reads take a few milliseconds), then no more than 25 ms apart.
_PAUSES = (0.002, 0.004, 0.008, 0.016)
_LONGEST_PAUSE = 0.025
# How long a failed read's answer (`if_failed`) is given without reading again: long enough for
# the readers who came together, short enough that a database busy for a moment is soon asked again.
FAILED_SECONDS = 2
# What a claim holds: being filled, or its read failed.
_CLAIMED = 1
_FAILED = 0


def claim_key(key: str) -> str:
    return f"{key}:filling"


def fill_once(
    key: str,
    load: Callable[[], T],
    *,
    timeout: int,
    if_failed=READ_AGAIN,
    stored: Callable[[T], None] | None = None,
) -> T:
    """The value under `key`, missed by the caller a moment ago: computed by `load()` and
    stored for `timeout` seconds by this process if it claims the key first, else by the
    process that did (waited for), else by this one after all (see the module's docstring).
    `stored(value)` is called once the value is in the shared cache (stored here or read from
    it), never for a value the cache did not take. With the cache unavailable, `load()`
    (logged): an outage must not take the site down. An exception from `load()` reaches the
    caller and marks the claim as failed: `if_failed`, if given, is what the waiters get."""
    claim = claim_key(key)
    wait = settings.SHARED_FILL_WAIT_MS / 1000
    claim_seconds = math.ceil(wait) + 1
    try:
        claimed = cache.add(claim, _CLAIMED, timeout=claim_seconds)
    except Exception:
        logger.warning("Cache unavailable for shared reads", exc_info=True)
        return load()
    if not claimed:
        found = _wait_for(key, claim, wait)
        if found is _FAILED and if_failed is not READ_AGAIN:
            return if_failed
        if found is not _MISSING and found is not _FAILED:
            value = found[0]
            if stored is not None:
                stored(value)
            return value
    try:
        value = load()
    except BaseException:
        if claimed:
            _mark_failed(claim, FAILED_SECONDS)
        raise
    if _store(key, value, timeout) and stored is not None:
        stored(value)
    if claimed:
        _release(claim)
    return value


def _wait_for(key: str, claim: str, wait: float):
    """(value,) once another process has stored it; _FAILED if its read failed; _MISSING if
    its claim is gone without a value, or after `wait` seconds, or if the cache stops
    answering."""
    give_up = time.monotonic() + wait
    step = 0
    while time.monotonic() < give_up:
        time.sleep(_PAUSES[step] if step < len(_PAUSES) else _LONGEST_PAUSE)
        step += 1
        try:
            # The claim first: a cache without MGET (the local-memory one) reads them in this
            # order, and a value is always stored before its claim goes.
            found = cache.get_many([claim, key])
        except Exception:
            logger.warning("Cache unavailable for shared reads", exc_info=True)
            return _MISSING
        if key in found:
            return (found[key],)
        if claim not in found:
            return _MISSING
        if found[claim] == _FAILED:
            return _FAILED
    return _MISSING


def _store(key: str, value, timeout: int) -> bool:
    try:
        cache.set(key, value, timeout=timeout)
        return True
    except Exception:
        logger.warning("Cache unavailable for shared reads", exc_info=True)
        return False


def _mark_failed(claim: str, seconds: int) -> None:
    try:
        cache.set(claim, _FAILED, timeout=seconds)
    except Exception:
        logger.warning("Cache unavailable for shared reads", exc_info=True)


def _release(claim: str) -> None:
    try:
        cache.delete(claim)
    except Exception:
        logger.warning("Cache unavailable for shared reads", exc_info=True)
