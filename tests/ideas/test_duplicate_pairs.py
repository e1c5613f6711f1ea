"""Duplicate detection where it shows (issue 16): "vote for this instead" while a member
types a new idea, "Possible duplicate of #N" with one-click merge on the review card, and
the nightly list of likely duplicates that moderators merge or dismiss in /admin/.

Personas as in tests/conftest.py: members, moderators and the brand manager of community A;
community B's moderator.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin import helpers
from django.urls import reverse
from django.utils import timezone

from community.models import ModerationItem, Status
from community.models.moderation import ItemState
from community.moderation.services import rule_for
from ideas import selectors
from ideas.duplicate_pairs import duplicates_find, duplicates_find_recent, likely_originals_of
from ideas.models import DuplicateCandidate, Follow, Idea, ModerationState, Vote
from ideas.services import idea_set_status, vote_toggle
from notifications.models import Kind, Notification
from tests.factories import UserFactory, login_with_mfa, make_idea

JSON = {"HTTP_ACCEPT": "application/json"}
SIMILAR = "ideas:similar"
BANNED = "arnaque"


@pytest.fixture(autouse=True)
def _no_external_spam_checker(settings) -> None:
    settings.MODERATION_SPAM_CHECK_URL = ""


@pytest.fixture
def wifi(community_a):
    return make_idea(community_a, UserFactory(), title="Du Wi-Fi stable dans tous les trains")


@pytest.fixture
def wifi_again(community_a):
    return make_idea(community_a, UserFactory(), title="Le Wi-Fi dans les trains, stable")


def suggestions(client, **params) -> list[dict]:
    response = client.get(reverse(SIMILAR), params)
    assert response.status_code == 200
    return response.json()


# --- "Vote for this instead" while typing ------------------------------------------------------


def test_it_tells_a_member_which_suggestions_they_voted_for(client, member_a, wifi, wifi_again):
    vote_toggle(idea=wifi, user=member_a)
    client.force_login(member_a)
    voted = {idea["id"]: idea["voted"] for idea in suggestions(client, title="wifi dans les trains")}
    assert voted == {wifi.pk: True, wifi_again.pk: False}


def test_one_click_on_a_suggestion_votes_for_it_and_follows_it(client, member_a, wifi):
    client.force_login(member_a)
    [idea] = suggestions(client, title="wifi stable")
    assert idea["vote_url"] == reverse("ideas:vote", args=[wifi.pk])
    assert idea["can_vote"] is True and idea["voted"] is False
    # What the page's button sends: an up-vote, from a box that showed none.
    for _twice in range(2):  # a double click counts once
        response = client.post(idea["vote_url"], {"value": 1, "current": 0}, **JSON)
        assert response.status_code == 200
        assert response.json() == {"value": 1, "votes": 1}
    assert Vote.objects.filter(idea=wifi, user=member_a, value=1).count() == 1
    assert Follow.objects.filter(idea=wifi, user=member_a).exists()
    assert suggestions(client, title="wifi stable")[0]["voted"] is True


def test_a_visitor_sees_suggestions_and_is_asked_to_sign_in_to_vote(client, wifi):
    [idea] = suggestions(client, title="wifi stable")
    assert idea["voted"] is None
    response = client.post(idea["vote_url"], {"value": 1, "current": 0}, **JSON)
    assert response.status_code == 401
    assert "/login/" in response.json()["login"]
    assert not Vote.objects.filter(idea=wifi).exists()


def test_a_closed_idea_is_suggested_without_a_vote_button(client, member_a, moderator_a, community_a, wifi):
    idea_set_status(idea=wifi, status=Status.objects.get(community=community_a, slug="done"), user=moderator_a)
    client.force_login(member_a)
    [idea] = suggestions(client, title="wifi stable")
    assert idea["can_vote"] is False


def test_the_first_lines_of_the_body_go_to_the_matching(client, monkeypatch, community_a):
    asked = {}

    def spy(community, title, *, limit=5, body=""):
        asked.update(title=title, body=body)
        return []

    monkeypatch.setattr(selectors, "ideas_similar", spy)
    assert suggestions(client, title="Du wifi", body="x" * 500) == []
    assert asked == {"title": "Du wifi", "body": "x" * 300}


@pytest.mark.parametrize(
    "params",
    [{"title": "x" * 201}, {"title": "wifi", "body": "x" * 2001}, {"title": "wi\x00fi"}],
    ids=["long title", "long body", "nul"],
)
def test_bad_input_is_a_400_in_json(client, member_a, wifi, params):
    client.force_login(member_a)
    response = client.get(reverse(SIMILAR), params)
    assert response.status_code == 400
    if "\x00" not in params["title"]:  # refused before any view (config/middleware.py)
        assert response.json()["error"]


def test_the_form_says_vote_for_this_instead_and_still_posts_without_script(client, member_a, community_a):
    client.force_login(member_a)
    page = client.get(reverse("ideas:create")).content.decode()
    assert "Voter pour celle-ci plutôt" in page and "Voté — vous la suivez" in page
    response = client.post(
        reverse("ideas:create"), {"title": "Des prises à chaque siège", "body": "Pour travailler.", "form_key": ""}
    )
    assert response.status_code in (302, 400)  # the form is the form: no script needed to post


# --- Finding likely duplicates ---------------------------------------------------------------------


def test_finding_records_public_look_alikes_once(community_a, wifi, wifi_again):
    assert duplicates_find(idea=wifi_again) == 1
    assert duplicates_find(idea=wifi_again) == 0
    [pair] = DuplicateCandidate.objects.filter(idea=wifi_again)
    assert pair.likely_original == wifi and pair.community == community_a


def test_the_nightly_sweep_is_idempotent_one_way_round_and_skips_old_ideas(community_a, community_b, wifi, wifi_again):
    make_idea(community_b, UserFactory(), title="Du Wi-Fi stable dans les trains de B")
    old = make_idea(community_a, UserFactory(), title="Wi-Fi stable et rapide dans les trains")
    Idea.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=3))
    assert duplicates_find_recent() == 1
    assert duplicates_find_recent() == 0
    # The newer idea repeats the older one, not the other way round; `old` was not looked
    # at; B's idea repeats A's, but a pair never crosses communities.
    pairs = set(DuplicateCandidate.objects.values_list("idea_id", "likely_original_id", "community_id"))
    assert pairs == {(wifi_again.pk, wifi.pk, community_a.pk)}


def test_a_dismissed_pair_is_not_suggested_again(community_a, moderator_a, wifi, wifi_again):
    duplicates_find(idea=wifi_again)
    DuplicateCandidate.objects.update(dismissed_at=timezone.now(), dismissed_by=moderator_a)
    duplicates_find_recent()
    assert DuplicateCandidate.objects.filter(dismissed_at=None).filter(idea=wifi_again).count() == 0
    assert likely_originals_of([wifi_again]) == {}


def test_a_held_idea_is_never_the_likely_original(community_a, member_a, wifi):
    community_a.moderation_mode = "pre"
    community_a.save()
    held = make_idea(community_a, member_a, title="Le Wi-Fi stable dans les trains")
    later = make_idea(community_a, member_a, title="Du Wi-Fi stable dans les trains, enfin")
    duplicates_find_recent()
    assert set(DuplicateCandidate.objects.values_list("likely_original_id", flat=True)) == {wifi.pk}
    assert {pair.idea_id for pair in DuplicateCandidate.objects.all()} == {held.pk, later.pk}


# --- The review card -------------------------------------------------------------------------------


@pytest.fixture
def held_duplicate(community_a, wifi, django_capture_on_commit_callbacks):
    """An idea held by the check whose title repeats `wifi`; its likely originals are found
    after the commit, as in production."""
    rule = rule_for(community_a)
    rule.banned_words = BANNED
    rule.save()
    author = UserFactory(username="doublon")
    with django_capture_on_commit_callbacks(execute=True):
        idea = make_idea(community_a, author, title="Le Wi-Fi stable dans les trains", body="Une arnaque, ce wifi.")
    item = ModerationItem.objects.get(idea=idea)
    assert item.state == ItemState.HELD
    return item


def merge_url(item: ModerationItem) -> str:
    return reverse("admin:community_moderationitem_review_merge", args=[item.pk])


def test_the_card_of_a_held_idea_names_its_likely_original(client, moderator_a, held_duplicate, wifi):
    login_with_mfa(client, moderator_a)
    response = client.get(reverse("admin:community_moderationitem_review"))
    [card] = response.context["cards"]
    assert card.originals == [wifi]
    page = response.content.decode()
    assert f"Doublon possible de l’idée n° {wifi.pk}" in page
    assert f"Fusionner dans l’idée n° {wifi.pk}" in page


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("visitor", 302),
        ("member_a", 302),  # not staff: the admin's sign-in page
        ("brand_manager_a", 403),  # staff, no moderation role
        ("moderator_b", 404),  # another community's item is not found
        ("moderator_a", 302),
        ("admin_a", 302),
    ],
)
def test_who_may_merge_from_the_card(client, request, persona, status, held_duplicate, wifi):
    if persona != "visitor":
        user = request.getfixturevalue(persona)
        login_with_mfa(client, user) if user.is_staff else client.force_login(user)
    response = client.post(merge_url(held_duplicate), {"original": wifi.pk})
    assert response.status_code == status
    merged = Idea.objects.get(pk=held_duplicate.idea_id).merged_into_id
    if persona in ("moderator_a", "admin_a"):
        assert response["Location"].startswith(reverse("admin:community_moderationitem_review"))
        assert merged == wifi.pk
    else:
        if status == 302:
            assert "/login/" in response["Location"]
        assert merged is None


def test_a_merge_from_the_card_tells_the_duplicates_author_and_settles_its_pairs(
    client, moderator_a, held_duplicate, wifi, django_capture_on_commit_callbacks
):
    login_with_mfa(client, moderator_a)
    duplicate = held_duplicate.idea
    Follow.objects.filter(idea=duplicate).delete()  # even one who stopped following it
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(merge_url(held_duplicate), {"original": wifi.pk}, **JSON)
    assert response.status_code == 200
    assert f"n° {wifi.pk}" in response.json()["message"]
    assert Notification.objects.filter(recipient=duplicate.author, kind=Kind.MERGE).exists()
    assert not DuplicateCandidate.objects.filter(idea=duplicate, dismissed_at=None).exists()
    held_duplicate.refresh_from_db()
    assert held_duplicate.state == ItemState.HELD  # the item still waits for its decision


def test_the_card_refuses_an_original_of_another_community_or_bad_input(
    client, community_b, moderator_a, held_duplicate
):
    login_with_mfa(client, moderator_a)
    elsewhere = make_idea(community_b, UserFactory(), title="Du Wi-Fi stable dans les trains de B")
    assert client.post(merge_url(held_duplicate), {"original": elsewhere.pk}, **JSON).status_code == 404
    for bad in ("", "x", "9" * 30, "-1"):
        assert client.post(merge_url(held_duplicate), {"original": bad}, **JSON).status_code == 400
    assert client.get(merge_url(held_duplicate)).status_code == 405
    assert Idea.objects.get(pk=held_duplicate.idea_id).merged_into_id is None


def test_a_comment_item_cannot_be_merged(client, community_a, moderator_a, wifi, django_capture_on_commit_callbacks):
    from ideas.services import comment_create

    rule = rule_for(community_a)
    rule.banned_words = BANNED
    rule.save()
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_create(idea=wifi, author=UserFactory(), body="Une arnaque.")
    item = ModerationItem.objects.get(comment=comment)
    login_with_mfa(client, moderator_a)
    assert client.post(merge_url(item), {"original": wifi.pk}, **JSON).status_code == 400


# --- The admin list ----------------------------------------------------------------------------


@pytest.fixture
def pairs(community_a, community_b, wifi, wifi_again):
    duplicates_find(idea=wifi_again)
    b_original = make_idea(community_b, UserFactory(), title="Des prises à chaque siège")
    b_again = make_idea(community_b, UserFactory(), title="Des prises électriques à chaque siège")
    duplicates_find(idea=b_again)
    return {
        "a": DuplicateCandidate.objects.get(idea=wifi_again),
        "b": DuplicateCandidate.objects.get(idea=b_again, likely_original=b_original),
    }


CHANGELIST = "admin:ideas_duplicatecandidate_changelist"


def test_moderators_see_the_pairs_of_their_community_only(client, moderator_a, moderator_b, pairs):
    login_with_mfa(client, moderator_a)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert [pair.pk for pair in response.context["cl"].result_list] == [pairs["a"].pk]
    client.logout()
    login_with_mfa(client, moderator_b)
    assert [pair.pk for pair in client.get(reverse(CHANGELIST)).context["cl"].result_list] == [pairs["b"].pk]


def test_the_merge_action_merges_into_the_likely_original(client, moderator_a, pairs, wifi, wifi_again):
    login_with_mfa(client, moderator_a)
    data = {"action": "merge", helpers.ACTION_CHECKBOX_NAME: [pairs["a"].pk, pairs["b"].pk]}
    assert client.post(reverse(CHANGELIST), data).status_code == 302
    assert Idea.objects.get(pk=wifi_again.pk).merged_into_id == wifi.pk
    assert Idea.objects.get(pk=pairs["b"].idea_id).merged_into_id is None  # another community: not selectable
    pairs["a"].refresh_from_db()
    assert pairs["a"].dismissed_by == moderator_a


def test_the_dismiss_action_settles_the_pair(client, moderator_a, pairs, wifi_again):
    login_with_mfa(client, moderator_a)
    data = {"action": "dismiss", helpers.ACTION_CHECKBOX_NAME: [pairs["a"].pk]}
    assert client.post(reverse(CHANGELIST), data).status_code == 302
    pairs["a"].refresh_from_db()
    assert pairs["a"].dismissed_at is not None and pairs["a"].dismissed_by == moderator_a
    assert Idea.objects.get(pk=wifi_again.pk).merged_into_id is None
    assert likely_originals_of([wifi_again]) == {}


def test_a_brand_manager_sees_the_list_without_its_actions(client, brand_manager_a, pairs, wifi_again):
    login_with_mfa(client, brand_manager_a)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert response.context["action_form"] is None  # no action is offered
    data = {"action": "dismiss", helpers.ACTION_CHECKBOX_NAME: [pairs["a"].pk]}
    client.post(reverse(CHANGELIST), data)
    pairs["a"].refresh_from_db()
    assert pairs["a"].dismissed_at is None


def test_a_merged_idea_shows_no_pair_any_more(community_a, moderator_a, pairs, wifi, wifi_again):
    from ideas.services import idea_merge

    idea_merge(duplicate=wifi_again, original=wifi, user=moderator_a)
    assert likely_originals_of([wifi_again]) == {}


def test_a_hidden_original_is_not_shown(community_a, pairs, wifi, wifi_again):
    Idea.objects.filter(pk=wifi.pk).update(moderation_state=ModerationState.HIDDEN)
    assert likely_originals_of([wifi_again]) == {}


# --- With a real worker on the real broker ---------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_finds_the_pairs_when_posted_and_each_night_once(community_a):
    from django.db import transaction

    from outbox import services as outbox
    from outbox.models import Job, JobState
    from tests.celery_worker import celery_worker, wait_for

    original = make_idea(community_a, UserFactory(), title="Du Wi-Fi stable dans tous les trains")
    with celery_worker():
        # Posting queues ideas.find_duplicates once committed (through the outbox).
        again = make_idea(community_a, UserFactory(), title="Le Wi-Fi dans les trains, stable")
        wait_for(lambda: Job.objects.filter(task="ideas.find_duplicates", args=[again.pk], state=JobState.DONE))
        assert DuplicateCandidate.objects.filter(idea=again, likely_original=original).exists()
        # The nightly sweep finds what a lost task missed, and run again doubles nothing.
        DuplicateCandidate.objects.all().delete()
        for night in range(2):
            with transaction.atomic():
                job = outbox.enqueue("ideas.find_recent_duplicates")
            wait_for(lambda job=job: Job.objects.filter(pk=job.pk, state=JobState.DONE).exists())
            pairs = list(DuplicateCandidate.objects.values_list("idea_id", "likely_original_id"))
            assert pairs == [(again.pk, original.pk)], night


def test_a_merged_idea_says_only_where_it_went_and_its_author_no_longer_edits_it(
    client, community_a, member_a, moderator_a
):
    from ideas.services import idea_merge

    original = make_idea(community_a, UserFactory(), title="Du Wi-Fi dans les trains")
    duplicate = make_idea(community_a, member_a, title="Le wifi dans le train")
    Idea.objects.filter(pk=duplicate.pk).update(moderation_state=ModerationState.PENDING)  # held, then merged
    idea_merge(duplicate=Idea.objects.get(pk=duplicate.pk), original=original, user=moderator_a)
    client.force_login(member_a)
    page = client.get(duplicate.get_absolute_url()).content.decode()
    assert "fusionnée dans" in page or "merged into" in page
    assert "En attente de relecture" not in page
    assert reverse("ideas:edit", args=[duplicate.pk]) not in page
    assert client.get(reverse("ideas:edit", args=[duplicate.pk])).status_code == 403
