"""Votes under concurrency, on PostgreSQL: counters stay exact."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import PointEvent
from community.services import membership_join
from ideas.models import Follow, Idea, IdeaStats, Vote
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
    """A double click: the same form, from a page that showed no vote, sent twice at once."""
    idea = make_idea(community_a, title="Des fontaines à eau dans les gares")
    voter = UserFactory()

    def vote():
        vote_toggle(idea=Idea.objects.select_related("community", "status").get(pk=idea.pk), user=voter, seen=None)

    race([vote, vote])
    assert Vote.objects.filter(idea=idea).count() == 1
    assert stats(idea).votes == 1


@pytest.mark.django_db(transaction=True)
def test_one_member_undoing_twice_at_once_counts_once(community_a):
    idea = make_idea(community_a, title="Des fontaines à eau dans les gares")
    voter = UserFactory()
    vote_toggle(idea=Idea.objects.select_related("community", "status").get(pk=idea.pk), user=voter)

    def undo():
        vote_toggle(idea=Idea.objects.select_related("community", "status").get(pk=idea.pk), user=voter, seen=1)

    race([undo, undo])
    assert not Vote.objects.filter(idea=idea).exists()
    assert (stats(idea).votes, stats(idea).upvotes) == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_toggles_without_the_page_state_at_once_keep_the_counters_exact(community_a):
    """Without the state its page showed, each request is a toggle: whatever the order, the
    counters say what the rows say."""
    idea = make_idea(community_a, title="Des fontaines à eau dans les gares")
    voter = UserFactory()

    def toggle():
        vote_toggle(idea=Idea.objects.select_related("community", "status").get(pk=idea.pk), user=voter)

    race([toggle, toggle, toggle])
    rows = Vote.objects.filter(idea=idea).count()
    assert rows in (0, 1)
    assert (stats(idea).votes, stats(idea).upvotes) == (rows, rows)


@pytest.mark.django_db(transaction=True)
def test_a_vote_is_one_transaction_with_its_follow_and_points(community_a, monkeypatch):
    idea = make_idea(community_a, title="Des fontaines à eau dans les gares")
    voter = UserFactory()
    membership_join(community=community_a, user=voter)
    commits = []
    real_commit = connection.commit
    monkeypatch.setattr(connection, "commit", lambda: commits.append(1) or real_commit())
    outside = []

    def note_writes_outside_a_transaction(execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith("SELECT") and not connection.in_atomic_block:
            outside.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(note_writes_outside_a_transaction):
        vote_toggle(idea=Idea.objects.select_related("community", "status").get(pk=idea.pk), user=voter)
    assert outside == []
    assert len(commits) == 1
    assert Follow.objects.filter(idea=idea, user=voter).exists()
    assert PointEvent.objects.filter(key=f"vote:{idea.pk}:{voter.pk}").exists()
    assert (stats(idea).votes, stats(idea).followers) == (1, 2)
