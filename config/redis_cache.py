"""Django's Redis cache, with one client per connection pool instead of one per call, and a
per-process fallback for the keys that must keep working while Redis is down.

Django builds a new `redis.Redis` for every cache operation; its constructor fills a table
of about 170 response callbacks, 0.2 to 0.3 ms of CPU each time, several times per page. A
`redis.Redis` is safe to share between threads (each command borrows a connection from the
pool), so one per pool serves every call.

Most of the cache is a copy of the database, and its callers catch an outage and read the
database. allauth's keys are not copies: rate-limit counters, TOTP codes already used, ID
tokens already seen. allauth does not catch an outage, so sign-in, sign-up, password reset
and the second-factor step would answer 500 while Redis is down. Keys starting with one
of OPTIONS["LOCAL_FALLBACK_PREFIXES"] are therefore kept in this process's memory while
Redis cannot answer: each limit still holds, per process (docs/reliability.md, "Redis
outages"). After a failure they stay there for FALLBACK_SECONDS, so that an outage that
times out costs one timeout, not one per call, and a flapping Redis does not split a
count between two places.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import wraps

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

FALLBACK_SECONDS = 5
# Room for a busy outage's counters: culling would drop an account's failed sign-ins.
FALLBACK_MAX_ENTRIES = 50_000

# {location: monotonic time until which the fallback keys skip Redis}, for every thread.
_redis_down_until: dict[str, float] = {}


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


def _falls_back(method: Callable) -> Callable:
    """`method` on Redis; for a fallback key while Redis cannot answer, on this process's memory."""
    name = method.__name__

    @wraps(method)
    def wrapper(self: RedisCache, key: str, *args, **kwargs):
        if not key.startswith(self._fallback_prefixes):
            return method(self, key, *args, **kwargs)
        if time.monotonic() >= _redis_down_until.get(self._location, 0):
            try:
                return method(self, key, *args, **kwargs)
            except RedisError:
                # Not the key: it can hold a client's address or a second-factor code.
                logger.warning("Redis unavailable: allauth's keys kept in this process", exc_info=True)
                _redis_down_until[self._location] = time.monotonic() + FALLBACK_SECONDS
        return getattr(self._fallback, name)(key, *args, **kwargs)

    return wrapper


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        options = dict(params.get("OPTIONS", {}))
        self._fallback_prefixes = tuple(options.pop("LOCAL_FALLBACK_PREFIXES", ()))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = RedisCacheClient
        self._location = server if isinstance(server, str) else ",".join(server)
        # Named after the server: every thread's instance shares the same memory.
        self._fallback = LocMemCache(
            f"redis-fallback:{self._location}",
            {**params, "OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES}},
        )

    add = _falls_back(DjangoRedisCache.add)
    get = _falls_back(DjangoRedisCache.get)
    set = _falls_back(DjangoRedisCache.set)
    touch = _falls_back(DjangoRedisCache.touch)
    delete = _falls_back(DjangoRedisCache.delete)
    has_key = _falls_back(DjangoRedisCache.has_key)
    incr = _falls_back(DjangoRedisCache.incr)

    def clear(self) -> None:
        self._fallback.clear()
        super().clear()
