"""Search picks its plan by how many ideas of the community match (ideas/search.py,
SELECTIVE_MATCHES): both plans find the same ideas in the same order and show only what the
reader may see; a search repeated by its readers is shared for a few seconds, never after
a change to what it shows."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ideas import search
from ideas.models import IdeaStats, ModerationState
from ideas.selectors import ListingFilters, idea_search, ideas_for_listing
from ideas.services import content_set_moderation_state, idea_merge
from tests.factories import make_idea
from tests.ideas.test_search import SEARCH_PAGE_BUDGET, count_search_queries

SELECTIVE = '"ideas_ideastats"."idea_id" = ANY'  # the selective plan reads stats rows by key


def plan_of(queries: CaptureQueriesContext) -> str:
    return "selective" if any(SELECTIVE in query["sql"] for query in queries.captured_queries) else "broad"


def force(monkeypatch, plan: str) -> None:
    # Every term is selective below a threshold above all its matches, broad above none.
    monkeypatch.setattr(search, "SELECTIVE_MATCHES", 10_000 if plan == "selective" else 0)


@pytest.fixture(autouse=True)
def _not_shared(settings):
    # Each search here reads the database unless a test shares it on purpose.
    settings.SEARCH_SHARED_SECONDS = 0


@pytest.fixture
def stations(community_a, member_a):
    """Ideas about stations with distinct vote counts, some with the word in the title."""
    in_title = [make_idea(community_a, member_a, title=f"Une gare accueillante, numéro {n}") for n in range(4)]
    in_body = [
        make_idea(community_a, member_a, title=f"Des bancs, numéro {n}", body="Sur le quai de la gare.")
        for n in range(4)
    ]
    ideas = in_title + in_body
    for votes, idea in zip([5, 40, 0, 12, 30, 7, 30, 1], ideas, strict=True):
        IdeaStats.objects.filter(pk=idea.pk).update(votes=votes)
    make_idea(community_a, member_a, title="Des repas chauds au bar", body="Rien à voir.")
    return ideas


def found_with(monkeypatch, plan: str, find) -> list[tuple[int, float]]:
    force(monkeypatch, plan)
    with CaptureQueriesContext(connection) as queries:
        found = [(idea.pk, idea.rank) for idea in find()]
    assert plan_of(queries) == plan
    return found


@pytest.mark.parametrize("sort", ["relevance", "top", "new"])
@pytest.mark.parametrize("candidates", [3, 500])
def test_it_finds_the_same_ideas_in_the_same_order_by_either_plan(
    stations, community_a, member_a, monkeypatch, sort, candidates
):
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", candidates)

    def find():
        return ideas_for_listing(community_a, member_a, ListingFilters(q="gare", sort=sort))

    selective = found_with(monkeypatch, "selective", find)
    broad = found_with(monkeypatch, "broad", find)
    assert selective == broad
    assert len(selective) == min(candidates, 8)


def test_it_ranks_the_most_voted_matches_alike_under_the_listing_filters(stations, community_a, member_a, monkeypatch):
    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 2)
    new = stations[0].status
    filters = ListingFilters(q="gare", sort="relevance", status=new)

    def find():
        return ideas_for_listing(community_a, member_a, filters)

    assert found_with(monkeypatch, "selective", find) == found_with(monkeypatch, "broad", find)
    # The two most voted matches (40 and 30 votes; of the two with 30, the newer).
    assert {pk for pk, _rank in found_with(monkeypatch, "selective", find)} == {stations[1].pk, stations[6].pk}


def test_a_term_at_the_threshold_is_selective_and_one_match_more_is_broad(community_a, member_a, monkeypatch):
    monkeypatch.setattr(search, "SELECTIVE_MATCHES", 3)
    ideas = [make_idea(community_a, member_a, title=f"Une trottinette pliante, modèle {n}") for n in range(3)]

    def find():
        with CaptureQueriesContext(connection) as queries:
            found = list(idea_search(community_a, member_a, "trottinette"))
        return plan_of(queries), found

    plan, found = find()
    assert plan == "selective"
    assert sorted(found, key=lambda idea: idea.pk) == ideas
    ideas.append(make_idea(community_a, member_a, title="Une trottinette électrique"))
    plan, found = find()
    assert plan == "broad"
    assert sorted(found, key=lambda idea: idea.pk) == ideas


def test_matches_in_another_community_do_not_make_a_term_broad(
    community_a, member_a, community_b, member_b, monkeypatch
):
    monkeypatch.setattr(search, "SELECTIVE_MATCHES", 2)
    mine = make_idea(community_a, member_a, title="Une trottinette pliante")
    for n in range(3):
        make_idea(community_b, member_b, title=f"Une trottinette de location {n}")
    with CaptureQueriesContext(connection) as queries:
        found = list(idea_search(community_a, member_a, "trottinette"))
    assert plan_of(queries) == "selective"
    assert found == [mine]


@pytest.mark.parametrize("plan", ["selective", "broad"])
def test_either_plan_shows_only_what_the_reader_may_see(
    community_a, member_a, moderator_a, community_b, member_b, monkeypatch, plan
):
    force(monkeypatch, plan)
    shown = make_idea(community_a, member_a, title="Une trottinette pliante")
    hidden = make_idea(community_a, member_a, title="Une trottinette cachée")
    content_set_moderation_state(content=hidden, state=ModerationState.HIDDEN)
    held = make_idea(community_a, member_a, title="Une trottinette en attente")
    content_set_moderation_state(content=held, state=ModerationState.PENDING)
    merged = make_idea(community_a, member_a, title="Une trottinette en double")
    idea_merge(duplicate=merged, original=shown, user=moderator_a)
    make_idea(community_b, member_b, title="Une trottinette ailleurs")

    def titles(user, community=community_a, **filters) -> list[str]:
        return [idea.title for idea in ideas_for_listing(community, user, ListingFilters(q="trottinette", **filters))]

    assert titles(member_a) == ["Une trottinette pliante"]
    assert titles(moderator_a) == ["Une trottinette pliante"]  # lists show listed ideas to all
    # The author's own held and hidden ideas, to see where they stand; not the merged one.
    assert sorted(titles(member_a, mine=True)) == [
        "Une trottinette cachée",
        "Une trottinette en attente",
        "Une trottinette pliante",
    ]
    assert titles(moderator_a, mine=True) == []
    assert titles(member_b, community_b) == ["Une trottinette ailleurs"]


def test_a_search_inside_a_transaction_leaves_its_settings_behind(community_a, member_a):
    make_idea(community_a, member_a, title="Une trottinette pliante")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('statement_timeout'), current_setting('enable_seqscan')")
        before = cursor.fetchone()
        with transaction.atomic():
            assert len(idea_search(community_a, member_a, "trottinette")) == 1
            cursor.execute("SELECT current_setting('statement_timeout'), current_setting('enable_seqscan')")
            assert cursor.fetchone() == before


@pytest.mark.parametrize("plan", ["selective", "broad"])
def test_either_plan_serves_a_search_page_in_the_same_queries_for_5_and_50_matches(
    client, community_a, member_a, monkeypatch, plan
):
    from ideas import selectors

    force(monkeypatch, plan)
    monkeypatch.setattr(selectors, "PAGE_SIZE", 50)
    url = reverse("ideas:list") + "?q=gare"
    for number in range(5):
        make_idea(community_a, member_a, title=f"Une gare numéro {number}", tags=["gare"])
    few = count_search_queries(client, url)
    for number in range(5, 50):
        make_idea(community_a, member_a, title=f"Une gare numéro {number}", tags=["gare"])
    many = count_search_queries(client, url)
    assert len(client.get(url).context["page"].object_list) == 50
    assert few == many <= SEARCH_PAGE_BUDGET


def test_a_repeated_search_is_shared_by_its_readers(client, community_a, member_a, settings):
    settings.SEARCH_SHARED_SECONDS = 30
    make_idea(community_a, member_a, title="Une trottinette pliante")
    url = reverse("ideas:list") + "?q=trottinette"
    first = count_search_queries(client, url)  # the second request of the two
    assert first <= 1  # at most the session's; no search, no page of ideas
    assert "Une trottinette pliante" in client.get(url).content.decode()


def test_a_shared_search_never_shows_an_idea_hidden_or_erased_since(client, community_a, member_a, settings):
    from ideas.services import ideas_delete

    settings.SEARCH_SHARED_SECONDS = 30
    url = reverse("ideas:list") + "?q=trottinette"
    kept = make_idea(community_a, member_a, title="Une trottinette pliante")
    hidden = make_idea(community_a, member_a, title="Une trottinette cachée")
    erased = make_idea(community_a, member_a, title="Une trottinette effacée")
    page = client.get(url).content.decode()
    assert all(idea.title in page for idea in (kept, hidden, erased))
    content_set_moderation_state(content=hidden, state=ModerationState.HIDDEN)
    ideas_delete(ideas=type(erased).objects.filter(pk=erased.pk))
    page = client.get(url).content.decode()
    assert kept.title in page
    assert hidden.title not in page
    assert erased.title not in page
    added = make_idea(community_a, member_a, title="Une trottinette neuve")
    assert added.title in client.get(url).content.decode()


def test_a_search_of_my_own_ideas_is_never_shared(client, community_a, member_a, settings):
    settings.SEARCH_SHARED_SECONDS = 30
    make_idea(community_a, member_a, title="Une trottinette pliante")
    client.force_login(member_a)
    url = reverse("ideas:list") + "?q=trottinette&mine=1"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert "Une trottinette pliante" in client.get(url).content.decode()
    assert "to_tsquery" in " ".join(query["sql"] for query in queries.captured_queries)
