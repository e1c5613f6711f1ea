"""The list endpoint is the site's listing: the same filters and sorts give the same ideas
in the same order; cursor pages never repeat or skip an idea; the query count does not
grow with the page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ideas import services
from ideas.models import IdeaStats
from tests.api.conftest import ApiClient
from tests.factories import CategoryFactory, UserFactory, make_idea

CARD = re.compile(r'id="idea-(\d+)-title"')


@pytest.fixture
def varied(community_a):
    """25 ideas with spread votes, comments, statuses, categories, tags, answers."""
    transport = CategoryFactory(community=community_a, slug="transport")
    service = CategoryFactory(community=community_a, slug="service")
    planned = community_a.statuses.get(slug="planned")
    voters = [UserFactory() for _ in range(6)]
    ideas = []
    for number in range(25):
        idea = make_idea(
            community_a,
            title=f"Idée numéro {number} pour les trains" + (" wifi" if number % 4 == 0 else ""),
            body="Le wifi dans les trains." if number % 3 == 0 else "Des prises.",
            category=(transport, service, None)[number % 3],
            tags=["confort"] if number % 2 else ["wifi", "gare"],
        )
        for voter in voters[: number % 7]:
            services.vote_set(idea=idea, user=voter, value=1)
        for _ in range(number % 5):
            services.comment_create(idea=idea, author=voters[0], body="Oui, bonne idée.")
        if number % 4 == 1:
            services.idea_set_status(idea=idea, status=planned, user=None)
        if number % 6 == 2:
            IdeaStats.objects.filter(pk=idea.pk).update(answered_at=timezone.now() - timedelta(hours=number))
        ideas.append(idea)
    return ideas


def site_ids(query: dict) -> list[int]:
    page = Client().get("/ideas/", query, HTTP_HOST="ideas.brand-a.test")
    assert page.status_code == 200
    return [int(pk) for pk in CARD.findall(page.content.decode())]


QUERIES = [
    {},
    {"sort": "hot"},
    {"sort": "top"},
    {"sort": "new"},
    {"sort": "discussed"},
    {"sort": "answered"},
    {"status": "planned"},
    {"status": "planned", "sort": "top"},
    {"category": "transport"},
    {"category": "service", "sort": "new"},
    {"tag": "wifi"},
    {"tag": "confort", "sort": "discussed"},
    {"q": "wifi"},
    {"q": "wifi", "sort": "top"},
    {"q": "trains", "status": "planned"},
]


def test_each_filter_and_sort_lists_what_the_site_lists(api_as, admin_a, community_a, varied):
    # Every query on one set of data (building it is most of the cost); each mismatch named.
    api = api_as(admin_a, community_a, ["read"])
    mismatches = []
    for query in QUERIES:
        answer = api.get("/ideas", {**query, "limit": 20})
        assert answer.status_code == 200, (query, answer.content)
        expected = site_ids(query)
        assert expected, f"the data should make {query} find something"
        listed = [row["id"] for row in answer.json()["results"]]
        if listed != expected:
            mismatches.append((query, listed, expected))
    assert mismatches == []


def _walk(api, query: dict, *, between=None) -> list[int]:
    seen, cursor, pages = [], "", 0
    while True:
        answer = api.get("/ideas", {**query, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.content
        body = answer.json()
        seen.extend(row["id"] for row in body["results"])
        pages += 1
        if between and pages == 1:
            between()
        if not body["next_cursor"]:
            assert body["next"] is None
            return seen
        assert body["next"].startswith("http://ideas.brand-a.test/api/v1/ideas?")
        cursor = body["next_cursor"]


@pytest.mark.parametrize("sort", ["hot", "top", "new", "discussed", "answered", "relevance"])
def test_cursor_pages_cover_the_listing_once_even_with_ideas_posted_meanwhile(
    api_as, admin_a, community_a, varied, sort
):
    api = api_as(admin_a, community_a, ["read"])
    query = {"sort": sort, "limit": 4, **({"q": "trains"} if sort == "relevance" else {})}
    everything = [row["id"] for row in api.get("/ideas", {**query, "limit": 100}).json()["results"]]
    assert len(everything) == 25

    def post_more():
        for number in range(3):
            make_idea(community_a, title=f"Nouvelle idée pendant la lecture {number}", body="Des trains")

    walked = _walk(api, query, between=post_more if sort != "relevance" else None)
    assert len(walked) == len(set(walked)), "an idea showed twice"
    if sort == "new":
        assert walked == everything  # the new ideas are before the cursor: never seen, nothing shifted
    else:
        assert set(everything) <= set(walked)


def test_a_forged_or_foreign_cursor_is_a_400(api_as, admin_a, community_a, varied):
    api = api_as(admin_a, community_a, ["read"])
    cursor = api.get("/ideas", {"sort": "top", "limit": 2}).json()["next_cursor"]
    assert api.get("/ideas", {"cursor": cursor[:-3] + "abc", "sort": "top"}).status_code == 400
    assert api.get("/ideas", {"cursor": "garbage", "sort": "top"}).status_code == 400
    wrong_sort = api.get("/ideas", {"cursor": cursor, "sort": "new"})
    assert wrong_sort.status_code == 400
    assert wrong_sort.json()["fields"]["cursor"]


@pytest.mark.parametrize("count", [5, 50])
def test_a_list_page_costs_the_same_queries_for_5_or_50_ideas(
    api_as, admin_a, member_a, community_a, django_assert_max_num_queries, count
):
    for number in range(count):
        make_idea(community_a, member_a, title=f"Idée de budget {number}", tags=["a", "b"])
    key = api_as(admin_a, community_a, ["read"])
    session = ApiClient(client=Client())
    session.client.force_login(member_a)
    for api in (key, session):
        api.get("/statuses")  # the key's first use writes its last-use time
        with django_assert_max_num_queries(8):
            answer = api.get("/ideas", {"limit": 50, "sort": "top"})
        assert len(answer.json()["results"]) == count


def test_unknown_filter_values_are_refused_like_on_the_site(api_as, admin_a, community_a, varied):
    api = api_as(admin_a, community_a, ["read"])
    for query in ({"status": "nope"}, {"category": "nope"}, {"sort": "best"}, {"limit": 0}, {"limit": 1000}):
        answer = api.get("/ideas", query)
        assert answer.status_code == 400, query
        assert answer.json()["fields"]
