"""Idea cards are rendered once per state and served from the cache (ideas_tags.idea_cards):
what a card shows is always current, and the per-request parts are the reader's own."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from ideas.services import vote_toggle
from tests.factories import UserFactory, make_idea

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NEXT = re.compile(r'name="next" value="([^"]+)"')


@pytest.fixture
def ideas(community_a, member_a):
    return [make_idea(community_a, member_a, title=f"Des trains plus ponctuels, épisode {n}") for n in range(3)]


def card_of(page: str, idea) -> str:
    start = page.index(f'id="idea-{idea.pk}-title"')
    return page[page.rindex("<article", 0, start) : page.index("</article>", start)]


def test_a_vote_shows_on_the_card_at_once(client, ideas, member_a, settings):
    # Listings may show counters up to LISTING_COUNTS_SECONDS old (tests/ideas/test_freshness.py);
    # the card itself is never stale.
    settings.LISTING_COUNTS_SECONDS = 0
    first = client.get(reverse("ideas:list")).content.decode()
    assert "data-vote-count>0<" in card_of(first, ideas[0])
    vote_toggle(idea=ideas[0], user=UserFactory())
    again = client.get(reverse("ideas:list")).content.decode()
    assert "data-vote-count>1<" in card_of(again, ideas[0])


def test_my_own_vote_shows_as_mine_and_not_for_others(ideas, community_a):
    voter, other = UserFactory(), UserFactory()
    vote_toggle(idea=ideas[1], user=voter)
    mine, theirs = Client(), Client()
    mine.force_login(voter)
    theirs.force_login(other)
    assert 'aria-pressed="true"' in card_of(mine.get(reverse("ideas:list")).content.decode(), ideas[1])
    assert 'aria-pressed="true"' not in card_of(theirs.get(reverse("ideas:list")).content.decode(), ideas[1])


def test_each_reader_gets_their_own_csrf_token_and_return_path(ideas, community_a):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for client in (first, second):
        client.force_login(UserFactory())
    first.get(reverse("ideas:list"))  # the cards are now cached
    page = second.get(reverse("ideas:list") + "?sort=new").content.decode()
    assert set(NEXT.findall(page)) == {reverse("ideas:list") + "?sort=new"}
    token = TOKEN.findall(card_of(page, ideas[2]))[0]
    response = second.post(reverse("ideas:vote", args=[ideas[2].pk]), {"csrfmiddlewaretoken": token, "value": "1"})
    assert response.status_code == 302  # the token in a cached card is this reader's


def test_a_status_renamed_in_the_admin_shows_on_the_cards(
    client, ideas, community_a, django_capture_on_commit_callbacks
):
    from community.cache import community_cache_clear

    status = ideas[0].status
    client.get(reverse("ideas:list"))
    status.name_fr = "Toute nouvelle"
    status.save()
    with django_capture_on_commit_callbacks(execute=True):
        community_cache_clear()  # what the admin's save does
    assert "Toute nouvelle" in client.get(reverse("ideas:list")).content.decode()


def test_a_cached_total_may_lag_but_the_page_shows_every_new_idea(client, ideas, community_a, member_a):
    assert client.get(reverse("ideas:list")).context["page"].paginator.count == 3
    newer = make_idea(community_a, member_a, title="Une idée toute neuve sur les quais")
    page = client.get(reverse("ideas:list") + "?sort=new").context["page"]
    assert page.paginator.count == 3  # the total is kept for a minute
    assert newer in page.object_list and len(page.object_list) == 4


def test_an_edited_or_deleted_comment_shows_as_it_is_now(client, idea_a, member_a):
    from ideas.services import comment_create, comment_delete, comment_update

    comment = comment_create(idea=idea_a, author=member_a, body="Premier jet du commentaire")
    assert "Premier jet" in client.get(idea_a.get_absolute_url()).content.decode()  # now cached
    comment_update(comment=comment, user=member_a, body="Texte corrigé du commentaire")
    page = client.get(idea_a.get_absolute_url()).content.decode()
    assert "Texte corrigé" in page and "Premier jet" not in page
    comment_delete(comment=comment, user=member_a)
    assert "Texte corrigé" not in client.get(idea_a.get_absolute_url()).content.decode()
