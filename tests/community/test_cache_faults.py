"""After Redis restarts empty, no process serves a copy made before the restart
(community/cache.py: versions start again from the clock, above every number used before);
after Redis could not be reached, a change made meanwhile is seen once it answers.

Two processes are simulated by swapping community.cache's module-level copies (the
versions read and the values kept): each "process" keeps its own across the test, as a
gunicorn worker does. The cache is on a `redis-server` of the test's own
(`cache_on_private_redis`, tests/conftest.py), stopped and started again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.test import Client
from django.urls import reverse

from community import cache as community_cache
from community.cache import cache_version, content_changed, content_version
from community.models import Role
from ideas.models import IdeaStats
from tests.factories import MembershipFactory, UserFactory
from tests.private_redis import free_port

COUNT = re.compile(r"data-vote-count>(-?\d+)<")


class Process:
    """One process's state in community.cache: versions read, values kept, bumps unsaved."""

    NAMES = ("_versions", "_entries", "_unsaved")

    def __init__(self) -> None:
        self.state = ({}, {}, set())

    @contextmanager
    def running(self) -> Iterator[None]:
        saved = tuple(getattr(community_cache, name) for name in self.NAMES)
        for name, value in zip(self.NAMES, self.state, strict=True):
            setattr(community_cache, name, value)
        try:
            yield
        finally:
            for name, value in zip(self.NAMES, saved, strict=True):
                setattr(community_cache, name, value)


@pytest.fixture
def voters(community_a):
    people = [UserFactory(username=f"voter-{n}") for n in range(2)]
    for person in people:
        MembershipFactory(user=person, community=community_a, role=Role.MEMBER)
    return people


def shown_count(idea) -> int:
    """The vote count a visitor sees on the idea page."""
    page = Client().get(idea.get_absolute_url())
    assert page.status_code == 200
    return int(COUNT.search(page.content.decode())[1])


def vote(idea, voter) -> None:
    client = Client()
    client.force_login(voter)
    assert client.post(reverse("ideas:vote", args=[idea.pk]), {"value": "1"}).status_code == 302


def database_count(idea) -> int:
    return IdeaStats.objects.get(pk=idea.pk).votes


def test_no_process_serves_a_copy_made_before_a_restart(idea_a, voters, cache_on_private_redis, settings):
    # The idea was posted before the cache moved to the private Redis: there, the versions
    # are first read, not bumped, as after any restart.
    # Every read asks Redis for the versions, as each process does once its second is up.
    settings.LOCAL_CACHE_SECONDS = 0
    first, second = Process(), Process()

    with second.running():
        assert shown_count(idea_a) == 0  # kept in the second process
    with first.running():
        vote(idea_a, voters[0])
    with second.running():
        assert shown_count(idea_a) == database_count(idea_a) == 1

    cache_on_private_redis.kill()
    cache_on_private_redis.start()  # the same port, empty

    for process in (second, first, second):
        with process.running():
            assert shown_count(idea_a) == database_count(idea_a)
    with first.running():
        vote(idea_a, voters[1])
    for process in (first, second):
        with process.running():
            assert shown_count(idea_a) == database_count(idea_a) == 2


def test_a_change_made_while_redis_cannot_be_reached_is_seen_once_it_answers(
    idea_a, voters, cache_on_private_redis, settings
):
    settings.LOCAL_CACHE_SECONDS = 0
    first, second = Process(), Process()
    with second.running():
        assert shown_count(idea_a) == 0
    reachable = settings.CACHES["default"]
    settings.CACHES = {"default": {**reachable, "LOCATION": f"redis://127.0.0.1:{free_port()}/1"}}
    with first.running():
        vote(idea_a, voters[0])  # the bump cannot reach Redis
    settings.CACHES = {"default": reachable}  # the same Redis, not restarted

    for process in (first, second):
        with process.running():
            assert shown_count(idea_a) == database_count(idea_a) == 1


def test_versions_start_above_every_number_used_before_a_restart(cache_on_private_redis, community_a):
    for _change in range(5):
        content_changed(community_a.pk)
    before = (cache_version(), content_version(community_a.pk))
    cache_on_private_redis.kill()
    cache_on_private_redis.start()
    community_cache.local_forget()

    assert cache_version() > before[0]  # read first
    content_changed(community_a.pk)  # bumped first
    assert content_version(community_a.pk) > before[1]
