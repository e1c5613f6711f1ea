"""Search and similar ideas on PostgreSQL, with French text."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ideas.selectors import idea_search, ideas_similar
from tests.factories import make_idea


@pytest.fixture
def french_ideas(community_a, member_a):
    return {
        "booking": make_idea(
            community_a, member_a, title="Simplifier la réservation des places vélo", body="Trop d’étapes aujourd’hui."
        ),
        "wifi": make_idea(community_a, member_a, title="Du Wi-Fi stable dans tous les trains", body="Pour travailler."),
        "food": make_idea(
            community_a,
            member_a,
            title="Des repas chauds au bar",
            body="La réservation d’un repas à l’avance serait pratique.",
        ),
    }


def titles(ideas) -> list[str]:
    return [idea.title for idea in ideas]


@pytest.mark.parametrize("query", ["réservations", "reservation", "RÉSERVATION", "réserver"])
def test_french_search_finds_inflections_and_ignores_accents(french_ideas, community_a, member_a, query):
    found = titles(idea_search(community_a, member_a, query))
    assert found[0] == "Simplifier la réservation des places vélo"  # in the title: ranked first
    assert "Des repas chauds au bar" in found  # in the body: found, ranked after
    assert "Du Wi-Fi stable dans tous les trains" not in found


def test_search_in_an_english_community_stems_english(community_b, member_b):
    community_b.default_language = "en"
    community_b.save()
    make_idea(community_b, member_b, title="More bike spaces on trains", body="Cyclists need room.")
    assert titles(idea_search(community_b, member_b, "bikes")) == ["More bike spaces on trains"]


def test_search_never_leaves_the_community(french_ideas, community_b, member_b):
    make_idea(community_b, member_b, title="Réservation de taxis à l’arrivée", body="Pratique.")
    assert titles(idea_search(community_b, member_b, "réservation")) == ["Réservation de taxis à l’arrivée"]


def test_search_ignores_hostile_query_syntax(french_ideas, community_a, member_a):
    for query in ['"réservation', "réservation & | ! :*", "(((", "' OR 1=1 --"]:
        list(idea_search(community_a, member_a, query))  # no database error


def test_the_list_page_searches(client, french_ideas):
    response = client.get(reverse("ideas:list"), {"q": "réservations"})
    assert response.status_code == 200
    assert response.context["page"].object_list[0].title.startswith("Simplifier la réservation")


@pytest.mark.parametrize("typed", ["le wifi dans le train", "wi-fi dans les trains", "Du wifi stable"])
def test_similar_ideas_suggest_the_existing_wifi_idea(french_ideas, community_a, typed):
    assert "Du Wi-Fi stable dans tous les trains" in titles(ideas_similar(community_a, typed))


def test_similar_ideas_answer_the_json_of_the_url_contract(client, french_ideas):
    response = client.get(reverse("ideas:similar"), {"title": "le wifi dans le train"})
    assert response.status_code == 200
    [first, *_rest] = response.json()
    assert set(first) == {"id", "title", "url", "votes", "status", "vote_url", "can_vote", "voted"}
    assert first["title"] == "Du Wi-Fi stable dans tous les trains"
    assert first["url"] == french_ideas["wifi"].get_absolute_url()
    assert first["status"] == "Nouvelle"
    assert first["vote_url"] == reverse("ideas:vote", args=[french_ideas["wifi"].pk])
    assert first["can_vote"] is True
    assert first["voted"] is None  # a visitor: the page cannot tell


def test_similar_ideas_are_at_most_five_and_need_a_few_letters(community_a, member_a, client):
    for number in range(8):
        make_idea(community_a, member_a, title=f"Wi-Fi à bord, proposition {number}")
    assert len(ideas_similar(community_a, "wifi à bord")) == 5
    assert client.get(reverse("ideas:similar"), {"title": "wi"}).json() == []
    assert client.get(reverse("ideas:similar"), {"title": "x" * 201}).status_code == 400


def test_similar_ideas_show_only_public_ideas(community_a, member_a):
    community_a.moderation_mode = "pre"
    community_a.save()
    make_idea(community_a, member_a, title="Du Wi-Fi en attente de relecture")
    assert ideas_similar(community_a, "wifi en attente") == []


@pytest.mark.smoke
def test_search_and_similar_ideas_work_on_every_database(french_ideas, community_a, member_a):
    # On SQLite (the smoke set) this exercises the plain fallback of ideas/search.py.
    assert titles(idea_search(community_a, member_a, "réservation"))[0] == "Simplifier la réservation des places vélo"
    assert "Du Wi-Fi stable dans tous les trains" in titles(ideas_similar(community_a, "wi-fi dans les trains"))


def test_a_broad_search_ranks_the_most_voted_matches_and_says_there_are_more(
    client, community_a, member_a, monkeypatch
):
    from ideas import search
    from ideas.models import IdeaStats

    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 3)
    monkeypatch.setattr("ideas.views.SEARCH_CANDIDATES", 3)
    ideas = [make_idea(community_a, member_a, title=f"Un train de nuit numéro {n}") for n in range(5)]
    for votes, idea in enumerate(ideas):
        IdeaStats.objects.filter(pk=idea.pk).update(votes=votes * 10)
    response = client.get(reverse("ideas:list"), {"q": "train"})
    page = response.content.decode()
    shown = [idea.title for idea in ideas if idea.title in page]
    assert shown == [idea.title for idea in ideas[2:]]  # the three most voted
    assert "Plus de 3 idées" in page


def test_a_search_that_runs_too_long_is_cancelled_and_finds_nothing(community_a, member_a, monkeypatch, caplog):
    from django.db.models.expressions import RawSQL

    from ideas import search
    from ideas.models import Idea

    make_idea(community_a, member_a, title="Un train de nuit")
    monkeypatch.setattr(search, "SEARCH_TIMEOUT_MS", 20)
    slow = Idea.objects.filter(pk__in=RawSQL("SELECT id FROM ideas_idea WHERE pg_sleep(0.5) IS NOT NULL", []))
    assert search._guarded(lambda: list(slow)) is None
    assert "Search cancelled" in caplog.text
    assert Idea.objects.count() == 1  # the connection is usable afterwards


def set_votes(idea, votes: int) -> None:
    from ideas.models import IdeaStats

    IdeaStats.objects.filter(pk=idea.pk).update(votes=votes)


def test_it_ranks_the_capped_candidates_by_relevance_then_newest_first(community_a, member_a, monkeypatch):
    from ideas import search

    monkeypatch.setattr(search, "SEARCH_CANDIDATES", 3)
    least_voted = make_idea(community_a, member_a, title="Une gare plus accueillante", body="Des bancs.")
    older_in_body = make_idea(community_a, member_a, title="Des bancs partout", body="Sur le quai de la gare.")
    in_title = make_idea(community_a, member_a, title="Des toilettes à la gare", body="Propres.")
    newer_in_body = make_idea(community_a, member_a, title="Des abris partout", body="Sur le quai de la gare.")
    for votes, idea in [(0, least_voted), (30, older_in_body), (20, in_title), (10, newer_in_body)]:
        set_votes(idea, votes)
    found = list(idea_search(community_a, member_a, "gare"))
    # The three most voted matches; the title first; equal ranks, the newest first.
    assert found == [in_title, newer_in_body, older_in_body]
    assert found[0].rank > found[1].rank == found[2].rank


def test_it_searches_within_the_listing_filters(client, community_a, member_a):
    make_idea(community_a, member_a, title="Une gare plus accueillante", tags=["accueil"])
    make_idea(community_a, member_a, title="Des toilettes à la gare", tags=["proprete"])
    make_idea(community_a, member_a, title="Un accueil à bord", tags=["accueil"])
    response = client.get(reverse("ideas:list"), {"q": "gare", "tag": "accueil"})
    page = response.context["page"]
    assert [idea.title for idea in page.object_list] == ["Une gare plus accueillante"]
    assert page.paginator.count == 1
    assert not response.context["search_capped"]


def count_search_queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm the per-community caches (host, statuses, categories)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# The candidates, in a transaction of their own for its settings, rolled back: in a test,
# within the test's transaction, 6 queries (a savepoint, the settings, the ids matching the
# term, the ranked candidates, the savepoint rolled back then released; 3 in production,
# BEGIN and ROLLBACK aside). Then the page's ids, its cards and their tags; the count is
# cached for a minute. Not shared between readers here (test_search_plan.py shares them).
SEARCH_PAGE_BUDGET = 9


# The search page's query count, constant in its matches on either plan:
# tests/ideas/test_search_plan.py.


def test_it_suggests_similar_ideas_in_the_same_queries_for_5_and_50_candidates(client, community_a, member_a):
    url = reverse("ideas:similar") + "?title=Des+prises+dans+les+trains"
    for number in range(5):
        make_idea(community_a, member_a, title=f"Des prises dans les trains, numéro {number}")
    few = count_search_queries(client, url)
    for number in range(5, 50):
        make_idea(community_a, member_a, title=f"Des prises dans les trains, numéro {number}")
    many = count_search_queries(client, url)
    assert len(client.get(url).json()) == 5
    # The closest ids in one query (with BEGIN, SET LOCAL and COMMIT), then their cards.
    assert few == many <= 5


# --- Accents, case, hyphens and tags, on both databases (issue #12) -----------------------


@pytest.fixture
def connected_ideas(community_a, member_a):
    return {
        "hyphen": make_idea(
            community_a, member_a, title="Du Wi-Fi stable dans tous les trains", body="Pour travailler."
        ),
        "tagged": make_idea(
            community_a, member_a, title="Rester connecté à bord", body="Sans coupure entre deux gares.", tags=["wifi"]
        ),
        "plain": make_idea(community_a, member_a, title="Le wifi gratuit en gare", body="Dans les salles d’attente."),
    }


@pytest.mark.smoke
@pytest.mark.parametrize("query", ["réservation", "reservation", "RESERVATION", "Réservation", "RÉSERVATION"])
def test_it_finds_words_whatever_their_accents_and_case(french_ideas, community_a, member_a, query):
    found = titles(idea_search(community_a, member_a, query))
    assert found[0] == "Simplifier la réservation des places vélo"
    assert "Des repas chauds au bar" in found
    assert "Du Wi-Fi stable dans tous les trains" not in found


@pytest.mark.smoke
@pytest.mark.parametrize("query", ["wifi", "Wi-Fi", "WIFI", "wi-fi"])
def test_it_matches_hyphenated_words_both_ways_and_searches_tags(connected_ideas, community_a, member_a, query):
    found = titles(idea_search(community_a, member_a, query))
    assert sorted(found) == sorted(idea.title for idea in connected_ideas.values())


@pytest.mark.smoke
def test_it_finds_an_idea_by_a_tag_given_after_posting(connected_ideas, community_a, member_a):
    from ideas.services import idea_update

    idea = connected_ideas["plain"]
    idea_update(idea=idea, user=member_a, title=idea.title, body=idea.body, tags=["accessibilité"])
    assert titles(idea_search(community_a, member_a, "accessibilite")) == ["Le wifi gratuit en gare"]


@pytest.mark.smoke
def test_a_search_without_result_says_so_and_offers_to_post_the_idea(client, connected_ideas):
    response = client.get(reverse("ideas:list"), {"q": "train de nuit"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Aucune idée ne correspond à « train de nuit »." in page
    assert f'href="{reverse("ideas:create")}?title=train%20de%20nuit"' in page


@pytest.mark.smoke
@pytest.mark.parametrize(("query", "count"), [("gratuit", "1 idée correspond à « gratuit »"), ("wifi", "3 idées")])
def test_a_search_says_how_many_ideas_match(client, connected_ideas, query, count):
    page = client.get(reverse("ideas:list"), {"q": query}).content.decode()
    assert count in page


def test_the_search_box_sorts_by_relevance_and_the_list_by_hot(client, connected_ideas):
    # The sort is a row of tabs; the first sends no sort and is current by default.
    searched = client.get(reverse("ideas:list"), {"q": "wifi"}).content.decode()
    assert re.search(r'<a href="/ideas/\?q=wifi" aria-current="page">Pertinence</a>', searched)
    listed = client.get(reverse("ideas:list")).content.decode()
    assert "Pertinence" not in listed and re.search(r'<a href="/ideas/" aria-current="page">Du moment</a>', listed)
    assert "Par défaut" not in listed  # one default, not a "Default" beside "Hot"


def test_a_search_typed_on_the_plain_list_is_ranked_by_relevance(client, connected_ideas):
    """The list's filter form sends no sort while the first tab ("Hot") is current, so a query
    typed on /ideas/ is ranked by relevance, not by hot."""
    listed = client.get(reverse("ideas:list")).content.decode()
    filter_form = (
        listed.split('id="filter-q"', 1)[0].rsplit("<form", 1)[1]
        + listed.split('id="filter-q"', 1)[1].split("</form>", 1)[0]
    )
    assert 'name="sort"' not in filter_form
    by_default = client.get(reverse("ideas:list"), {"q": "wifi", "sort": ""}).context["page"].object_list
    by_relevance = client.get(reverse("ideas:list"), {"q": "wifi", "sort": "relevance"}).context["page"].object_list
    assert [idea.pk for idea in by_default] == [idea.pk for idea in by_relevance]


@pytest.mark.smoke
def test_the_post_form_starts_with_the_title_searched(client, member_a):
    client.force_login(member_a)
    response = client.get(reverse("ideas:create"), {"title": "  Un train   de nuit  "})
    assert response.status_code == 200
    assert response.context["form"]["title"].value() == "Un train de nuit"
    assert 'value="Un train de nuit"' in response.content.decode()


def test_a_visitor_who_offers_the_searched_idea_comes_back_to_it_after_signing_in(client, connected_ideas):
    response = client.get(reverse("ideas:create"), {"title": "train de nuit"})
    assert response.status_code == 302
    assert response["Location"].endswith("?next=/ideas/new/%3Ftitle%3Dtrain%2Bde%2Bnuit")


def test_the_migration_indexes_existing_ideas_as_the_services_do(connected_ideas, community_a, member_a):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from ideas.models import Idea

    migration = importlib.import_module("ideas.migrations.0006_hot_monthly_and_search_tags")
    indexed = dict(Idea.objects.values_list("pk", "search_vector"))
    Idea.objects.update(search_vector=None)  # as before the migration: no tags, no joined words
    migration.search_forwards(apps, SimpleNamespace(connection=connection))
    assert dict(Idea.objects.values_list("pk", "search_vector")) == indexed
    assert len(titles(idea_search(community_a, member_a, "Wi-Fi"))) == 3
