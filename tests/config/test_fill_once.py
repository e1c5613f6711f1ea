"""A shared listing or search missed by many readers at once is computed by one of them; the
others wait for its value (config/fill_once.py), and compute it themselves only when it
cannot come."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache

from community.cache import listing_cached, listing_versions
from config.fill_once import claim_key, fill_once

COMMUNITY_ID = 424242
READERS = 8


class _Counting:
    """A slow read that counts how many times it ran."""

    def __init__(self, seconds: float = 0.2, fails: bool = False) -> None:
        self.seconds = seconds
        self.fails = fails
        self.runs = 0
        self._lock = threading.Lock()

    def __call__(self) -> list[int]:
        with self._lock:
            self.runs += 1
        time.sleep(self.seconds)
        if self.fails:
            raise RuntimeError("the read failed")
        return [3, 1, 2]


def _all_at_once(read) -> list:
    start = threading.Barrier(READERS)

    def reader(_):
        start.wait()
        return read()

    with ThreadPoolExecutor(max_workers=READERS) as pool:
        return list(pool.map(reader, range(READERS)))


@pytest.mark.parametrize("local", [True, False], ids=["kept-here-too", "shared-only"])
def test_readers_missing_a_shared_listing_together_compute_it_once_and_all_get_it(local):
    load = _Counting()

    values = _all_at_once(lambda: listing_cached(COMMUNITY_ID, "page:1", load, local=local))

    assert values == [[3, 1, 2]] * READERS
    assert load.runs == 1
    key = f"community:{listing_versions(COMMUNITY_ID)}:page:1"
    assert cache.get(key) == [3, 1, 2]
    assert not cache.has_key(claim_key(key))


def test_a_reader_who_acted_does_not_wait_for_the_shared_copy(monkeypatch):
    load = _Counting(seconds=0)
    monkeypatch.setattr("community.cache.acted_recently", lambda community_id, reader: True)

    _all_at_once(lambda: listing_cached(COMMUNITY_ID, "page:1", load, reader=object()))

    assert load.runs == READERS


class _FailingOnceStarted(_Counting):
    """A slow read that fails, telling when it has started (the key is claimed by then)."""

    def __init__(self) -> None:
        super().__init__(seconds=0.2, fails=True)
        self.started = threading.Event()

    def __call__(self):
        self.started.set()
        return super().__call__()


def _fails_in_another_thread(key: str) -> tuple[threading.Thread, _FailingOnceStarted]:
    failing = _FailingOnceStarted()

    def first():
        with pytest.raises(RuntimeError):
            fill_once(key, failing, timeout=30)

    thread = threading.Thread(target=first)
    thread.start()
    assert failing.started.wait(5)
    return thread, failing


def test_when_the_one_computing_fails_the_others_compute_it_without_waiting_out_the_delay(settings):
    settings.SHARED_FILL_WAIT_MS = 10_000
    thread, failing = _fails_in_another_thread("fill-once:test")
    fine = _Counting(seconds=0)

    began = time.monotonic()
    assert fill_once("fill-once:test", fine, timeout=30) == [3, 1, 2]
    waited = time.monotonic() - began
    thread.join()

    assert failing.runs == 1 and fine.runs == 1
    assert waited < 2, "the second waited for a value that could not come"


def test_when_the_one_computing_fails_the_others_get_the_callers_answer_for_it_without_computing(settings):
    """A search stopped by its timeout: those who waited for it find nothing too, and so do
    those who ask just after, instead of each running it again on a busy database."""
    settings.SHARED_FILL_WAIT_MS = 10_000
    thread, failing = _fails_in_another_thread("fill-once:search")
    not_run = _Counting(seconds=0)

    assert fill_once("fill-once:search", not_run, timeout=30, if_failed="nothing") == "nothing"
    thread.join()
    assert fill_once("fill-once:search", not_run, timeout=30, if_failed="nothing") == "nothing"

    assert failing.runs == 1 and not_run.runs == 0
    assert not cache.has_key("fill-once:search")


def test_a_stored_count_of_zero_is_a_value_not_a_failure():
    def count() -> int:
        time.sleep(0.1)
        return 0

    values = _all_at_once(lambda: fill_once("fill-once:zero", count, timeout=30, if_failed="failed"))

    assert values == [0] * READERS


def test_a_value_the_shared_cache_refused_is_not_kept_in_the_process_either(monkeypatch):
    """Redis answering reads but failing a write: this process must not keep a copy no other
    process has (it could outlive a change whose version bump failed as well)."""
    load = _Counting(seconds=0)

    def refuse(*args, **kwargs):
        raise ConnectionError("Redis refused the write")

    monkeypatch.setattr("config.fill_once.cache.set", refuse)
    assert listing_cached(COMMUNITY_ID, "page:refused", load) == [3, 1, 2]
    assert listing_cached(COMMUNITY_ID, "page:refused", load) == [3, 1, 2]

    assert load.runs == 2


def test_a_reader_computes_it_after_the_delay_when_the_one_computing_is_too_slow(settings):
    settings.SHARED_FILL_WAIT_MS = 100
    cache.add(claim_key("fill-once:stuck"), 1, timeout=30)  # a filler that never finishes
    load = _Counting(seconds=0)

    began = time.monotonic()
    assert fill_once("fill-once:stuck", load, timeout=30) == [3, 1, 2]

    assert load.runs == 1
    assert 0.1 <= time.monotonic() - began < 1
    assert cache.get("fill-once:stuck") == [3, 1, 2]


def test_with_redis_down_each_reader_computes_its_own_and_nothing_fails(cache_on_private_redis):
    cache_on_private_redis.kill()
    load = _Counting(seconds=0)

    values = _all_at_once(lambda: listing_cached(COMMUNITY_ID, "page:1", load))

    assert values == [[3, 1, 2]] * READERS
    assert load.runs == READERS
    assert fill_once("fill-once:down", load, timeout=30) == [3, 1, 2]
