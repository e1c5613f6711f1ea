from __future__ import annotations

import pytest

from ideas.exceptions import Refused
from ideas.models import Comment, Follow, IdeaStats, Merge, Vote
from ideas.services import comment_create, follow_toggle, idea_merge, idea_unmerge, vote_toggle
from tests.factories import UserFactory, make_idea

# Runs on the embedded default (SQLite) as well.
pytestmark = pytest.mark.smoke


def counters(idea) -> tuple[int, int, int]:
    row = IdeaStats.objects.get(pk=idea.pk)
    return row.votes, row.comments, row.followers


@pytest.fixture
def pair(community_a):
    """A duplicate and its original with overlapping voters and followers."""
    both, only_dup_1, only_dup_2, only_original = (UserFactory() for _ in range(4))
    dup_author, original_author = UserFactory(), UserFactory()
    duplicate = make_idea(community_a, dup_author, title="Le wifi dans le train")
    original = make_idea(community_a, original_author, title="Du Wi-Fi stable dans tous les trains")
    for user in (both, only_dup_1, only_dup_2):
        vote_toggle(idea=duplicate, user=user)
    for user in (both, only_original):
        vote_toggle(idea=original, user=user)
    comment_create(idea=duplicate, author=only_dup_1, body="Indispensable")
    follow_toggle(idea=duplicate, user=UserFactory())  # a follower who did not vote
    return duplicate, original


def test_a_merge_moves_votes_once_per_member_and_everything_else(pair, moderator_a):
    duplicate, original = pair
    before_dup, before_original = counters(duplicate), counters(original)
    assert before_dup == (3, 1, 5)  # 3 voters, 1 comment, followers: author + 3 voters + 1
    assert before_original == (2, 0, 3)

    merge = idea_merge(duplicate=duplicate, original=original, user=moderator_a)

    duplicate.refresh_from_db()
    assert duplicate.merged_into == original
    assert duplicate.status.slug == "duplicate"
    assert counters(duplicate) == (0, 0, 0)
    # "both" voted on the two: one vote. Followers likewise deduplicated.
    assert counters(original) == (4, 1, 7)
    assert Vote.objects.filter(idea=original).count() == 4
    assert Comment.objects.filter(idea=original).count() == 1
    assert not IdeaStats.objects.get(pk=duplicate.pk).is_listed
    assert len(merge.moved["dropped_votes"]) == 1


def test_unmerge_restores_the_counts_exactly(pair, moderator_a):
    duplicate, original = pair
    before = {idea.pk: counters(idea) for idea in pair}
    voters_before = {idea.pk: set(Vote.objects.filter(idea=idea).values_list("user_id", "value")) for idea in pair}
    followers_before = {
        idea.pk: set(Follow.objects.filter(idea=idea).values_list("user_id", flat=True)) for idea in pair
    }

    merge = idea_merge(duplicate=duplicate, original=original, user=moderator_a)
    idea_unmerge(merge=merge, user=moderator_a)

    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    assert duplicate.status.slug == "new"
    assert {idea.pk: counters(idea) for idea in pair} == before
    assert {
        idea.pk: set(Vote.objects.filter(idea=idea).values_list("user_id", "value")) for idea in pair
    } == voters_before
    assert {
        idea.pk: set(Follow.objects.filter(idea=idea).values_list("user_id", flat=True)) for idea in pair
    } == followers_before
    assert IdeaStats.objects.get(pk=duplicate.pk).is_listed
    assert Merge.objects.get(pk=merge.pk).undone_at is not None


def test_a_merge_is_undone_once(pair, moderator_a):
    merge = idea_merge(duplicate=pair[0], original=pair[1], user=moderator_a)
    idea_unmerge(merge=merge, user=moderator_a)
    merge.refresh_from_db()
    with pytest.raises(Refused):
        idea_unmerge(merge=merge, user=moderator_a)


@pytest.mark.parametrize("case", ["itself", "other community", "already merged"])
def test_impossible_merges_are_refused(pair, moderator_a, community_b, case):
    duplicate, original = pair
    if case == "itself":
        original = duplicate
    elif case == "other community":
        original = make_idea(community_b, title="Une idée d'ailleurs")
    else:
        idea_merge(duplicate=duplicate, original=original, user=moderator_a)
        duplicate.refresh_from_db()
    with pytest.raises(Refused):
        idea_merge(duplicate=duplicate, original=original, user=moderator_a)


def test_the_merged_idea_page_links_to_the_original_and_takes_no_votes(client, pair, moderator_a, member_b):
    duplicate, original = pair
    idea_merge(duplicate=duplicate, original=original, user=moderator_a)
    content = client.get(duplicate.get_absolute_url()).content.decode()
    assert original.get_absolute_url() in content
    duplicate.refresh_from_db()
    with pytest.raises(Refused):
        vote_toggle(idea=duplicate, user=member_b)


def test_unmerge_from_the_admin(client, pair, moderator_a):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
    from django.urls import reverse

    merge = idea_merge(duplicate=pair[0], original=pair[1], user=moderator_a)
    client.force_login(moderator_a)
    client.post(reverse("admin:ideas_merge_changelist"), {"action": "undo", ACTION_CHECKBOX_NAME: [merge.pk]})
    pair[0].refresh_from_db()
    assert pair[0].merged_into is None
