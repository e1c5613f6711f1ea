from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from ideas.exceptions import Refused
from ideas.models import Comment, Follow, Idea, IdeaStats, Merge, Vote
from ideas.services import (
    comment_create,
    content_set_moderation_state,
    follow_toggle,
    idea_merge,
    idea_unmerge,
    vote_toggle,
)
from tests.factories import UserFactory, login_with_mfa, make_idea

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
    login_with_mfa(client, moderator_a)
    client.post(reverse("admin:ideas_merge_changelist"), {"action": "undo", ACTION_CHECKBOX_NAME: [merge.pk]})
    pair[0].refresh_from_db()
    assert pair[0].merged_into is None


# --- Followers are told ----------------------------------------------------------------------


def test_a_merge_tells_the_followers_of_both_ideas_once_with_a_link_to_the_original(
    community_a, moderator_a, django_capture_on_commit_callbacks
):
    from django.core import mail

    from notifications.models import Kind, Notification

    duplicate_author, original_author, both, only_duplicate = (UserFactory() for _ in range(4))
    duplicate = make_idea(community_a, duplicate_author, title="Le wifi dans le train")
    original = make_idea(community_a, original_author, title="Du Wi-Fi stable dans tous les trains")
    for user in (both, only_duplicate):
        follow_toggle(idea=duplicate, user=user)
    follow_toggle(idea=original, user=both)
    follow_toggle(idea=duplicate, user=moderator_a)

    with django_capture_on_commit_callbacks(execute=True):
        merge = idea_merge(duplicate=duplicate, original=original, user=moderator_a)

    told = dict(Notification.objects.filter(key=f"merge:{merge.pk}").values_list("recipient_id", "kind"))
    expected = {user.pk: Kind.MERGE for user in (duplicate_author, original_author, both, only_duplicate)}
    assert told == expected  # each once, and not the moderator who merged
    assert Notification.objects.filter(recipient=both).count() == 1
    [message] = [message for message in mail.outbox if message.to == [both.email]]
    assert "L’idée « Le wifi dans le train » a été fusionnée avec « Du Wi-Fi stable dans tous les trains »" in (
        message.body
    )
    assert original.get_absolute_url() in message.body
    assert not [message for message in mail.outbox if message.to == [moderator_a.email]]


@pytest.mark.parametrize("state", ["hidden", "pending", "rejected"])
def test_an_idea_that_is_not_public_cannot_be_the_original_of_a_merge(
    client, community_a, moderator_a, django_capture_on_commit_callbacks, state
):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
    from django.core import mail
    from django.urls import reverse

    from notifications.models import Notification

    follower = UserFactory()
    duplicate = make_idea(community_a, UserFactory(), title="Le wifi dans le train")
    follow_toggle(idea=duplicate, user=follower)
    original = make_idea(community_a, UserFactory(), title="Un titre que personne ne doit lire")
    Idea.objects.filter(pk=original.pk).update(moderation_state=state)

    login_with_mfa(client, moderator_a)
    form = {"action": "merge_into", ACTION_CHECKBOX_NAME: [duplicate.pk], "apply": "1", "original": original.pk}
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("admin:ideas_idea_changelist"), form, follow=True)

    assert answer.status_code == 200
    assert "Seule une idée publique peut servir d’idée d’origine à une fusion." in answer.content.decode()
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    assert not Notification.objects.filter(key__startswith="merge:").exists()
    assert not any("personne ne doit lire" in message.body for message in mail.outbox)


def test_the_merge_form_offers_the_likely_originals_of_the_community_only(
    client, community_a, community_b, moderator_a, django_capture_on_commit_callbacks
):
    duplicate = make_idea(community_a, UserFactory(), title="Le wifi dans le train de nuit")
    likely = make_idea(community_a, UserFactory(), title="Du wifi dans le train, enfin")
    hidden = make_idea(community_a, UserFactory(), title="Le wifi du train, version cachée")
    content_set_moderation_state(content=hidden, state="hidden")
    elsewhere = make_idea(community_b, UserFactory(), title="Le wifi dans le train de Brand B")
    login_with_mfa(client, moderator_a)
    start = {"action": "merge_into", ACTION_CHECKBOX_NAME: [duplicate.pk]}

    page = client.post(reverse("admin:ideas_idea_changelist"), start).content.decode()
    assert f'value="{likely.pk}"' in page and likely.title in page
    assert hidden.title not in page and elsewhere.title not in page

    refused = client.post(reverse("admin:ideas_idea_changelist"), {**start, "apply": "1"})
    assert refused.status_code == 200
    assert "Choisissez l’idée qui reste, ou donnez son identifiant." in refused.content.decode()
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("admin:ideas_idea_changelist"), {**start, "apply": "1", "candidate": likely.pk})
    assert answer.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == likely.pk
