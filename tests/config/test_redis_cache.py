"""The Redis cache backend shares one client per connection pool and keeps allauth's keys in
the process while Redis is down (config/redis_cache.py)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache, caches
from redis.exceptions import RedisError

from config import redis_cache
from config.redis_cache import RedisCache


def test_it_is_the_cache_in_use():
    assert isinstance(caches["default"], RedisCache)


def test_it_builds_one_client_and_reuses_it_for_every_call():
    backend = cache._cache
    first = backend.get_client("a", write=True)
    assert backend.get_client("b", write=False) is first


def test_threads_sharing_the_client_each_read_their_own_values():
    def round_trip(number: int) -> int:
        cache.set(f"shared-client-{number}", number)
        return cache.get(f"shared-client-{number}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(round_trip, range(200))) == list(range(200))


# --- allauth's keys while Redis is down (docs/reliability.md, "Redis outages") ----------


def test_allauths_keys_are_kept_in_the_process_while_redis_is_down_and_in_redis_after(
    cache_on_private_redis, monkeypatch
):
    cache_on_private_redis.kill()
    assert cache.add("allauth:rl:test", [1.0], 60)
    assert cache.get("allauth:rl:test") == [1.0]
    assert not cache.add("allauth:rl:test", [2.0], 60)  # a lock taken is still taken

    cache_on_private_redis.start()
    later = time.monotonic() + redis_cache.FALLBACK_SECONDS
    monkeypatch.setattr(redis_cache.time, "monotonic", lambda: later)
    cache.set("allauth:rl:other", [3.0], 60)
    assert cache_on_private_redis.client(db=1).exists(cache.make_key("allauth:rl:other"))


def test_other_keys_are_never_kept_in_the_process(cache_on_private_redis):
    # Copies of the database keyed by shared versions must not outlive an outage in one
    # process: their callers read the database instead.
    cache_on_private_redis.kill()
    with pytest.raises(RedisError):
        cache.set("community:version", 1)
    with pytest.raises(RedisError):
        cache.get("shared-page:1")
