"""Requests per minute, per API key and per signed-in member, counted in the cache.

A fixed one-minute window per caller: `add` then `incr` on a key named after the caller
and the minute. Keys start with "api-rate:", one of the cache's LOCAL_FALLBACK_PREFIXES
(config/settings.py): while Redis is down the counters are kept in each process, as
allauth's are (docs/reliability.md), so the limit still holds, per process. Anything else
going wrong with the cache lets the request through, logged: a broken counter must not
take the API down.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

WINDOW = 60


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the window ends


def rate_check(caller_id: str, *, limit: int, now: float | None = None) -> Verdict:
    """Count one request of `caller_id` ("key:12", "user:5") in the current minute."""
    now = time.time() if now is None else now
    window = int(now // WINDOW)
    retry_after = max(1, WINDOW - int(now % WINDOW))
    name = f"api-rate:{caller_id}:{window}"
    try:
        cache.add(name, 0, timeout=WINDOW + 5)
        count = cache.incr(name)
    except ValueError:  # expired between add and incr: this request starts the window
        count = 1
        try:
            cache.set(name, 1, timeout=WINDOW + 5)
        except Exception:
            logger.warning("API rate counter unavailable; request let through", exc_info=True)
    except Exception:
        logger.warning("API rate counter unavailable; request let through", exc_info=True)
        return Verdict(allowed=True, limit=limit, remaining=limit, retry_after=retry_after)
    return Verdict(allowed=count <= limit, limit=limit, remaining=max(limit - count, 0), retry_after=retry_after)


def limit_for_key() -> int:
    return settings.API_RATE_LIMIT_PER_KEY


def limit_for_member() -> int:
    return settings.API_RATE_LIMIT_PER_MEMBER
