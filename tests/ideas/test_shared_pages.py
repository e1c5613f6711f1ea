"""Visitors' pages come from the shared page cache (config/pagecache.py): rendered once per
community, language, address and content version, never stale after a change, never shown
to a signed-in member, and with each visitor's own working CSRF token."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from community import cache as community_cache
from community.cache import content_changed, content_version
from community.selectors import community_for_host
from ideas.services import comment_create, idea_set_status, vote_toggle
from tests.factories import UserFactory, make_idea

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MARKER = re.compile(r"slot[0-9a-f]{32}")  # config/slots.py: filled before any visitor sees it
SHARED_PAGES = ("/", "/ideas/", "/ideas/?sort=top", "/roadmap/")


@pytest.fixture
def ideas(community_a, member_a):
    return [make_idea(community_a, member_a, title=f"Des quais plus accueillants, numéro {n}") for n in range(3)]


@pytest.mark.parametrize("path", SHARED_PAGES)
def test_it_serves_a_visitor_an_unchanged_page_without_a_query(client, ideas, path, django_assert_num_queries):
    first = client.get(path)
    with django_assert_num_queries(0):
        again = client.get(path)
    assert again.status_code == 200
    assert TOKEN.sub("", again.content.decode()) == TOKEN.sub("", first.content.decode())


def test_it_serves_the_idea_page_without_a_query(client, ideas, django_assert_num_queries):
    url = ideas[0].get_absolute_url()
    client.get(url)
    with django_assert_num_queries(0):
        assert ideas[0].title in client.get(url).content.decode()


def test_each_visitor_gets_a_token_that_works_with_their_own_cookie(ideas):
    Client().get("/")  # the page is now cached
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get("/")
    token = TOKEN.findall(page.content.decode())[0]
    assert settings.CSRF_COOKIE_NAME in page.cookies  # the cached page still sets the cookie
    switched = visitor.post(reverse("set_language"), {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
    assert switched.status_code == 302
    stranger = Client(enforce_csrf_checks=True)
    stranger.get("/robots.txt")
    refused = stranger.post(reverse("set_language"), {"language": "en", "csrfmiddlewaretoken": "x" * 64})
    assert refused.status_code == 403


def test_no_visitor_ever_sees_the_slot(client, ideas):
    for _ in range(2):
        assert not MARKER.search(client.get("/ideas/").content.decode())


def test_a_signed_in_member_never_gets_the_visitors_page(client, ideas, member_a):
    client.get("/ideas/")  # cached for visitors
    client.force_login(member_a)
    page = client.get("/ideas/").content.decode()
    assert member_a.public_name in page and "Sign in" not in page and "Se connecter" not in page


@pytest.mark.parametrize(
    "change",
    [
        lambda ideas, member: vote_toggle(idea=ideas[0], user=UserFactory()),
        lambda ideas, member: make_idea(ideas[0].community, member, title="Une idée toute neuve pour les gares"),
        lambda ideas, member: comment_create(idea=ideas[0], author=member, body="Un avis tout neuf"),
    ],
    ids=["vote", "new idea", "comment"],
)
def test_a_change_shows_to_the_next_visitor_at_once(client, ideas, member_a, change):
    url = ideas[0].get_absolute_url()
    before = {path: client.get(path).content for path in ("/ideas/", url)}
    change(ideas, member_a)
    assert client.get("/ideas/").content != before["/ideas/"] or client.get(url).content != before[url]


def test_a_status_change_shows_on_the_roadmap_at_once(client, ideas, community_a, brand_manager_a):
    planned = community_a.statuses.get(slug="planned")
    assert ideas[1].title not in client.get("/roadmap/").content.decode()
    idea_set_status(idea=ideas[1], status=planned, user=brand_manager_a)
    assert ideas[1].title in client.get("/roadmap/").content.decode()


def test_pages_are_kept_per_language(client, ideas):
    assert 'lang="fr"' in client.get("/ideas/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert 'lang="en"' in client.get("/ideas/").content.decode()


def test_pages_are_kept_per_community(client, ideas, community_b, member_b):
    idea_b = make_idea(community_b, member_b, title="Une idée de la marque B seulement")
    page_a = client.get("/ideas/", HTTP_HOST="ideas.brand-a.test").content.decode()
    page_b = client.get("/ideas/", HTTP_HOST="ideas.brand-b.test").content.decode()
    assert ideas[0].title in page_a and idea_b.title not in page_a
    assert idea_b.title in page_b and ideas[0].title not in page_b


def test_a_search_is_never_kept(client, ideas, django_assert_max_num_queries):
    # Its page is rendered for each request; what it found may be shared for a few seconds
    # (tests/ideas/test_search_plan.py).
    client.get("/ideas/?q=quais")
    with django_assert_max_num_queries(12):
        again = client.get("/ideas/?q=quais")
    assert "ideas/idea_list.html" in [template.name for template in again.templates]
    client.get("/ideas/")
    assert client.get("/ideas/").templates == []  # a kept page: not rendered again


def test_a_visitor_with_a_message_to_read_gets_it_and_the_next_one_does_not(client, ideas, member_a):
    Client().get("/")
    client.force_login(member_a)
    client.post(reverse("account_logout"))  # "You have signed out." waits for the next page
    page = client.get("/").content.decode()
    assert "toast--" in page
    assert "toast--" not in Client().get("/").content.decode()


def test_a_cache_outage_still_serves_the_page(client, ideas, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, "get", broken)
    monkeypatch.setattr(cache, "get_or_set", broken)
    monkeypatch.setattr(cache, "get_many", broken)
    community_cache.local_forget()
    response = client.get("/ideas/")
    assert response.status_code == 200 and ideas[0].title in response.content.decode()


# --- Each process's copy of the versions ------------------------------------------------


def test_another_process_change_is_seen_within_the_local_delay(community_a, settings, monkeypatch):
    settings.LOCAL_CACHE_SECONDS = 5
    clock = [1000.0]
    monkeypatch.setattr(community_cache.time, "monotonic", lambda: clock[0])
    seen = content_version(community_a.pk)
    cache.incr(community_cache.CONTENT_VERSION_KEY.format(community_a.pk))  # what another process does
    assert content_version(community_a.pk) == seen  # still this process's copy
    clock[0] += 5
    assert content_version(community_a.pk) == seen + 1


def test_a_change_made_here_is_seen_here_at_once(community_a, settings):
    settings.LOCAL_CACHE_SECONDS = 60
    seen = content_version(community_a.pk)
    content_changed(community_a.pk)
    assert content_version(community_a.pk) > seen


def test_each_request_gets_its_own_copy_of_the_community(community_a):
    first = community_for_host("ideas.brand-a.test")
    first.name = "Changed by one request"
    second = community_for_host("ideas.brand-a.test")
    assert second == first and second is not first
    assert second.name == "Brand A"


# --- An idea's thread, shared by the readers who have no part in it ----------------------


def page_for(person, idea) -> str:
    """The idea page as this person, signed in on a client of their own, sees it."""
    client = Client()
    client.force_login(person)
    return client.get(idea.get_absolute_url()).content.decode()


@pytest.fixture
def discussed(idea_a, member_a):
    comment_create(idea=idea_a, author=member_a, body="Le premier avis du fil")
    return idea_a


def test_a_member_with_no_part_in_the_thread_gets_working_tools(discussed):
    first = Client()  # another reader renders the shared thread first
    first.force_login(UserFactory())
    first.get(discussed.get_absolute_url())
    reader = Client(enforce_csrf_checks=True)
    reader.force_login(UserFactory())
    page = reader.get(discussed.get_absolute_url()).content.decode()
    assert "Signaler" in page and "Répondre" in page and not MARKER.search(page)
    token = TOKEN.findall(page)[0]
    parent = discussed.comments.get()
    url = reverse("ideas:comment", args=[discussed.pk])
    answered = reader.post(
        url, {"body": "Une réponse au premier avis", "parent": parent.pk, "csrfmiddlewaretoken": token}
    )
    assert answered.status_code == 302


def test_the_author_of_a_comment_still_gets_their_own_tools(discussed, member_a):
    assert "Supprimer" not in page_for(UserFactory(), discussed)
    assert "Supprimer" in page_for(member_a, discussed)


def test_a_moderator_still_sees_what_others_do_not(discussed, moderator_a):
    held = comment_create(idea=discussed, author=UserFactory(), body="Un avis encore en attente")
    held.moderation_state = "pending"
    held.save(update_fields=["moderation_state"])
    content_changed(discussed.community_id)
    assert "encore en attente" not in page_for(UserFactory(), discussed)
    assert "encore en attente" in page_for(moderator_a, discussed)


def test_a_hidden_idea_is_gone_at_once_for_all_but_its_author_and_moderators(idea_a, member_a, moderator_a):
    from ideas.services import content_set_moderation_state

    reader = Client()
    reader.force_login(UserFactory())
    assert reader.get(idea_a.get_absolute_url()).status_code == 200  # the public idea is now shared
    content_set_moderation_state(content=idea_a, state="hidden")
    assert reader.get(idea_a.get_absolute_url()).status_code == 404
    assert Client().get(idea_a.get_absolute_url()).status_code == 404
    for person in (member_a, moderator_a):
        own = Client()
        own.force_login(person)
        assert own.get(idea_a.get_absolute_url()).status_code == 200
