"""What "du moment" means (docs/ideas.md): the home's hot open ideas and latest official
answers, the hot score, and the sorts of the list (issue #12)."""

from __future__ import annotations

import importlib
import math
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from ideas.models import Idea, IdeaStats, Vote
from ideas.responses import response_create, response_publish, response_withdraw
from ideas.services import hot_epoch_of, hot_score, idea_set_status, stats_recount
from tests.factories import make_idea

# Runs on the embedded default (SQLite) as well.
pytestmark = pytest.mark.smoke

MIGRATION = importlib.import_module("ideas.migrations.0006_hot_monthly_and_search_tags")


def voters(count: int) -> list[User]:
    existing = User.objects.filter(username__startswith="fan-").count()
    names = [f"fan-{number}" for number in range(existing, existing + count)]
    return User.objects.bulk_create(
        [User(username=name, email=f"{name}@example.test", password=make_password(None)) for name in names]
    )


def idea_with(community, author, title: str, *, votes: int, age_days: float) -> Idea:
    """An idea posted `age_days` ago with `votes` up-votes, its score as the services keep it."""
    idea = make_idea(community, author, title=title)
    created_at = timezone.now() - timedelta(days=age_days)
    Idea.objects.filter(pk=idea.pk).update(created_at=created_at)
    IdeaStats.objects.filter(pk=idea.pk).update(created_at=created_at, hot_epoch=hot_epoch_of(created_at))
    Vote.objects.bulk_create([Vote(idea=idea, user=user) for user in voters(votes)])
    stats_recount(idea)
    return idea


def home_titles(client) -> list[str]:
    return [idea.title for idea in client.get("/").context["ideas"]]


def test_it_ranks_a_212_vote_idea_above_a_0_vote_one_of_about_the_same_age(client, community_a, member_a):
    popular = idea_with(community_a, member_a, "Du Wi-Fi qui fonctionne vraiment", votes=212, age_days=20)
    idea_with(community_a, member_a, "Un mode sombre", votes=0, age_days=1)
    idea_with(community_a, member_a, "Des bancs sur les quais", votes=1, age_days=20)
    idea_with(community_a, member_a, "Des prises à chaque siège", votes=0, age_days=20)
    # Three days per order of magnitude put the 0-vote idea first; the first vote did not count.
    assert home_titles(client) == [
        popular.title,
        "Un mode sombre",
        "Des bancs sur les quais",
        "Des prises à chaque siège",
    ]


def test_a_recent_idea_may_outrank_a_popular_one_from_last_year(client, community_a, member_a):
    idea_with(community_a, member_a, "Une idée de l’an dernier", votes=212, age_days=365)
    idea_with(community_a, member_a, "Une idée de cette semaine", votes=30, age_days=3)
    assert home_titles(client) == ["Une idée de cette semaine", "Une idée de l’an dernier"]


def test_the_hot_score_counts_the_first_vote_and_each_order_of_magnitude():
    assert hot_score(1, 0) > hot_score(0, 0) == 0
    assert hot_score(9, 0) == pytest.approx(1)
    assert hot_score(99, 0) == pytest.approx(2)
    assert hot_score(-9, 0) == pytest.approx(-1)
    # A month's head start is worth ten times the votes.
    month = hot_epoch_of(timezone.now()) - hot_epoch_of(timezone.now() - timedelta(days=30))
    assert month == pytest.approx(1)


def test_the_home_leaves_out_closed_ideas(client, community_a, member_a):
    done = idea_with(community_a, member_a, "Une idée réalisée", votes=50, age_days=2)
    declined = idea_with(community_a, member_a, "Une idée refusée", votes=40, age_days=2)
    planned = idea_with(community_a, member_a, "Une idée prévue", votes=30, age_days=2)
    idea_with(community_a, member_a, "Une idée nouvelle", votes=0, age_days=2)
    for idea, slug in ((done, "done"), (declined, "declined"), (planned, "planned")):
        idea_set_status(idea=idea, status=community_a.statuses.get(slug=slug), user=None, reason="Étudiée.")
    assert home_titles(client) == ["Une idée prévue", "Une idée nouvelle"]
    listed = client.get(reverse("ideas:list")).context["page"].object_list
    assert [idea.title for idea in listed][:2] == ["Une idée réalisée", "Une idée refusée"]  # the list keeps them


@pytest.fixture
def publish(django_capture_on_commit_callbacks, brand_manager_a):
    def run(idea, body: str, status: str = "planned"):
        response = response_create(
            idea=idea, user=brand_manager_a, body=body, status=idea.community.statuses.get(slug=status)
        )
        with django_capture_on_commit_callbacks(execute=True):
            response_publish(response=response, user=brand_manager_a)
        response.refresh_from_db()
        return response

    return run


def test_the_home_shows_the_latest_official_answers_newest_first(
    client, community_a, member_a, publish, brand_manager_a
):
    ideas = [make_idea(community_a, member_a, title=f"Une idée à laquelle on répond, n° {n}") for n in range(5)]
    for number, idea in enumerate(ideas[:4]):
        publish(idea, f"Réponse numéro {number} de la marque.")
    again = publish(ideas[0], "Réponse mise à jour sur la première idée.")
    withdrawn = publish(ideas[4], "Une réponse retirée aussitôt.")
    response_withdraw(response=withdrawn, user=brand_manager_a)

    page = client.get("/")
    shown = page.context["responses"]
    assert [response.idea.title for response in shown] == [ideas[0].title, ideas[3].title, ideas[2].title]
    assert shown[0] == again  # an idea answered twice: its latest answer
    content = page.content.decode()
    assert "Dernières réponses officielles" in content
    assert f'href="{ideas[3].get_absolute_url()}"' in content
    assert "Réponse mise à jour sur la première idée." in content
    assert "Une réponse retirée aussitôt." not in content


def test_a_new_answer_shows_on_the_home_a_visitor_already_loaded(client, community_a, member_a, publish):
    idea = make_idea(community_a, member_a, title="Des consignes à bagages")
    assert "latest-responses" not in client.get("/").content.decode()  # kept for visitors
    publish(idea, "Bonne nouvelle : c’est prévu pour le printemps.")
    assert "Bonne nouvelle : c’est prévu pour le printemps." in client.get("/").content.decode()


def test_the_list_sorts_by_hot_by_default_and_each_sort_differs(client, community_a, member_a):
    idea_with(community_a, member_a, "Très soutenue, ancienne", votes=40, age_days=200)
    idea_with(community_a, member_a, "Soutenue, récente", votes=9, age_days=2)
    idea_with(community_a, member_a, "Toute nouvelle", votes=0, age_days=0)

    def order(**query) -> list[str]:
        return [idea.title for idea in client.get(reverse("ideas:list"), query).context["page"].object_list]

    assert order() == order(sort="hot") == ["Soutenue, récente", "Toute nouvelle", "Très soutenue, ancienne"]
    assert order(sort="top") == ["Très soutenue, ancienne", "Soutenue, récente", "Toute nouvelle"]
    assert order(sort="new") == ["Toute nouvelle", "Soutenue, récente", "Très soutenue, ancienne"]
    page = client.get(reverse("ideas:list")).content.decode()
    # The sort is a row of tabs: the first, current by default, is "Du moment" and sends no sort.
    assert re.search(r'<a href="/ideas/" aria-current="page">Du moment</a>', page) and "Par défaut" not in page
    assert "sort=hot" not in page  # one default, not two tabs that sort alike


def test_the_migration_rescores_ideas_scored_with_the_old_formula(community_a, member_a):
    idea = idea_with(community_a, member_a, "Une idée notée à l’ancienne", votes=212, age_days=40)
    created_at = IdeaStats.objects.get(pk=idea.pk).created_at
    old_epoch = hot_epoch_of(created_at) * 10  # three days a unit, not thirty
    IdeaStats.objects.filter(pk=idea.pk).update(hot_epoch=old_epoch, hot=math.log10(212) + old_epoch)
    MIGRATION.hot_forwards(apps, SimpleNamespace(connection=connection))
    row = IdeaStats.objects.get(pk=idea.pk)
    assert row.hot_epoch == pytest.approx(hot_epoch_of(created_at))
    assert row.hot == pytest.approx(hot_score(212, hot_epoch_of(created_at)))
