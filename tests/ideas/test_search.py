"""Search and similar ideas on PostgreSQL, with French text."""

from __future__ import annotations

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
    assert set(first) == {"id", "title", "url", "votes", "status"}
    assert first["title"] == "Du Wi-Fi stable dans tous les trains"
    assert first["url"] == french_ideas["wifi"].get_absolute_url()
    assert first["status"] == "Nouvelle"


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
    assert search._guarded(slow) == []
    assert "Search cancelled" in caplog.text
    assert Idea.objects.count() == 1  # the connection is usable afterwards
