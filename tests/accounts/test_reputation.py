"""Points (PRODUCT.md §7): a ledger of events, each recorded once, and running totals.

A member earns points when their idea is published (10), up-voted by someone else (1 per
voter, once), planned (20) or done (50), and when their comment becomes public on someone
else's idea (2). A community may set its own values. Former and inactive members earn
nothing. Withdrawing a vote takes nothing back. Totals can be rebuilt from the ledger.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import accounts.subscribers
from accounts.models import PointEvent, PointKind, PointValue, Reputation
from accounts.reputation import points_award, reputation_recompute
from community.models import ModerationItem, ModerationMode
from community.moderation.services import moderation_check
from ideas.models import Idea, Vote
from ideas.services import (
    comment_create,
    content_set_moderation_state,
    idea_create,
    idea_set_status,
    vote_toggle,
)
from tests.concurrency import race
from tests.factories import MembershipFactory, UserFactory, login_with_mfa, make_idea


def total(user, community) -> int:
    return Reputation.objects.filter(user=user, community=community).values_list("points", flat=True).first() or 0


def events(user, community, kind=None) -> list[str]:
    rows = PointEvent.objects.filter(user=user, community=community)
    if kind:
        rows = rows.filter(kind=kind)
    return sorted(rows.values_list("key", flat=True))


def member(community, **fields):
    user = UserFactory(**fields)
    MembershipFactory(user=user, community=community)
    return user


@pytest.fixture
def idea_a(community_a, member_a, django_capture_on_commit_callbacks):
    """member_a's idea, posted and checked as the worker checks it once the post commits:
    its points wait for the check's approval (PRODUCT §12)."""
    with django_capture_on_commit_callbacks(execute=True):
        return make_idea(community_a, member_a, title="Du Wi-Fi stable dans tous les trains")


@pytest.fixture
def checked(django_capture_on_commit_callbacks):
    """Run the work and its on-commit tasks: the moderation check approves what was
    posted, and only then are its points given."""

    def checked(work):
        with django_capture_on_commit_callbacks(execute=True):
            return work()

    return checked


def age_votes(idea) -> None:
    """A toggle right after a vote is a double submission; make the votes older."""
    Vote.objects.filter(idea=idea).update(created_at=timezone.now() - timedelta(seconds=10))


def status(community, slug):
    return community.statuses.get(slug=slug)


@pytest.mark.smoke
class TestEvents:
    def test_it_gives_the_author_points_when_the_idea_is_published_at_once(self, community_a, member_a, idea_a):
        assert events(member_a, community_a) == [f"idea:{idea_a.pk}"]
        assert total(member_a, community_a) == 10

    def test_it_gives_nothing_for_a_pending_idea_and_points_once_approved(self, community_a, member_a):
        community_a.moderation_mode = ModerationMode.PRE
        community_a.save()
        idea = idea_create(community=community_a, author=member_a, title="Des trains plus ponctuels", body="Merci.")
        assert total(member_a, community_a) == 0
        content_set_moderation_state(content=idea, state="approved")
        assert total(member_a, community_a) == 10
        content_set_moderation_state(content=idea, state="hidden")
        content_set_moderation_state(content=idea, state="approved")  # approved again after a hide
        assert events(member_a, community_a) == [f"idea:{idea.pk}"]
        assert total(member_a, community_a) == 10

    def test_an_up_vote_gives_the_author_one_point_once_per_voter(self, community_a, member_a, idea_a):
        voter = member(community_a)
        vote_toggle(idea=idea_a, user=voter)
        assert total(member_a, community_a) == 11
        age_votes(idea_a)
        vote_toggle(idea=idea_a, user=voter)  # withdrawn: the point stays
        assert not Vote.objects.filter(idea=idea_a).exists()
        assert total(member_a, community_a) == 11
        vote_toggle(idea=idea_a, user=voter)  # and voting again earns nothing more
        assert events(member_a, community_a, PointKind.VOTE_RECEIVED) == [f"vote:{idea_a.pk}:{voter.pk}"]
        assert total(member_a, community_a) == 11

    def test_each_voter_counts(self, community_a, member_a, idea_a):
        for _ in range(3):
            vote_toggle(idea=idea_a, user=member(community_a))
        assert total(member_a, community_a) == 10 + 3

    def test_voting_for_ones_own_idea_earns_nothing(self, community_a, member_a, idea_a):
        vote_toggle(idea=idea_a, user=member_a)
        assert Vote.objects.filter(idea=idea_a, user=member_a).exists()
        assert total(member_a, community_a) == 10

    def test_a_down_vote_earns_nothing_and_a_flip_to_up_earns_the_point(self, community_a, member_a, idea_a):
        community_a.downvotes_allowed = True
        community_a.save()
        idea = Idea.objects.select_related("community", "status").get(pk=idea_a.pk)
        voter = member(community_a)
        vote_toggle(idea=idea, user=voter, value=-1)
        assert total(member_a, community_a) == 10
        vote_toggle(idea=idea, user=voter, value=1)
        assert total(member_a, community_a) == 11

    def test_planned_and_done_reward_the_author_once_each(self, community_a, member_a, brand_manager_a, idea_a):
        idea_set_status(idea=idea_a, status=status(community_a, "under-review"), user=brand_manager_a)
        assert total(member_a, community_a) == 10
        idea_set_status(idea=idea_a, status=status(community_a, "planned"), user=brand_manager_a)
        assert total(member_a, community_a) == 30
        idea_set_status(idea=idea_a, status=status(community_a, "in-progress"), user=brand_manager_a)
        idea_set_status(idea=idea_a, status=status(community_a, "planned"), user=brand_manager_a)  # back again
        idea_set_status(idea=idea_a, status=status(community_a, "done"), user=brand_manager_a)
        assert events(member_a, community_a) == sorted(
            [f"idea:{idea_a.pk}", f"planned:{idea_a.pk}", f"done:{idea_a.pk}"]
        )
        assert total(member_a, community_a) == 80

    def test_a_comment_on_someone_elses_idea_earns_points(self, community_a, member_a, idea_a, checked):
        commenter = member(community_a)
        comment = comment_create(idea=idea_a, author=commenter, body="Oui, surtout dans les TER.")
        assert total(commenter, community_a) == 0  # public at once, but not rewarded before its check
        checked(lambda: moderation_check(ModerationItem.objects.get(comment=comment).pk))
        assert events(commenter, community_a) == [f"comment:{comment.pk}"]
        assert total(commenter, community_a) == 2

    def test_a_comment_on_ones_own_idea_earns_nothing(self, community_a, member_a, idea_a):
        comment_create(idea=idea_a, author=member_a, body="Je précise : même en tunnel.")
        assert total(member_a, community_a) == 10

    def test_a_held_comment_earns_points_once_it_becomes_public(self, community_a, idea_a):
        community_a.moderation_mode = ModerationMode.PRE
        community_a.save()
        commenter = member(community_a)
        comment = comment_create(idea=idea_a, author=commenter, body="Et des prises aussi.")
        assert total(commenter, community_a) == 0
        content_set_moderation_state(content=comment, state="approved")
        assert total(commenter, community_a) == 2

    @pytest.mark.parametrize("change", ["deactivated", "deleted"])
    def test_inactive_and_former_members_earn_nothing(self, community_a, idea_a, member_a, change):
        fields = {"is_active": False} if change == "deactivated" else {"deleted_at": timezone.now()}
        type(member_a).objects.filter(pk=member_a.pk).update(**fields)
        vote_toggle(idea=idea_a, user=member(community_a))
        assert events(member_a, community_a, PointKind.VOTE_RECEIVED) == []
        assert total(member_a, community_a) == 10  # what they earned before stays

    def test_a_community_sets_its_own_values(self, community_a, community_b, member_a, idea_a, checked):
        PointValue.objects.create(community=community_a, kind=PointKind.VOTE_RECEIVED, points=5)
        PointValue.objects.create(community=community_b, kind=PointKind.IDEA_APPROVED, points=99)
        vote_toggle(idea=idea_a, user=member(community_a))
        assert total(member_a, community_a) == 10 + 5
        author_b = member(community_b)
        checked(lambda: make_idea(community_b, author_b))
        assert total(author_b, community_b) == 99
        assert PointEvent.objects.get(user=author_b).points == 99  # the ledger keeps the value of the day


@pytest.mark.smoke
class TestRetries:
    def test_an_event_recorded_twice_counts_once(self, community_a, member_a):
        assert points_award(user=member_a, community=community_a, kind=PointKind.IDEA_DONE, key="done:1") is True
        assert points_award(user=member_a, community=community_a, kind=PointKind.IDEA_DONE, key="done:1") is False
        assert PointEvent.objects.filter(key="done:1").count() == 1
        assert total(member_a, community_a) == 50

    def test_the_same_key_in_another_community_is_another_event(self, community_a, community_b, member_a):
        points_award(user=member_a, community=community_a, kind=PointKind.COMMENT, key="comment:1")
        points_award(user=member_a, community=community_b, kind=PointKind.COMMENT, key="comment:1")
        assert (total(member_a, community_a), total(member_a, community_b)) == (2, 2)


@pytest.mark.django_db(transaction=True)
class TestConcurrency:
    def test_the_same_event_recorded_at_once_by_two_workers_counts_once(self, community_a, member_a):
        results = []

        def award():
            results.append(points_award(user=member_a, community=community_a, kind=PointKind.IDEA_DONE, key="done:7"))

        race([award, award])
        assert sorted(results) == [False, True]
        assert PointEvent.objects.filter(key="done:7").count() == 1
        assert total(member_a, community_a) == 50

    def test_first_points_arriving_at_once_all_count(self, community_a):
        author = member(community_a)  # no total yet: both workers create it
        keys = [f"vote:1:{number}" for number in range(8)]

        def award(key):
            return lambda: points_award(user=author, community=community_a, kind=PointKind.VOTE_RECEIVED, key=key)

        race([award(key) for key in keys])
        assert Reputation.objects.filter(user=author).count() == 1
        assert total(author, community_a) == 8

    def test_twenty_voters_at_once_give_twenty_points(self, community_a):
        author = member(community_a)
        idea = make_idea(community_a, author)
        voters = [member(community_a) for _ in range(20)]

        def vote_as(user):
            return lambda: vote_toggle(
                idea=Idea.objects.select_related("community", "status").get(pk=idea.pk), user=user
            )

        race([vote_as(user) for user in voters])
        assert total(author, community_a) == 10 + 20


@pytest.mark.smoke
class TestRecompute:
    @pytest.fixture
    def history(self, community_a, member_a, brand_manager_a, idea_a, checked):
        """Points earned through the real services: votes, approvals, statuses, comments."""
        others = [member(community_a) for _ in range(3)]
        for voter in others:
            vote_toggle(idea=idea_a, user=voter)
        second = checked(lambda: make_idea(community_a, others[0], title="Des repas végétariens à bord"))
        vote_toggle(idea=second, user=member_a)
        checked(lambda: comment_create(idea=second, author=member_a, body="Et des options sans gluten."))
        checked(lambda: comment_create(idea=idea_a, author=others[1], body="Oui !"))
        idea_set_status(idea=idea_a, status=status(community_a, "planned"), user=brand_manager_a)
        return [member_a, *others]

    def running_totals(self) -> dict:
        return dict(Reputation.objects.values_list("user_id", "points"))

    def test_recompute_on_clean_data_changes_nothing(self, history):
        before = self.running_totals()
        assert reputation_recompute() == 0
        assert self.running_totals() == before

    def test_recompute_rebuilds_the_running_totals_from_the_ledger(self, community_a, history, member_a):
        expected = self.running_totals()
        assert expected[member_a.pk] == 10 + 3 + 20 + 2  # an idea, 3 votes on it, planned, a comment
        stranger = UserFactory()
        Reputation.objects.filter(user=member_a).update(points=999)
        Reputation.objects.filter(user=history[1]).delete()
        Reputation.objects.create(user=stranger, community=community_a, points=7)  # no event behind it
        assert reputation_recompute(community_a) == 3
        assert self.running_totals() == expected

    def test_the_command_says_what_changed(self, community_a, history, member_a):
        Reputation.objects.filter(user=member_a).update(points=1)
        out = StringIO()
        call_command("reputation_recompute", "--community", community_a.slug, stdout=out)
        assert f"{member_a.username} in {community_a.slug}: 1 → 35" in out.getvalue()
        assert "1 reputation total(s) changed." in out.getvalue()
        out = StringIO()
        call_command("reputation_recompute", stdout=out)
        assert "0 reputation total(s) changed." in out.getvalue()


def test_an_up_vote_costs_at_most_three_more_queries_for_the_points(community_a, idea_a, member_a, monkeypatch):
    """Measured against the same vote with the points subscriber switched off."""

    def queries_of_a_vote() -> int:
        idea = Idea.objects.select_related("community", "status").get(pk=idea_a.pk)
        voter = member(community_a)
        with CaptureQueriesContext(connection) as queries:
            vote_toggle(idea=idea, user=voter)
        return len(queries)

    with_points = queries_of_a_vote()
    assert total(member_a, community_a) == 11
    monkeypatch.setattr(accounts.subscribers, "points_vote_cast", lambda **kwargs: False)
    without_points = queries_of_a_vote()
    assert total(member_a, community_a) == 11
    assert 0 < with_points - without_points <= 3


class TestAdmin:
    """Point values are the community admin's to set, on the community's form; the ledger
    is read-only, and staff see only their communities' events."""

    def community_form(self, community, **rows) -> dict:
        from tests.community.test_admin_scoping import as_post_data

        data = as_post_data(community)
        data["point_values-TOTAL_FORMS"] = str(len(rows))
        for number, (kind, points) in enumerate(rows.items()):
            data |= {f"point_values-{number}-id": "", f"point_values-{number}-kind": kind}
            data[f"point_values-{number}-points"] = str(points)
        return data

    def test_a_community_admin_sets_point_values_on_the_community_form(self, client, admin_a, community_a, idea_a):
        login_with_mfa(client, admin_a)
        url = reverse("admin:community_community_change", args=[community_a.pk])
        response = client.post(url, self.community_form(community_a, vote_received=3))
        assert response.status_code == 302
        assert PointValue.objects.get(community=community_a, kind=PointKind.VOTE_RECEIVED).points == 3
        vote_toggle(idea=idea_a, user=member(community_a))
        assert total(idea_a.author, community_a) == 10 + 3

    def test_other_staff_see_the_values_but_do_not_change_them(self, client, moderator_a, community_a):
        PointValue.objects.create(community=community_a, kind=PointKind.COMMENT, points=4)
        login_with_mfa(client, moderator_a)
        url = reverse("admin:community_community_change", args=[community_a.pk])
        [inline] = client.get(url).context["inline_admin_formsets"]
        assert (inline.has_add_permission, inline.has_change_permission, inline.has_view_permission) == (
            False,
            False,
            True,
        )
        assert client.post(url, self.community_form(community_a, comment=40)).status_code == 403
        assert PointValue.objects.get(community=community_a).points == 4

    @pytest.mark.parametrize(("persona", "sees"), [("admin_a", "A"), ("moderator_a", "A"), ("moderator_b", "B")])
    def test_the_ledger_shows_staff_their_communities_events_read_only(
        self, client, request, community_a, community_b, persona, sees
    ):
        points_award(user=member(community_a), community=community_a, kind=PointKind.COMMENT, key="comment:in-a")
        points_award(user=member(community_b), community=community_b, kind=PointKind.COMMENT, key="comment:in-b")
        login_with_mfa(client, request.getfixturevalue(persona))
        response = client.get(reverse("admin:accounts_pointevent_changelist"))
        assert [event.key for event in response.context["cl"].result_list] == [f"comment:in-{sees.lower()}"]
        assert client.get(reverse("admin:accounts_pointevent_add")).status_code == 403
        event = PointEvent.objects.get(key=f"comment:in-{sees.lower()}")
        change_url = reverse("admin:accounts_pointevent_change", args=[event.pk])
        assert client.post(change_url, {"points": 99}).status_code == 403
        assert PointEvent.objects.get(pk=event.pk).points == 2
