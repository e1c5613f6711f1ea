"""Freshness per idea (community/cache.py, issue 18): a vote, comment or follow re-keys that
idea's page and reads, not every page of the community; the listings' counters may lag by at
most LISTING_COUNTS_SECONDS, never for the member who acted."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client

from community import cache as community_cache
from ideas.models import Comment, Idea, ModerationState
from ideas.services import (
    comment_create,
    content_set_moderation_state,
    follow_toggle,
    idea_set_status,
    vote_toggle,
)
from tests.api.conftest import ApiClient
from tests.factories import UserFactory, make_idea

ROADMAP_ITEM = re.compile(
    r'class="roadmap__title" href="(/ideas/\d+-[^"/]+/)".*?class="vote-pill">.*?</svg>(\d+)<', re.S
)


def listed_counts(html: str) -> dict[str, int]:
    """{idea page's path: votes shown for it} on a listing's cards or the roadmap's items."""
    counts = {path: int(votes) for path, votes in ROADMAP_ITEM.findall(html)}
    for card in html.split('data-testid="idea-card"')[1:]:
        path = re.search(r'href="(/ideas/\d+-[^"/]+/)"', card)
        votes = re.search(r"data-vote-count>(\d+)<", card)
        if path and votes:
            counts[path.group(1)] = int(votes.group(1))
    return counts


@pytest.fixture
def ideas(community_a, member_a):
    return [make_idea(community_a, member_a, title=f"Des quais plus accueillants, numéro {n}") for n in range(3)]


@pytest.fixture
def voter(community_a):
    from community.models import Membership

    user = UserFactory()
    Membership.objects.get_or_create(user=user, community=community_a)
    return user


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """This process's clock for its copies of the versions (community.cache)."""
    now = [1000.0]
    monkeypatch.setattr(community_cache.time, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def window_passes(clock, settings):
    """What LISTING_COUNTS_SECONDS (the listing version's life in Redis, where it expires)
    and LOCAL_CACHE_SECONDS (each process's copy) do once they have run out."""

    def passes(community_id: int) -> None:
        cache.delete(community_cache.LISTING_VERSION_KEY.format(community_id))
        clock[0] += settings.LOCAL_CACHE_SECONDS + settings.LISTING_COUNTS_SECONDS

    return passes


def visitor_votes(client: Client, idea) -> int:
    page = client.get(idea.get_absolute_url()).content.decode()
    return int(re.search(r"data-vote-count>(\d+)<", page).group(1))


CHANGES = {
    "vote": lambda idea, member: vote_toggle(idea=idea, user=member),
    "comment": lambda idea, member: comment_create(idea=idea, author=member, body="Un avis tout neuf sur ce quai"),
    "follow": lambda idea, member: follow_toggle(idea=idea, user=member),
    "comment approved": lambda idea, member: content_set_moderation_state(
        content=_held_comment(idea, member), state=ModerationState.APPROVED
    ),
}


def _held_comment(idea, member):
    """A comment waiting for the moderators, as the moderation check leaves it (a row that
    no page shows yet: nothing is re-keyed by its creation)."""
    body = "Un avis que les modérateurs relisent"
    return Comment.objects.create(
        idea=idea, author=member, body=body, body_html=f"<p>{body}</p>", moderation_state=ModerationState.PENDING
    )


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_to_one_idea_leaves_the_other_idea_pages_cached(
    client, ideas, voter, change, django_assert_num_queries
):
    others = [idea.get_absolute_url() for idea in ideas[1:]]
    for url in [ideas[0].get_absolute_url(), *others]:
        client.get(url)
    before = client.get(ideas[0].get_absolute_url()).content
    change(ideas[0], voter)
    for url in others:
        with django_assert_num_queries(0):
            assert client.get(url).status_code == 200
    assert client.get(ideas[0].get_absolute_url()).content != before  # its own page: at once


def test_a_vote_shows_on_its_idea_page_at_once(client, ideas, voter):
    assert visitor_votes(client, ideas[0]) == 0
    vote_toggle(idea=ideas[0], user=voter)
    assert visitor_votes(client, ideas[0]) == 1


def test_the_listings_counters_lag_by_the_window_at_most(client, ideas, voter, community_a, settings, window_passes):
    settings.LISTING_COUNTS_SECONDS = 10
    path = ideas[0].get_absolute_url()
    assert listed_counts(client.get("/ideas/").content.decode())[path] == 0
    vote_toggle(idea=ideas[0], user=voter)
    assert listed_counts(client.get("/ideas/").content.decode())[path] == 0  # within the window
    window_passes(community_a.pk)
    assert listed_counts(client.get("/ideas/").content.decode())[path] == 1


def test_with_no_window_the_listing_counts_at_once(client, ideas, voter, settings):
    settings.LISTING_COUNTS_SECONDS = 0
    path = ideas[0].get_absolute_url()
    client.get("/ideas/")
    vote_toggle(idea=ideas[0], user=voter)
    assert listed_counts(client.get("/ideas/").content.decode())[path] == 1


def test_without_activity_the_listing_stays_cached_past_the_window(
    client, ideas, community_a, django_assert_num_queries, window_passes
):
    client.get("/ideas/")
    window_passes(community_a.pk)  # a new copy of the same activity count: the same key
    with django_assert_num_queries(0):
        client.get("/ideas/")


@pytest.mark.parametrize("path", ["/ideas/", "/ideas/?sort=top", "/", "/roadmap/"])
def test_the_member_who_voted_sees_it_on_every_listing_at_once(
    ideas, voter, community_a, brand_manager_a, settings, path, window_passes
):
    settings.LISTING_COUNTS_SECONDS = 10
    planned = community_a.statuses.get(slug="planned")
    idea_set_status(idea=ideas[0], status=planned, user=brand_manager_a)  # on the roadmap too
    member, other = Client(), Client()
    member.force_login(voter)
    other.force_login(UserFactory())
    idea = ideas[0]
    idea.refresh_from_db()
    for reader in (member, other, Client()):
        assert listed_counts(reader.get(path).content.decode())[idea.get_absolute_url()] == 0
    response = member.post(f"/ideas/{idea.pk}/vote/", {"value": "1", "current": "0"})
    assert response.status_code in (200, 302)
    assert listed_counts(member.get(path).content.decode())[idea.get_absolute_url()] == 1
    # Others may read the shared listing, up to the window old: never more.
    window_passes(community_a.pk)
    for reader in (other, Client()):
        assert listed_counts(reader.get(path).content.decode())[idea.get_absolute_url()] == 1


def test_the_member_who_voted_through_the_api_sees_it_at_once(ideas, voter, settings):
    settings.LISTING_COUNTS_SECONDS = 10
    member = ApiClient(client=Client())
    member.client.force_login(voter)

    def votes() -> int:
        return {item["id"]: item["votes"] for item in member.get("/ideas?sort=top").json()["results"]}[ideas[0].pk]

    assert votes() == 0
    vote_toggle(idea=ideas[0], user=voter)
    assert votes() == 1


def test_a_vote_recorded_while_redis_is_down_still_reaches_the_pages(
    client, ideas, voter, community_a, monkeypatch, clock, settings, window_passes
):
    client.get(ideas[0].get_absolute_url())
    client.get("/ideas/")

    def broken(*args, **kwargs):
        raise ConnectionError("Redis is down")

    with monkeypatch.context() as down:
        for name in ("incr", "add", "set"):
            down.setattr(cache, name, broken)
        vote_toggle(idea=ideas[0], user=voter)  # the vote is kept; the bumps wait for Redis
    # Redis is back: this process bumps the versions it could not at their next read, once
    # its own copy of them is due.
    clock[0] += settings.LOCAL_CACHE_SECONDS
    assert visitor_votes(client, ideas[0]) == 1
    window_passes(community_a.pk)
    path = ideas[0].get_absolute_url()
    assert listed_counts(client.get("/ideas/").content.decode())[path] == 1


@pytest.mark.parametrize("change", ["vote", "follow"])
def test_a_vote_or_a_follow_keeps_the_ideas_rendered_comments(client, ideas, voter, change):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    comment_create(idea=ideas[0], author=UserFactory(), body="Un premier avis sur ce quai")
    url = ideas[0].get_absolute_url()
    client.get(url)
    CHANGES[change](ideas[0], voter)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).content.decode()
    assert "Un premier avis sur ce quai" in page
    assert not [query for query in queries.captured_queries if "ideas_comment" in query["sql"]]


def test_a_comment_approved_shows_on_its_idea_page_at_once(client, ideas, voter):
    url = ideas[0].get_absolute_url()
    held = _held_comment(ideas[0], voter)
    assert "modérateurs relisent" not in client.get(url).content.decode()
    content_set_moderation_state(content=held, state=ModerationState.APPROVED)
    page = client.get(url).content.decode()
    assert "Un avis que les modérateurs relisent" in page
    assert re.search(r'id="comments-title"[^>]*>1 ', page)


# --- A new idea, published, held or hidden: listings and its own page, no other idea's ------


def _moderate(idea, state):
    content_set_moderation_state(content=idea, state=state)


def _moderate_batch(idea, state):
    from ideas.services import ideas_set_moderation_state

    ideas_set_moderation_state(ideas=[idea], state=state)


@pytest.mark.parametrize("moderate", [_moderate, _moderate_batch], ids=["one", "batch"])
def test_a_new_idea_reaches_the_listings_and_leaves_other_idea_pages_cached(
    client, ideas, voter, community_a, moderate, django_assert_num_queries
):
    pages = [idea.get_absolute_url() for idea in ideas]
    for url in [*pages, "/ideas/?sort=new"]:
        client.get(url)
    posted = make_idea(community_a, voter, title="Un abri pour les vélos au quai 3")
    assert "Un abri pour les vélos au quai 3" in client.get("/ideas/?sort=new").content.decode()
    for url in pages:
        with django_assert_num_queries(0):
            assert client.get(url).status_code == 200

    moderate(posted, ModerationState.HIDDEN)
    assert "Un abri pour les vélos au quai 3" not in client.get("/ideas/?sort=new").content.decode()
    assert client.get(posted.get_absolute_url()).status_code == 404
    for url in pages:
        with django_assert_num_queries(0):
            assert client.get(url).status_code == 200

    moderate(posted, ModerationState.APPROVED)
    assert "Un abri pour les vélos au quai 3" in client.get("/ideas/?sort=new").content.decode()
    assert client.get(posted.get_absolute_url()).status_code == 200


def test_hiding_an_idea_with_a_duplicate_renders_the_duplicates_page_anew(client, ideas, moderator_a):
    """A duplicate's page names the idea it was merged into: no page of its own for that."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ideas.services import idea_merge

    idea_merge(duplicate=ideas[1], original=ideas[0], user=moderator_a)
    duplicate = Idea.objects.get(pk=ideas[1].pk).get_absolute_url()
    client.get(duplicate)
    _moderate(Idea.objects.get(pk=ideas[0].pk), ModerationState.HIDDEN)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(duplicate).status_code == 200
    assert len(queries) > 0


def test_a_page_is_never_kept_with_a_thread_older_than_its_key(client, ideas, voter, clock, settings):
    """Each process re-reads each version on its own schedule: when its copy of the idea's
    version is new and its copy of the thread's still old, the page it renders shows the old
    thread; that page must not stay under the key every process reads once both are new."""
    settings.LOCAL_CACHE_SECONDS = 1
    idea, url = ideas[0], ideas[0].get_absolute_url()
    community_id = idea.community_id
    client.get(url)  # both copies read at t=1000
    clock[0] += 1.2
    community_cache.thread_versions(community_id, idea.pk)  # the thread's copy read again at t=1001.2
    # Another process records a comment: the versions move in Redis, not in this process.
    Comment.objects.create(
        idea=idea,
        author=voter,
        body="Un avis d'un autre processus",
        body_html="<p>Un avis d'un autre processus</p>",
        moderation_state=ModerationState.APPROVED,
    )
    cache.incr(community_cache.IDEA_VERSION_KEY.format(community_id, idea.pk))
    cache.incr(community_cache.THREAD_VERSION_KEY.format(community_id, idea.pk))
    clock[0] += 0.9  # t=1002.1: the idea's copy is re-read (new), the thread's is not (old)
    client.get(url)
    clock[0] += 1.0  # both copies are new everywhere
    assert "Un avis d'un autre processus" in client.get(url).content.decode()
