"""Badges (PRODUCT.md §7): earned once, at the moment the member's ledger earns them, and
announced to the member.

First idea: one published idea. Conversation starter: 10 comments made public on other
members' ideas. Idea planned / idea done: one of their ideas reached that status.
Ambassador: the community's all-time top 10 with at least 100 points, awarded by the
leaderboard refresh (beat, every 10 minutes).
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import Badge, BadgeAward, PointKind
from accounts.reputation import badges_check, points_award
from accounts.tasks import check_badges, refresh_leaderboards
from community.models import ModerationMode
from community.moderation.services import rule_for
from events import muted
from ideas.services import comment_create, content_set_moderation_state, idea_create, idea_set_status, ideas_published
from notifications.models import Kind, Notification
from tests.factories import MembershipFactory, UserFactory, make_idea

pytestmark = pytest.mark.smoke


def badges(user, community) -> set[str]:
    return set(BadgeAward.objects.filter(user=user, community=community).values_list("badge", flat=True))


def told(user) -> list[str]:
    """The badges the member was told of, in their inbox."""
    return [row.data["badge_slug"] for row in Notification.objects.filter(recipient=user, kind=Kind.BADGE)]


def member(community, **fields):
    user = UserFactory(**fields)
    MembershipFactory(user=user, community=community)
    return user


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the work and its on-commit tasks (the badge check, the notification), as a
    request's transaction would once it commits."""

    def committed(work):
        with django_capture_on_commit_callbacks(execute=True):
            return work()

    return committed


def test_a_first_published_idea_earns_first_idea_and_the_member_is_told(community_a, member_a, committed):
    committed(lambda: make_idea(community_a, member_a))
    assert badges(member_a, community_a) == {Badge.FIRST_IDEA}
    assert told(member_a) == [Badge.FIRST_IDEA]


def test_a_pending_idea_earns_nothing_until_it_is_approved(community_a, member_a, committed):
    community_a.moderation_mode = ModerationMode.PRE
    community_a.save()
    idea = idea_create(community=community_a, author=member_a, title="Des quais plus sûrs", body="Éclairés.")
    assert badges_check(member_a.pk, community_a.pk) == []
    committed(lambda: content_set_moderation_state(content=idea, state="approved"))
    assert badges(member_a, community_a) == {Badge.FIRST_IDEA}


def test_a_second_idea_earns_no_second_badge(community_a, member_a, committed):
    committed(lambda: make_idea(community_a, member_a))
    committed(lambda: make_idea(community_a, member_a, title="Des bagageries surveillées"))
    assert BadgeAward.objects.filter(user=member_a).count() == 1
    assert told(member_a) == [Badge.FIRST_IDEA]


def test_the_tenth_comment_on_other_members_ideas_earns_conversation_starter(community_a, idea_a, committed):
    rule = rule_for(community_a)
    rule.max_posts_per_hour = 20  # twelve posts in a minute: not a flood, for this test
    rule.save()
    commenter = member(community_a)
    for number in range(9):
        committed(lambda number=number: comment_create(idea=idea_a, author=commenter, body=f"Avis {number}"))
    own = committed(lambda: make_idea(community_a, commenter, title="Mon idée à moi"))
    committed(lambda: comment_create(idea=own, author=commenter, body="Sous ma propre idée"))  # does not count
    assert Badge.CONVERSATION_STARTER not in badges(commenter, community_a)
    committed(lambda: comment_create(idea=idea_a, author=commenter, body="Le dixième"))
    assert Badge.CONVERSATION_STARTER in badges(commenter, community_a)
    assert told(commenter).count(Badge.CONVERSATION_STARTER) == 1


@pytest.mark.parametrize(("slug", "badge"), [("planned", Badge.IDEA_PLANNED), ("done", Badge.IDEA_DONE)])
def test_an_idea_reaching_planned_or_done_earns_its_badge(
    community_a, member_a, brand_manager_a, idea_a, committed, slug, badge
):
    assert badge not in badges(member_a, community_a)
    committed(lambda: idea_set_status(idea=idea_a, status=community_a.statuses.get(slug=slug), user=brand_manager_a))
    assert badge in badges(member_a, community_a)
    assert badge in told(member_a)


def test_running_the_check_again_awards_and_tells_nothing_more(community_a, member_a, committed):
    committed(lambda: make_idea(community_a, member_a))
    assert committed(lambda: check_badges.delay(member_a.pk, community_a.pk).get()) == 0
    assert committed(lambda: check_badges.delay(member_a.pk, community_a.pk).get()) == 0
    assert BadgeAward.objects.filter(user=member_a).count() == 1
    assert told(member_a) == [Badge.FIRST_IDEA]


def test_the_check_awards_what_a_lost_task_did_not(community_a, member_a, committed):
    idea = make_idea(community_a, member_a)
    ideas_published(ideas=[idea])  # approved, but never committed: the queued badge check never ran
    assert badges(member_a, community_a) == set()
    assert committed(lambda: check_badges.delay(member_a.pk, community_a.pk).get()) == 1
    assert badges(member_a, community_a) == {Badge.FIRST_IDEA}


def test_badges_earned_while_notifications_are_muted_are_awarded_quietly(
    community_a, member_a, django_capture_on_commit_callbacks
):
    # The demo seed's history is not news; its transaction commits after the muted block.
    with django_capture_on_commit_callbacks(execute=True), muted():
        make_idea(community_a, member_a)
    assert badges(member_a, community_a) == {Badge.FIRST_IDEA}
    assert told(member_a) == []


def test_badges_are_per_community(community_a, community_b, member_a, committed):
    committed(lambda: make_idea(community_a, member_a))
    assert badges(member_a, community_b) == set()


def test_a_former_member_earns_no_badge(community_a, member_a):
    make_idea(community_a, member_a)
    type(member_a).objects.filter(pk=member_a.pk).update(deleted_at=timezone.now())
    assert badges_check(member_a.pk, community_a.pk) == []


class TestAmbassadors:
    def give(self, user, community, points: int) -> None:
        """Points through the ledger: ideas done (50 each), then comments (2 each)."""
        for number in range(points // 50):
            points_award(user=user, community=community, kind=PointKind.IDEA_DONE, key=f"done:{user.pk}:{number}")
        for number in range(points % 50 // 2):
            points_award(user=user, community=community, kind=PointKind.COMMENT, key=f"comment:{user.pk}:{number}")

    def test_the_refresh_makes_the_top_ten_with_100_points_ambassadors(self, community_a, committed):
        top = [member(community_a) for _ in range(11)]
        for rank, user in enumerate(top):
            self.give(user, community_a, 200 - 10 * rank)  # 200, 190, … 100 (the 11th)
        below = member(community_a)
        self.give(below, community_a, 98)
        assert not BadgeAward.objects.filter(badge=Badge.AMBASSADOR).exists()  # only the refresh awards it
        assert committed(lambda: refresh_leaderboards.delay().get()) == 10
        assert set(BadgeAward.objects.filter(badge=Badge.AMBASSADOR).values_list("user_id", flat=True)) == {
            user.pk for user in top[:10]
        }
        assert Badge.AMBASSADOR in told(top[0])
        assert committed(lambda: refresh_leaderboards.delay().get()) == 0  # awarded once

    def test_fewer_than_100_points_is_no_ambassador_even_at_the_top(self, community_a, committed):
        leader = member(community_a)
        self.give(leader, community_a, 98)
        committed(lambda: refresh_leaderboards.delay().get())
        assert Badge.AMBASSADOR not in badges(leader, community_a)

    def test_former_members_and_other_communities_do_not_take_a_place(self, community_a, community_b, committed):
        ambassadors = [member(community_a) for _ in range(10)]
        for user in ambassadors:
            self.give(user, community_a, 100)
        former = member(community_a)
        self.give(former, community_a, 500)
        type(former).objects.filter(pk=former.pk).update(deleted_at=timezone.now())
        elsewhere = member(community_b)
        self.give(elsewhere, community_b, 300)
        committed(lambda: refresh_leaderboards.delay().get())
        assert Badge.AMBASSADOR not in badges(former, community_a)
        assert all(Badge.AMBASSADOR in badges(user, community_a) for user in ambassadors)
        assert Badge.AMBASSADOR in badges(elsewhere, community_b)
        assert Badge.AMBASSADOR not in badges(elsewhere, community_a)
