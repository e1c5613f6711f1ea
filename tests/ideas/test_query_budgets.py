"""Pages make a fixed number of queries, whatever the number of ideas or comments shown."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.cache import content_changed
from ideas import selectors
from ideas.services import comment_create, vote_toggle
from tests.factories import UserFactory, make_idea

# Runs on the embedded default (SQLite) as well.
pytestmark = pytest.mark.smoke

LIST_AND_HOME_BUDGET = 8
DETAIL_BUDGET = 12
# A vote: the narrow idea with the member's role, the sanction check, the vote and the
# follow inserts, the counters' UPDATE ... RETURNING, the author's points (ledger, total),
# the community's webhook endpoints that may want `vote.cast` (one indexed read,
# integrations/services.py), and the transaction's savepoint and release (BEGIN and COMMIT in
# production, where this one transaction holds it all). The session and the member come from
# the cache (accounts.member_cache), as on every signed-in request.
VOTE_BUDGET = 10
# A comment: the same first two, the comment, the follow, the counters, the mentions the
# notification reads, the points (two), moderation_submit (five, its own, with its check's
# outbox job), the notification's outbox job, the savepoint and release, and the count shown.
COMMENT_BUDGET = 18


def populate(community, count: int, voter) -> None:
    author = UserFactory()
    for number in range(count):
        idea = make_idea(community, author, title=f"Idée numéro {number}", tags=["wifi", f"tag-{number % 3}"])
        if number % 2:
            vote_toggle(idea=idea, user=voter)


def count_queries(client, url: str, community) -> int:
    """Queries of the page as rendered. A visitor's copy from the shared page cache costs
    none (tests/ideas/test_shared_pages.py); here it is dropped to measure the rendering."""
    client.get(url)  # warm the per-community caches (host, statuses, categories)
    content_changed(community.pk)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def shown_at_once(monkeypatch):
    # Pages show up to 50 ideas, so that 5 and 50 are both "all of them".
    monkeypatch.setattr(selectors, "PAGE_SIZE", 50)
    monkeypatch.setattr(selectors, "HOME_SIZE", 50)


@pytest.mark.parametrize("url", ["/", "/ideas/", "/ideas/?sort=top&status=new", "/ideas/?tag=wifi", "/roadmap/"])
@pytest.mark.parametrize("signed_in", [False, True])
def test_list_pages_cost_the_same_for_5_and_50_ideas(client, community_a, member_b, shown_at_once, url, signed_in):
    if signed_in:
        client.force_login(member_b)
    populate(community_a, 5, member_b)
    few = count_queries(client, url, community_a)
    populate(community_a, 45, member_b)
    many = count_queries(client, url, community_a)
    content_changed(community_a.pk)  # rendered again, so that its context can be read
    shown = client.get(url).context.get("page")
    if shown is not None:
        assert len(shown.object_list) == 50
    assert few == many
    assert many <= LIST_AND_HOME_BUDGET


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_idea_page_with_100_comments_stays_within_budget(client, community_a, idea_a, member_b, signed_in):
    if signed_in:
        client.force_login(member_b)
    url = idea_a.get_absolute_url()
    commenters = [UserFactory() for _ in range(10)]
    for number in range(5):
        comment_create(idea=idea_a, author=commenters[number % 10], body=f"Commentaire {number}")
    few = count_queries(client, url, community_a)
    top_level = list(idea_a.comments.all())
    for number in range(95):
        parent = top_level[number % 5] if number % 3 == 0 else None
        comment_create(idea=idea_a, author=commenters[number % 10], body=f"Réponse {number}", parent=parent)
    many = count_queries(client, url, community_a)
    assert client.get(url).content.decode().count('class="comment') >= 100
    assert few == many
    assert many <= DETAIL_BUDGET


def crowd_on(idea, count: int) -> None:
    """`count` other members vote on the idea (and so follow it)."""
    for _ in range(count):
        vote_toggle(idea=idea, user=UserFactory())


def post_counting(client, django_assert_max_num_queries, budget: int, url: str, data: dict, expect: int) -> int:
    with django_assert_max_num_queries(budget) as queries:
        response = client.post(url, data, HTTP_ACCEPT="application/json")
    assert response.status_code == expect, response.content
    return len(queries)


def test_a_vote_costs_the_same_on_an_idea_with_40_voters(client, community_a, member_b, django_assert_max_num_queries):
    quiet, busy = make_idea(community_a, title="Une idée calme"), make_idea(community_a, title="Une idée courue")
    crowd_on(busy, 40)
    client.force_login(member_b)
    client.post(reverse("ideas:vote", args=[make_idea(community_a).pk]), {"value": "1"})  # joins the community
    client.get("/")  # a new membership: the member and their roles are read afresh once
    costs = [
        post_counting(
            client, django_assert_max_num_queries, VOTE_BUDGET, reverse("ideas:vote", args=[idea.pk]), {"value": 1}, 200
        )
        for idea in (quiet, busy)
    ]
    assert costs[0] == costs[1]


def test_a_comment_costs_the_same_on_an_idea_with_40_followers_and_comments(
    client, community_a, member_b, django_assert_max_num_queries
):
    quiet, busy = make_idea(community_a, title="Une idée calme"), make_idea(community_a, title="Une idée courue")
    crowd_on(busy, 40)
    for number in range(40):
        comment_create(idea=busy, author=UserFactory(), body=f"Commentaire {number}")
    client.force_login(member_b)
    client.post(reverse("ideas:vote", args=[make_idea(community_a).pk]), {"value": "1"})  # joins the community
    client.get("/")  # a new membership: the member and their roles are read afresh once
    data = {"body": "Oui, et aussi dans les TER."}
    costs = [
        post_counting(
            client, django_assert_max_num_queries, COMMENT_BUDGET, reverse("ideas:comment", args=[idea.pk]), data, 201
        )
        for idea in (quiet, busy)
    ]
    assert costs[0] == costs[1]


# Suggestions while typing a title: the closest ids under a statement timeout (savepoint,
# timeout, query, release), the ideas; for a member also the session, the member and
# their votes on the suggestions.
SIMILAR_BUDGET = {False: 5, True: 8}


@pytest.mark.parametrize("signed_in", [False, True])
def test_similar_ideas_cost_the_same_for_1_and_5_suggestions(client, community_a, member_b, signed_in):
    voter = UserFactory()
    if signed_in:
        client.force_login(member_b)
    url = reverse("ideas:similar")
    captured_sql: list[str] = []
    params = {"title": "wifi à bord"}

    def queries(expected: int) -> int:
        client.get(url, params)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
        captured_sql[:] = [query["sql"][:150] for query in captured]
        assert response.status_code == 200
        assert len(response.json()) == expected
        if signed_in:
            assert any(idea["voted"] for idea in response.json()) == (expected > 1)
        return len(captured)

    make_idea(community_a, UserFactory(), title="Wi-Fi à bord, proposition 0")
    one = queries(1)
    for number in range(1, 5):
        idea = make_idea(community_a, UserFactory(), title=f"Wi-Fi à bord, proposition {number}")
        vote_toggle(idea=idea, user=voter)
        if signed_in:
            vote_toggle(idea=idea, user=member_b)
    assert queries(5) == one <= SIMILAR_BUDGET[signed_in], captured_sql
