"""Shared fixtures: the services check, e-mail through the Celery backend, personas."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from django.core.cache import cache
from redis.exceptions import RedisError

from community.cache import local_forget
from community.models import Role
from config import rowcache
from tests.check_services import service_problems
from tests.factories import CommunityFactory, MembershipFactory, UserFactory
from tests.faults import outage_ready  # noqa: F401 (a fixture of the fault tests)
from tests.private_redis import PrivateRedis, free_port


def pytest_configure(config: pytest.Config) -> None:
    problems = service_problems()
    if problems:
        pytest.exit("Missing service(s):\n  " + "\n  ".join(problems), returncode=3)


@pytest.fixture(autouse=True)
def _mail_through_celery(settings) -> None:
    """pytest-django swaps EMAIL_BACKEND for locmem; put the production path back.

    Messages still land in `mail.outbox`, but only after going through the Celery
    backend and task, as in production (eager here, a real worker in worker tests).
    """
    settings.EMAIL_BACKEND = "config.mail.CeleryEmailBackend"
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    # Rate limits and host lookups live in the cache (and each process's copy of it);
    # each test starts without them.
    cache.clear()
    local_forget()
    rowcache.local_forget()


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    """A `redis-server` of this test's own (tests/private_redis.py), stopped afterwards."""
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def cache_on_private_redis(private_redis, settings) -> PrivateRedis:
    """The cache on the private Redis: the test may stop it and start it again."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{private_redis.port}/1"}
    }
    local_forget()
    rowcache.local_forget()
    return private_redis


@pytest.fixture
def redis_down(settings) -> None:
    """The cache on a port where no Redis listens, as during an outage; nothing kept from
    earlier tests in this process's copies (community.cache) or fallback (config.redis_cache)."""
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{free_port()}/1"}}
    local_forget()
    rowcache.local_forget()
    with suppress(RedisError):
        cache.clear()  # the fallback's part; Redis's cannot answer


@pytest.fixture
def output_dir() -> Path:
    """Where tests keep artefacts (screenshots) for people to look at after a run."""
    path = Path(os.environ.get("TEST_OUTPUT", "test-output")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- Personas: two communities, and people with each role ------------------------------


@pytest.fixture
def community_a(db):
    return CommunityFactory(name="Brand A", slug="brand-a", domain="ideas.brand-a.test", is_default=True)


@pytest.fixture
def community_b(db):
    return CommunityFactory(name="Brand B", slug="brand-b", domain="ideas.brand-b.test")


def _person(username: str, community, role: str, *, staff: bool):
    user = UserFactory(username=username, is_staff=staff)
    MembershipFactory(user=user, community=community, role=role)
    return user


@pytest.fixture
def member_a(community_a):
    return _person("member-a", community_a, Role.MEMBER, staff=False)


@pytest.fixture
def moderator_a(community_a):
    return _person("moderator-a", community_a, Role.MODERATOR, staff=True)


@pytest.fixture
def brand_manager_a(community_a):
    return _person("manager-a", community_a, Role.BRAND_MANAGER, staff=True)


@pytest.fixture
def admin_a(community_a):
    return _person("admin-a", community_a, Role.ADMIN, staff=True)


@pytest.fixture
def moderator_b(community_b):
    return _person("moderator-b", community_b, Role.MODERATOR, staff=True)


@pytest.fixture
def superuser(db):
    return UserFactory(username="operator", is_staff=True, is_superuser=True)


@pytest.fixture
def member_b(community_b):
    return _person("member-b", community_b, Role.MEMBER, staff=False)


@pytest.fixture
def idea_a(community_a, member_a):
    """An approved idea of community A, posted by member_a."""
    from tests.factories import make_idea

    return make_idea(community_a, member_a, title="Du Wi-Fi stable dans tous les trains")
