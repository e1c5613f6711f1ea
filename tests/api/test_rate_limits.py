"""Rate limits per key and per member: 429 with Retry-After; kept per process while Redis
is down (the cache's local fallback), never a 500."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from django.test import Client

from tests.api.conftest import ApiClient


@pytest.fixture(autouse=True)
def start_of_a_minute(time_machine):
    """The limits count per calendar minute (api/ratelimit.py): requests that straddled a
    minute's end started a new count, which a slow, loaded machine made happen now and then.
    Each test starts one second into the next minute, the clock running."""
    start = (int(time.time() // 60) + 1) * 60 + 1
    time_machine.move_to(datetime.fromtimestamp(start, UTC), tick=True)


def test_a_key_over_its_limit_gets_429_with_retry_after(api_as, admin_a, community_a, settings):
    settings.API_RATE_LIMIT_PER_KEY = 3
    api = api_as(admin_a, community_a, ["read"])
    other = api_as(admin_a, community_a, ["read"])
    assert [api.get("/statuses").status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get("/statuses")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["error"]
    assert other.get("/statuses").status_code == 200  # per key


def test_a_members_session_has_its_own_limit(member_a, community_a, settings):
    settings.API_RATE_LIMIT_PER_MEMBER = 2
    session = ApiClient(client=Client())
    session.client.force_login(member_a)
    assert [session.get("/statuses").status_code for _ in range(3)] == [200, 200, 429]


def test_the_limit_still_holds_while_redis_is_down(api_as, admin_a, community_a, settings, redis_down):
    settings.API_RATE_LIMIT_PER_KEY = 2
    api = api_as(admin_a, community_a, ["read"])
    assert [api.get("/statuses").status_code for _ in range(3)] == [200, 200, 429]
