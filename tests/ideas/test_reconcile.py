"""The nightly reconciliation: recount votes, comments and followers, report and repair drift."""

from __future__ import annotations

import logging

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.celery import app
from ideas.models import IdeaStats, ModerationState
from ideas.reconcile import Drift, stats_reconcile
from ideas.services import (
    comment_create,
    comment_delete,
    content_set_moderation_state,
    follow_toggle,
    hot_score,
    vote_toggle,
)
from ideas.tasks import reconcile_counters
from tests.factories import UserFactory, make_idea

COUNTERS = ("votes", "upvotes", "downvotes", "comments", "followers")


def stored(idea) -> dict[str, int]:
    row = IdeaStats.objects.get(pk=idea.pk)
    return {name: getattr(row, name) for name in COUNTERS}


def updates(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if query["sql"].lstrip().upper().startswith("UPDATE")]


@pytest.fixture
def ideas(community_a, member_a):
    """Five ideas of community A with votes both ways, comments in every state and follows,
    all made through the services: their counters are right."""
    community_a.downvotes_allowed = True
    community_a.save(update_fields=["downvotes_allowed"])
    voters = [UserFactory() for _ in range(4)]
    made = [make_idea(community_a, member_a, title=f"Idée {n}") for n in range(5)]
    for idea in made:
        for voter, value in zip(voters, (1, 1, 1, -1), strict=True):
            vote_toggle(idea=idea, user=voter, value=value)
        comment_create(idea=idea, author=voters[0], body="Oui")
        deleted = comment_create(idea=idea, author=voters[1], body="Effacé")
        comment_delete(comment=deleted, user=voters[1])
        held = comment_create(idea=idea, author=voters[2], body="En attente")
        content_set_moderation_state(content=held, state=ModerationState.PENDING)
        hidden = comment_create(idea=idea, author=voters[3], body="Masqué")
        content_set_moderation_state(content=hidden, state=ModerationState.HIDDEN)
        follow_toggle(idea=idea, user=UserFactory())
    return made


TRUTH = {"votes": 2, "upvotes": 3, "downvotes": 1, "comments": 1, "followers": 6}  # author + 4 voters + 1


@pytest.mark.smoke
def test_it_finds_no_drift_in_counters_kept_by_the_services_and_writes_nothing(ideas):
    assert all(stored(idea) == TRUTH for idea in ideas)

    with CaptureQueriesContext(connection) as queries:
        report = stats_reconcile()

    assert (report.checked, report.ideas_drifted, report.repaired, report.examples) == (5, 0, 0, [])
    assert report.drifted == dict.fromkeys(COUNTERS, 0)
    assert updates(queries) == []


@pytest.mark.smoke
def test_it_reports_and_repairs_drift_in_each_counter(ideas):
    # One counter wrong per idea, and the score with the votes.
    drift = {"votes": 7, "upvotes": 9, "downvotes": 0, "comments": 4, "followers": 2}
    for idea, (name, wrong) in zip(ideas, drift.items(), strict=True):
        IdeaStats.objects.filter(pk=idea.pk).update(**{name: wrong}, hot=123.0)

    report = stats_reconcile()

    assert (report.checked, report.ideas_drifted, report.repaired) == (5, 5, 5)
    assert report.drifted == dict.fromkeys(COUNTERS, 1)
    assert report.examples == [
        Drift(idea_id=idea.pk, counter=name, stored=wrong, actual=TRUTH[name])
        for idea, (name, wrong) in zip(ideas, drift.items(), strict=True)
    ]
    for idea in ideas:
        row = IdeaStats.objects.get(pk=idea.pk)
        assert stored(idea) == TRUTH
        assert row.hot == pytest.approx(hot_score(TRUTH["votes"], row.hot_epoch))
    assert stats_reconcile().ideas_drifted == 0


def test_it_counts_only_approved_comments_that_are_not_deleted(ideas):
    idea = ideas[0]
    IdeaStats.objects.filter(pk=idea.pk).update(comments=4)  # as if every comment counted

    report = stats_reconcile()

    assert report.examples == [Drift(idea_id=idea.pk, counter="comments", stored=4, actual=1)]
    assert stored(idea)["comments"] == 1


def test_it_rewrites_the_drifted_rows_only(ideas):
    IdeaStats.objects.filter(pk=ideas[2].pk).update(followers=0)
    untouched = {row.pk: row.hot for row in IdeaStats.objects.exclude(pk=ideas[2].pk)}

    with CaptureQueriesContext(connection) as queries:
        report = stats_reconcile()

    assert report.repaired == 1
    assert len(updates(queries)) == 1
    assert {row.pk: row.hot for row in IdeaStats.objects.exclude(pk=ideas[2].pk)} == untouched


def test_a_dry_run_reports_without_repairing(ideas):
    IdeaStats.objects.filter(pk=ideas[1].pk).update(votes=50, upvotes=51)

    with CaptureQueriesContext(connection) as queries:
        report = stats_reconcile(dry_run=True)

    assert (report.dry_run, report.ideas_drifted, report.repaired) == (True, 1, 0)
    assert report.drifted == {"votes": 1, "upvotes": 1, "downvotes": 0, "comments": 0, "followers": 0}
    assert updates(queries) == []
    assert stored(ideas[1])["votes"] == 50


def test_it_checks_every_community(ideas, community_b, member_b):
    other = make_idea(community_b, member_b, title="Une idée ailleurs")
    IdeaStats.objects.filter(pk=other.pk).update(followers=0)

    report = stats_reconcile()

    assert (report.checked, report.ideas_drifted) == (6, 1)
    assert report.examples == [Drift(idea_id=other.pk, counter="followers", stored=0, actual=1)]


def _reconcile_queries(count: int, community, author) -> int:
    for n in range(count - IdeaStats.objects.filter(community=community).count()):
        make_idea(community, author, title=f"Encore une idée {n}")
    IdeaStats.objects.filter(community=community).update(comments=3)  # every row drifted
    with CaptureQueriesContext(connection) as queries:
        report = stats_reconcile()
    assert report.repaired == count
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_number_of_ideas(community_a, member_a):
    assert _reconcile_queries(5, community_a, member_a) == _reconcile_queries(50, community_a, member_a)


def test_it_logs_drift_as_a_warning_and_a_clean_run_as_information(ideas, caplog):
    caplog.set_level(logging.INFO, logger="ideas.reconcile")
    stats_reconcile()
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, "Counters: 5 ideas checked, no drift.")
    ]
    caplog.clear()

    IdeaStats.objects.filter(pk=ideas[0].pk).update(downvotes=3)
    stats_reconcile()
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "Counters: 5 ideas checked, 1 drifted (downvotes 1; 1 repaired). "
        f"For example: idea {ideas[0].pk} downvotes 3 → 1."
    )


@pytest.mark.smoke
def test_the_nightly_task_runs_through_celery_on_the_default_queue(ideas):
    assert app.amqp.router.route({}, reconcile_counters.name)["queue"].name == "default"
    IdeaStats.objects.filter(pk=ideas[0].pk).update(upvotes=0)

    report = reconcile_counters.delay().get()

    assert report["ideas_drifted"] == 1
    assert report["examples"] == [{"idea_id": ideas[0].pk, "counter": "upvotes", "stored": 0, "actual": 3}]
    assert stored(ideas[0]) == TRUTH


def test_the_task_is_scheduled_nightly(settings):
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == reconcile_counters.name)
    assert entry["schedule"].hour == {3}


def test_the_command_reports_and_can_leave_the_rows_alone(ideas, capsys):
    IdeaStats.objects.filter(pk=ideas[0].pk).update(followers=1)

    call_command("reconcile_counters", "--dry-run")
    assert "1 drifted (followers 1; dry run, nothing repaired)" in capsys.readouterr().out
    assert stored(ideas[0])["followers"] == 1

    call_command("reconcile_counters")
    assert "1 repaired" in capsys.readouterr().out
    assert stored(ideas[0]) == TRUTH
