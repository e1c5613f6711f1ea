"""make test runs its jobs at once, each on its own Redis databases (tests/check_services.py)."""

from __future__ import annotations

import pytest

from tests.check_services import overlapping_redis

pytestmark = pytest.mark.smoke


def test_jobs_whose_cache_database_is_another_jobs_broker_are_refused():
    # REDIS_URL=.../0 keeps its cache in database 1: a job on .../1 would empty it.
    assert overlapping_redis(["redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"]) == [
        "redis://127.0.0.1:6379/0 and redis://127.0.0.1:6379/1"
    ]


def test_jobs_two_databases_apart_or_on_other_servers_are_accepted():
    assert overlapping_redis(["redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/2", "redis://127.0.0.1:6379/4"]) == []
    assert overlapping_redis(["redis://127.0.0.1:6379/0", "redis://127.0.0.1:6380/0"]) == []
