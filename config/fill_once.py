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
little longer than that wait, so that a filler that died does not hold it for long.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)
T = TypeVar("T")

_MISSING = object()
# Pauses between two looks at the cache while another process fills: short first (most
# shared reads take a few milliseconds), then no more than 25 ms apart.
_PAUSES = (0.002, 0.004, 0.008, 0.016)
_LONGEST_PAUSE = 0.025


def claim_key(key: str) -> str:
    return f"{key}:filling"


def fill_once(key: str, load: Callable[[], T], *, timeout: int) -> T:
    """The value under `key`, missed by the caller a moment ago: computed by `load()` and
    stored for `timeout` seconds by this process if it claims the key first, else by the
    process that did (waited for), else by this one after all (see the module's docstring).
    With the cache unavailable, `load()` (logged): an outage must not take the site down.
    An exception from `load()` reaches the caller, and releases the claim."""
    claim = claim_key(key)
    wait = settings.SHARED_FILL_WAIT_MS / 1000
    try:
        claimed = cache.add(claim, 1, timeout=max(1, round(wait * 2)))
    except Exception:
        logger.warning("Cache unavailable for shared reads", exc_info=True)
        return load()
    if not claimed:
        value = _wait_for(key, claim, wait)
        if value is not _MISSING:
            return value
    try:
        value = load()
        _store(key, value, timeout)
    finally:
        if claimed:
            _release(claim)
    return value


def _wait_for(key: str, claim: str, wait: float):
    """The value once another process has stored it; _MISSING if its claim is gone without
    one, or after `wait` seconds, or if the cache stops answering."""
    give_up = time.monotonic() + wait
    step = 0
    while time.monotonic() < give_up:
        time.sleep(_PAUSES[step] if step < len(_PAUSES) else _LONGEST_PAUSE)
        step += 1
        try:
            found = cache.get_many([key, claim])
        except Exception:
            logger.warning("Cache unavailable for shared reads", exc_info=True)
            return _MISSING
        if key in found:
            return found[key]
        if claim not in found:
            return _MISSING
    return _MISSING


def _store(key: str, value, timeout: int) -> None:
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:
        logger.warning("Cache unavailable for shared reads", exc_info=True)


def _release(claim: str) -> None:
    try:
        cache.delete(claim)
    except Exception:
        logger.warning("Cache unavailable for shared reads", exc_info=True)
