"""Pages make a fixed number of queries, whatever the number of ideas or comments shown."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ideas import selectors
from ideas.services import comment_create, vote_toggle
from tests.factories import UserFactory, make_idea

# Runs on the embedded default (SQLite) as well.
pytestmark = pytest.mark.smoke

LIST_AND_HOME_BUDGET = 8
DETAIL_BUDGET = 12


def populate(community, count: int, voter) -> None:
    author = UserFactory()
    for number in range(count):
        idea = make_idea(community, author, title=f"Idée numéro {number}", tags=["wifi", f"tag-{number % 3}"])
        if number % 2:
            vote_toggle(idea=idea, user=voter)


def count_queries(client, url: str) -> int:
    client.get(url)  # warm the per-community caches (host, statuses, categories)
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
    few = count_queries(client, url)
    populate(community_a, 45, member_b)
    many = count_queries(client, url)
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
    few = count_queries(client, url)
    top_level = list(idea_a.comments.all())
    for number in range(95):
        parent = top_level[number % 5] if number % 3 == 0 else None
        comment_create(idea=idea_a, author=commenters[number % 10], body=f"Réponse {number}", parent=parent)
    many = count_queries(client, url)
    assert client.get(url).content.decode().count('class="comment') >= 100
    assert few == many
    assert many <= DETAIL_BUDGET
