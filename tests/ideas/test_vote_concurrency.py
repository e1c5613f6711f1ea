"""Votes under concurrency, on PostgreSQL: counters stay exact."""

from __future__ import annotations

import pytest

from ideas.models import Idea, IdeaStats, Vote
from ideas.services import hot_score, vote_toggle
from tests.concurrency import race
from tests.factories import UserFactory, make_idea


def stats(idea) -> IdeaStats:
    return IdeaStats.objects.get(pk=idea.pk)


@pytest.mark.django_db(transaction=True)
def test_twenty_members_voting_at_once_count_twenty(community_a):
    idea = make_idea(community_a, title="Des fontaines à eau dans les gares")
    voters = [UserFactory() for _ in range(20)]

    def vote_as(user):
        return lambda: vote_toggle(idea=Idea.objects.select_related("community", "status").get(pk=idea.pk), user=user)

    race([vote_as(user) for user in voters])
    row = stats(idea)
    assert Vote.objects.filter(idea=idea).count() == 20
    assert (row.votes, row.upvotes) == (20, 20)
    assert row.hot == pytest.approx(hot_score(20, row.hot_epoch))


@pytest.mark.django_db(transaction=True)
def test_one_member_voting_twice_at_once_counts_once(community_a):
    idea = make_idea(community_a, title="Des fontaines à eau dans les gares")
    voter = UserFactory()

    def vote():
        vote_toggle(idea=Idea.objects.select_related("community", "status").get(pk=idea.pk), user=voter)

    race([vote, vote])
    assert Vote.objects.filter(idea=idea).count() == 1
    assert stats(idea).votes == 1
