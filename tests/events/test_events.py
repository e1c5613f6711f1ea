"""Domain events: every fact named once, published by the services that record it, heard by
subscribers that the publishers never import (events/, docs/architecture.md)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

import events
from community.models import ModerationItem, ModerationMode, Status
from community.moderation.services import flag_create, moderation_decide, rule_for, sanction_create
from community.services import membership_join
from ideas.responses import response_approve, response_create, response_publish, response_submit
from ideas.services import (
    comment_create,
    comment_delete,
    comment_update,
    idea_merge,
    idea_set_status,
    idea_unmerge,
    idea_update,
    vote_toggle,
)
from outbox.models import Job
from tests.factories import UserFactory, make_idea


@pytest.fixture
def heard():
    """Every event published while the test runs, in order."""
    seen: list[events.Event] = []

    def record(event: events.Event) -> None:
        seen.append(event)

    events.subscribe(events.ALL)(record)
    yield seen
    events.bus.unsubscribe(record)


def types_of(seen) -> list[str]:
    return [event.type for event in seen]


def test_every_fact_in_the_catalogue_has_a_label_a_summary_and_a_version():
    for name, kind in events.CATALOGUE.items():
        assert name.count(".") == 1, name
        assert str(kind.label) and kind.summary.endswith("."), name
        assert kind.version >= 1


def test_an_unknown_event_type_is_refused_at_once():
    with pytest.raises(KeyError):
        events.publish("idea.exploded", community_id=1)
    with pytest.raises(ValueError):
        events.subscribe("idea.exploded")


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_is_never_announced_and_its_recorded_work_rolls_back(community_a, member_a):
    after_commit: list[str] = []

    def recorded(event: events.Event) -> None:
        from outbox import services as outbox

        outbox.enqueue("mail.send_message", {"event": event.id})

    def told(event: events.Event) -> None:
        after_commit.append(event.type)

    events.subscribe("member.joined")(recorded)
    events.subscribe("member.joined", when=events.COMMIT)(told)
    try:
        newcomer = UserFactory()
        jobs_before = Job.objects.count()
        with pytest.raises(RuntimeError), transaction.atomic():
            membership_join(community=community_a, user=newcomer)
            assert Job.objects.count() == jobs_before + 1  # recorded with the change…
            raise RuntimeError("the change fails")
        assert Job.objects.count() == jobs_before  # …and gone with it
        assert after_commit == []
        with transaction.atomic():
            membership_join(community=community_a, user=newcomer)
            assert after_commit == []  # not before the commit
        assert after_commit == ["member.joined"]
    finally:
        events.bus.unsubscribe(recorded)
        events.bus.unsubscribe(told)


def test_a_batch_reaches_a_batch_subscriber_in_one_call_and_others_one_by_one(community_a, member_a):
    ideas = [make_idea(community_a, member_a, title=f"Idée {n}") for n in range(3)]
    calls: list[int] = []
    single: list[int] = []

    def batch(batch_of: list[events.Event]) -> None:
        calls.append(len(batch_of))

    def one(event: events.Event) -> None:
        single.append(event.subject.pk)

    events.subscribe("idea.approved", many=True)(batch)
    events.subscribe("idea.approved")(one)
    try:
        events.publish_many("idea.approved", ideas)
    finally:
        events.bus.unsubscribe(batch)
        events.bus.unsubscribe(one)
    assert calls == [3]
    assert single == [idea.pk for idea in ideas]


def _no_email_anywhere(payload: dict, emails: set[str]) -> None:
    text = json.dumps(payload)
    for email in emails:
        assert email not in text


def test_the_services_publish_each_fact_with_a_json_payload_that_names_no_email(
    heard, community_a, member_a, moderator_a, brand_manager_a, admin_a, django_capture_on_commit_callbacks
):
    community_a.response_needs_approval = True
    community_a.response_vote_threshold = 1
    community_a.save()
    voter = UserFactory()
    membership_join(community=community_a, user=voter)
    idea = make_idea(community_a, member_a, title="Des prises à chaque siège")
    other = make_idea(community_a, voter, title="Des prises USB à chaque siège")
    idea_update(idea=idea, user=member_a, title="Des prises à chaque siège, svp", body="Pour travailler.")
    vote_toggle(idea=idea, user=voter)
    vote_toggle(idea=idea, user=voter)
    comment = comment_create(idea=idea, author=voter, body="Oui !")
    comment_update(comment=comment, user=voter, body="Oui, vraiment !")
    comment_delete(comment=comment, user=voter)
    planned = Status.objects.get(community=community_a, slug="planned")
    idea_set_status(idea=idea, status=planned, user=moderator_a)
    merge = idea_merge(duplicate=other, original=idea, user=moderator_a)
    idea_unmerge(merge=merge, user=moderator_a)
    response = response_create(idea=idea, user=brand_manager_a, body="Nous y travaillons.")
    response_submit(response=response, user=brand_manager_a)
    response_approve(response=response, user=admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response_publish(response=response, user=admin_a)
    flagged = make_idea(community_a, voter, title="Achetez mes montres")
    for reporter in (member_a, moderator_a, UserFactory()):
        membership_join(community=community_a, user=reporter)
        flag_create(content=flagged, flagger=reporter, reason="spam")
    item = ModerationItem.objects.filter(idea=flagged).latest("pk")
    moderation_decide(item=item, moderator=moderator_a, outcome="reject", message="Publicité.")
    sanction_create(community=community_a, user=voter, kind="ban", reason="Publicité.", by=moderator_a)

    seen = set(types_of(heard))
    expected = {
        "member.joined",
        "idea.posted",
        "idea.edited",
        "vote.cast",
        "vote.withdrawn",
        "idea.threshold_reached",
        "comment.posted",
        "comment.edited",
        "comment.deleted",
        "idea.status_changed",
        "idea.merged",
        "idea.unmerged",
        "response.drafted",
        "response.submitted",
        "response.approved",
        "response.published",
        "idea.flagged",
        "idea.hidden",
        "moderation.held",
        "moderation.decided",
        "member.sanctioned",
    }
    assert expected <= seen, expected - seen
    emails = {user.email for user in (member_a, moderator_a, brand_manager_a, admin_a, voter)}
    for event in heard:
        if event.kind.internal:
            continue
        envelope = json.loads(json.dumps(event.envelope()))
        assert envelope["type"] == event.type and envelope["id"].startswith("evt_")
        assert envelope["community"] == community_a.pk
        _no_email_anywhere(envelope, emails)
    vote = next(event for event in heard if event.type == "vote.cast")
    assert vote.data["voter"]["username"] == voter.username
    assert vote.data["idea"]["votes"] == 1
    assert vote.data["idea"]["url"].startswith(community_a.absolute_url("/ideas/"))


def test_a_held_idea_is_posted_as_not_public_and_its_hold_quotes_nothing(heard, community_a, member_a):
    community_a.moderation_mode = ModerationMode.PRE
    community_a.save()
    rule = rule_for(community_a)
    rule.banned_words = "montres"
    rule.save()
    idea = make_idea(community_a, member_a, title="Achetez mes montres", body="Des montres pas chères")
    posted = next(event for event in heard if event.type == "idea.posted")
    assert posted.public is False
    from community.moderation.services import moderation_check

    item = ModerationItem.objects.get(idea=idea)
    moderation_check(item.pk)
    held = [event for event in heard if event.type == "moderation.held"]
    assert len(held) == 1 and held[0].public is False
    payload = json.dumps(held[0].envelope())
    assert "montres" not in payload
    assert held[0].data["item"]["idea"] == idea.pk


def test_the_threshold_is_announced_once_per_crossing(heard, community_a, member_a):
    community_a.response_vote_threshold = 2
    community_a.save()
    idea = make_idea(community_a, member_a)
    voters = [UserFactory() for _ in range(3)]
    for voter in voters:
        membership_join(community=community_a, user=voter)
    vote_toggle(idea=idea, user=voters[0])
    assert "idea.threshold_reached" not in types_of(heard)
    vote_toggle(idea=idea, user=voters[1])
    vote_toggle(idea=idea, user=voters[2])
    crossings = [event for event in heard if event.type == "idea.threshold_reached"]
    assert len(crossings) == 1
    assert crossings[0].data["idea"]["votes"] == 2 and crossings[0].data["threshold"] == 2


def test_a_vote_on_an_answered_idea_crosses_the_threshold_silently(heard, community_a, member_a):
    from ideas.models import IdeaStats

    community_a.response_vote_threshold = 1
    community_a.save()
    idea = make_idea(community_a, member_a)
    IdeaStats.objects.filter(pk=idea.pk).update(answered_at=timezone.now() - timedelta(days=1))
    voter = UserFactory()
    membership_join(community=community_a, user=voter)
    vote_toggle(idea=idea, user=voter)
    assert "idea.threshold_reached" not in types_of(heard)


def test_inside_muted_members_hear_nothing_but_the_facts_still_happen(heard, community_a, member_a):
    from notifications.models import Notification

    with events.muted():
        idea = make_idea(community_a, member_a)
        voter = UserFactory()
        membership_join(community=community_a, user=voter)
        comment_create(idea=idea, author=voter, body="@" + member_a.username + " bravo")
    assert "comment.posted" in types_of(heard)
    assert not Notification.objects.exists()


def test_the_catalogue_is_documented_for_receivers():
    from pathlib import Path

    documented = (Path(__file__).resolve().parents[2] / "docs" / "events.md").read_text()
    rows = {
        line.split("|")[1].strip(" `"): [cell.strip() for cell in line.split("|")[2:-1]]
        for line in documented.splitlines()
        if line.startswith("| `")
    }
    for name, kind in events.CATALOGUE.items():
        version, _when, payload, audience = rows[name]
        assert version == str(kind.version), name
        assert payload == f"`{kind.payload.__name__.lstrip('_')}`", name
        assert audience == ("never" if kind.internal else "team" if kind.staff_only else "public"), name
    assert set(rows) == set(events.CATALOGUE)
