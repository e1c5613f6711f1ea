from __future__ import annotations

import math
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import PointEvent
from ideas.exceptions import Refused
from ideas.models import Follow, Idea, IdeaStats, ModerationState, Vote
from ideas.services import hot_score, idea_set_status, vote_toggle
from tests.factories import UserFactory

# Runs on the embedded default (SQLite) as well.
pytestmark = pytest.mark.smoke


def stats(idea) -> IdeaStats:
    return IdeaStats.objects.get(pk=idea.pk)


def test_a_vote_toggles_on_and_off(member_b, idea_a):
    assert vote_toggle(idea=idea_a, user=member_b).votes == 1
    assert stats(idea_a).upvotes == 1
    result = vote_toggle(idea=idea_a, user=member_b)  # at once: no waiting for a time window
    assert (result.value, result.votes) == (None, 0)
    assert not Vote.objects.filter(idea=idea_a).exists()


def test_a_double_submission_keeps_the_vote(member_b, idea_a):
    vote_toggle(idea=idea_a, user=member_b, seen=None)
    result = vote_toggle(idea=idea_a, user=member_b, seen=None)  # the same click, sent twice
    assert (result.value, result.votes) == (1, 1)
    assert stats(idea_a).upvotes == 1


def test_a_click_on_a_page_showing_the_vote_takes_it_back(member_b, idea_a):
    vote_toggle(idea=idea_a, user=member_b, seen=None)
    for _ in range(2):  # the undo, sent twice
        result = vote_toggle(idea=idea_a, user=member_b, seen=1)
        assert (result.value, result.votes) == (None, 0)
    assert not Vote.objects.filter(idea=idea_a).exists()


def test_voting_follows_the_idea(member_b, idea_a):
    vote_toggle(idea=idea_a, user=member_b)
    assert Follow.objects.filter(idea=idea_a, user=member_b).exists()
    assert stats(idea_a).followers == 2  # the author and the voter


def test_a_down_vote_flips_an_up_vote_where_the_community_allows_it(member_b, idea_a, community_a):
    community_a.downvotes_allowed = True
    community_a.save()
    idea_a.refresh_from_db()
    vote_toggle(idea=idea_a, user=member_b, value=1)
    result = vote_toggle(idea=idea_a, user=member_b, value=-1)
    assert (result.value, result.votes) == (-1, -1)
    row = stats(idea_a)
    assert (row.upvotes, row.downvotes) == (0, 1)


def test_down_votes_are_refused_where_the_community_does_not_use_them(member_b, idea_a):
    with pytest.raises(Refused):
        vote_toggle(idea=idea_a, user=member_b, value=-1)


def test_closed_ideas_take_no_votes(member_b, idea_a, community_a):
    idea_set_status(idea=idea_a, status=community_a.statuses.get(slug="done"), user=None)
    idea_a.refresh_from_db()
    with pytest.raises(Refused) as refusal:
        vote_toggle(idea=idea_a, user=member_b)
    assert refusal.value.status == 409
    assert stats(idea_a).votes == 0


def test_the_hot_score_follows_the_votes_in_the_same_write(member_b, idea_a):
    before = stats(idea_a)
    assert before.hot == pytest.approx(hot_score(0, before.hot_epoch))
    for _ in range(9):
        vote_toggle(idea=idea_a, user=UserFactory())
    vote_toggle(idea=idea_a, user=member_b)
    after = stats(idea_a)
    assert after.votes == 10
    assert after.hot == pytest.approx(hot_score(10, before.hot_epoch))
    assert after.hot == pytest.approx(before.hot + math.log10(11))  # log10(1 + votes)


def test_a_vote_does_not_rewrite_the_idea_row(member_b, idea_a):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        vote_toggle(idea=idea_a, user=member_b)
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("UPDATE", "INSERT", "DELETE"))]
    assert writes, "the vote wrote nothing"
    assert not any('"ideas_idea"' in sql.split(" WHERE ")[0] for sql in writes if sql.startswith("UPDATE"))


def test_the_vote_endpoint_answers_json_for_scripts(client, member_b, idea_a):
    client.force_login(member_b)
    response = client.post(reverse("ideas:vote", args=[idea_a.pk]), {"value": "1"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json() == {"value": 1, "votes": 1}


def test_the_vote_endpoint_redirects_a_plain_form_back(client, member_b, idea_a):
    client.force_login(member_b)
    response = client.post(reverse("ideas:vote", args=[idea_a.pk]), {"value": "1", "next": "/ideas/"})
    assert response.status_code == 302
    assert response["Location"] == "/ideas/"
    response = client.post(reverse("ideas:vote", args=[idea_a.pk]), {"next": "https://evil.test/"})
    assert response["Location"] == idea_a.get_absolute_url()


JSON = {"HTTP_ACCEPT": "application/json"}
WRITES_THE_IDEA_ROW = re.compile(r'^\s*(UPDATE|INSERT INTO|DELETE FROM)\s+"?ideas_idea"?\s', re.IGNORECASE)


def test_no_vote_ever_writes_the_idea_row(client, member_b, idea_a, community_a):
    community_a.downvotes_allowed = True
    community_a.save()
    url = reverse("ideas:vote", args=[idea_a.pk])
    before = Idea.objects.values("updated_at", "search_vector").get(pk=idea_a.pk)
    client.force_login(member_b)
    with CaptureQueriesContext(connection) as queries:
        client.post(url, {"value": "1", "current": "0"}, **JSON)  # cast
        client.post(url, {"value": "1", "current": "0"}, **JSON)  # the same click twice
        client.post(url, {"value": "-1", "current": "1"}, **JSON)  # flip
        client.post(url, {"value": "-1", "current": "-1"}, **JSON)  # withdraw
    statements = [query["sql"] for query in queries.captured_queries]
    assert any(sql.startswith('UPDATE "ideas_ideastats"') for sql in statements)
    assert [sql for sql in statements if WRITES_THE_IDEA_ROW.match(sql)] == []
    assert Idea.objects.values("updated_at", "search_vector").get(pk=idea_a.pk) == before


def test_a_vote_answers_the_score_with_everyone_elses_votes(client, member_b, idea_a):
    for _ in range(3):
        vote_toggle(idea=idea_a, user=UserFactory())
    client.force_login(member_b)
    response = client.post(reverse("ideas:vote", args=[idea_a.pk]), {"value": "1"}, **JSON)
    assert response.json() == {"value": 1, "votes": 4}
    assert stats(idea_a).votes == 4


def test_a_vote_follows_and_awards_the_author_once(member_b, member_a, idea_a):
    vote_toggle(idea=idea_a, user=member_b)
    vote_toggle(idea=idea_a, user=member_b)  # withdrawn
    result = vote_toggle(idea=idea_a, user=member_b)  # and cast again
    assert result.votes == 1
    assert (stats(idea_a).upvotes, stats(idea_a).followers) == (1, 2)
    assert Follow.objects.filter(idea=idea_a, user=member_b).count() == 1
    assert PointEvent.objects.filter(user=member_a, key=f"vote:{idea_a.pk}:{member_b.pk}").count() == 1


def test_the_vote_endpoint_answers_409_on_a_closed_idea(client, member_b, idea_a, community_a):
    idea_set_status(idea=idea_a, status=community_a.statuses.get(slug="done"), user=None)
    client.force_login(member_b)
    response = client.post(reverse("ideas:vote", args=[idea_a.pk]), {"value": "1"}, **JSON)
    assert response.status_code == 409
    assert stats(idea_a).votes == 0


def test_the_vote_endpoint_hides_a_held_idea_from_all_but_its_author_and_moderators(
    client, member_b, member_a, moderator_a, idea_a
):
    Idea.objects.filter(pk=idea_a.pk).update(moderation_state=ModerationState.PENDING)
    url = reverse("ideas:vote", args=[idea_a.pk])
    client.force_login(member_b)
    assert client.post(url, {"value": "1"}, **JSON).status_code == 404
    for seeing in (member_a, moderator_a):
        client.force_login(seeing)
        assert client.post(url, {"value": "1"}, **JSON).status_code == 409  # found, but not public yet
    assert not Vote.objects.filter(idea=idea_a).exists()


# --- A double submission is known by what was sent, not by the time ------------------------


def page_form_state(client, idea) -> str:
    """The `current` field of the vote form, as the idea page renders it for this member."""
    html = client.get(idea.get_absolute_url()).content.decode()
    found = re.search(r'<form class="vote"[^>]*>.*?name="current" value="(-?\d)"', html, re.DOTALL)
    assert found, "the vote form carries the vote it shows"
    return found.group(1)


def test_a_vote_undone_in_the_same_second_through_the_page_is_undone(client, member_b, idea_a):
    client.force_login(member_b)
    url = reverse("ideas:vote", args=[idea_a.pk])
    assert page_form_state(client, idea_a) == "0"
    assert client.post(url, {"value": "1", "current": "0"}).status_code == 302
    assert stats(idea_a).votes == 1
    shown = page_form_state(client, idea_a)  # the page the redirect lands on
    assert shown == "1"
    response = client.post(url, {"value": "1", "current": shown})  # the undo, at once
    assert response.status_code == 302
    assert not Vote.objects.filter(idea=idea_a, user=member_b).exists()
    assert (stats(idea_a).votes, stats(idea_a).upvotes) == (0, 0)
    assert page_form_state(client, idea_a) == "0"


def test_the_same_post_replayed_counts_once(client, member_b, idea_a):
    client.force_login(member_b)
    url = reverse("ideas:vote", args=[idea_a.pk])
    for _ in range(3):  # a double click, then the browser's "send the form again"
        assert client.post(url, {"value": "1", "current": "0", "next": "/ideas/"})["Location"] == "/ideas/"
    assert Vote.objects.filter(idea=idea_a, user=member_b).count() == 1
    assert (stats(idea_a).votes, stats(idea_a).upvotes) == (1, 1)
    assert PointEvent.objects.filter(key=f"vote:{idea_a.pk}:{member_b.pk}").count() == 1


def test_the_script_path_votes_and_undoes_at_once_and_ignores_a_replay(client, member_b, idea_a):
    client.force_login(member_b)
    url = reverse("ideas:vote", args=[idea_a.pk])
    cast = {"value": "1", "current": "0"}
    assert client.post(url, cast, **JSON).json() == {"value": 1, "votes": 1}
    assert client.post(url, cast, **JSON).json() == {"value": 1, "votes": 1}  # replayed: nothing moves
    # ideas.js sets `current` from the answer: the next click is an undo.
    undo = {"value": "1", "current": "1"}
    assert client.post(url, undo, **JSON).json() == {"value": None, "votes": 0}
    assert client.post(url, undo, **JSON).json() == {"value": None, "votes": 0}
    assert not Vote.objects.filter(idea=idea_a).exists()
    assert stats(idea_a).votes == 0


def test_a_post_without_the_state_still_toggles(client, member_b, idea_a):
    client.force_login(member_b)
    url = reverse("ideas:vote", args=[idea_a.pk])
    answers = [client.post(url, {"value": "1"}, **JSON).json() for _ in range(3)]
    assert answers == [{"value": 1, "votes": 1}, {"value": None, "votes": 0}, {"value": 1, "votes": 1}]


def test_a_flip_from_a_page_showing_an_up_vote(client, member_b, idea_a, community_a):
    community_a.downvotes_allowed = True
    community_a.save()
    client.force_login(member_b)
    url = reverse("ideas:vote", args=[idea_a.pk])
    client.post(url, {"value": "1", "current": "0"}, **JSON)
    for _ in range(2):
        assert client.post(url, {"value": "-1", "current": "1"}, **JSON).json() == {"value": -1, "votes": -1}
    assert (stats(idea_a).upvotes, stats(idea_a).downvotes) == (0, 1)


@pytest.mark.parametrize("current", ["2", "yes", "-0.5"])
def test_a_garbled_state_is_refused_with_a_message(client, member_b, idea_a, current):
    client.force_login(member_b)
    response = client.post(reverse("ideas:vote", args=[idea_a.pk]), {"value": "1", "current": current}, **JSON)
    assert response.status_code == 400
    assert response.json()["error"]
    assert not Vote.objects.exists()
