"""The Redis cache backend shares one client per connection pool (config/redis_cache.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from django.core.cache import cache, caches

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
