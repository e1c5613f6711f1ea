"""Members' pages from one shared rendering (config/pagecache.py `members=`,
ideas/member_pages.py): a plain member gets the page every plain member gets, with their own
parts filled in (their votes, their follow, their picture, the account menu and its unread
count), identical to the page rendered for them alone; anyone who would see more gets a
page of their own; a page costs a few queries whatever the number of ideas it shows."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from community.cache import local_forget
from community.moderation.services import flag_create
from ideas import member_pages
from ideas.models import Follow, Idea
from ideas.services import comment_create, follow_toggle, vote_toggle
from notifications.models import Notification
from notifications.services import unread_changed
from tests.factories import UserFactory, make_idea

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
FORM_KEY = re.compile(r'name="form_key" value="[^"]+"')
MARKER = re.compile(r"slot[0-9a-f]{32}")
LISTINGS = ("/", "/ideas/", "/ideas/?sort=top", "/ideas/?sort=new", "/roadmap/")


def _plain(html: str) -> str:
    """The page without what differs on every request: CSRF tokens and form keys."""
    return FORM_KEY.sub("", TOKEN.sub("", html))


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def _own_rendering(person, path: str, monkeypatch) -> str:
    """The page as rendered for this person alone (never a shared rendering)."""
    with monkeypatch.context() as patched:
        patched.setattr(member_pages, "plain_member", lambda request: False)
        return signed_in(person).get(path).content.decode()


@pytest.fixture
def ideas(community_a, member_a) -> list[Idea]:
    return [make_idea(community_a, member_a, title=f"Des abris à vélos sécurisés, gare {n}") for n in range(4)]


@pytest.fixture
def reader(ideas):
    """A member who voted for the first idea and follows it; their votes are old news
    (past LISTING_COUNTS_SECONDS: the marker of their recent action is gone)."""
    person = UserFactory(username="lectrice")
    vote_toggle(idea=ideas[0], user=person)  # a vote follows the idea
    if not Follow.objects.filter(idea=ideas[0], user=person).exists():
        follow_toggle(idea=ideas[0], user=person)
    vote_toggle(idea=ideas[2], user=UserFactory())
    cache.clear()
    return person


@pytest.mark.parametrize("path", [*LISTINGS, "idea"])
def test_a_members_shared_page_is_the_page_rendered_for_them(path, ideas, reader, monkeypatch):
    path = ideas[0].get_absolute_url() if path == "idea" else path
    own = _own_rendering(reader, path, monkeypatch)
    signed_in(UserFactory()).get(path)  # a member with no vote renders the shared page
    shared = signed_in(reader).get(path).content.decode()
    assert not MARKER.search(shared)
    assert _plain(shared) == _plain(own)
    assert "lectrice" in shared  # their account menu, not the first reader's


def test_the_vote_shows_as_the_members_own_on_a_shared_listing(ideas, reader, django_assert_max_num_queries):
    signed_in(UserFactory()).get("/ideas/")
    page = signed_in(reader).get("/ideas/").content.decode()
    pressed = re.findall(r'class="vote__button( is-active)?" aria-pressed="(true|false)"', page)
    assert sorted(pressed) == sorted([(" is-active", "true")] + [("", "false")] * 3)
    another = signed_in(UserFactory()).get("/ideas/").content.decode()
    assert "is-active" not in another


def _follow_button(page: str) -> str:
    return page.split("follow-button", 1)[1].split("</button>", 1)[0]


def _picture(page: str) -> str:
    return page.split('class="comment-form__avatar"', 1)[1].split("</span>", 1)[0]


def test_the_follow_and_picture_are_the_readers_own_on_a_shared_idea_page(ideas, reader, monkeypatch):
    url = ideas[0].get_absolute_url()
    first = UserFactory(username="premier", display_name="Zoé Quentin")
    signed_in(first).get(url)
    page = signed_in(reader).get(url).content.decode()
    assert 'aria-pressed="true"' in _follow_button(page) and "Idée suivie" in _follow_button(page)
    assert _picture(page) == _picture(_own_rendering(reader, url, monkeypatch))
    assert _picture(page) != _picture(signed_in(first).get(url).content.decode())
    other = signed_in(UserFactory()).get(url).content.decode()
    assert 'aria-pressed="false"' in _follow_button(other)


def test_each_reader_gets_their_own_unread_count(ideas, reader, community_a):
    Notification.objects.create(recipient=reader, community=community_a, kind="comment", key="k1")
    signed_in(UserFactory()).get("/ideas/")
    page = signed_in(reader).get("/ideas/").content.decode()
    assert re.search(r'data-testid="unread-count">.*?1<', page, re.S)
    assert 'data-testid="unread-count"' not in signed_in(UserFactory()).get("/ideas/").content.decode()


def test_a_shared_members_page_keeps_working_forms(ideas, reader):
    signed_in(UserFactory()).get(ideas[1].get_absolute_url())
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    page = client.get(ideas[1].get_absolute_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    keys = re.findall(r'name="form_key" value="([^"]+)"', page)
    assert keys and len(set(keys)) == len(keys)  # each form its own key
    answer = client.post(
        reverse("ideas:comment", args=[ideas[1].pk]),
        {"body": "Un avis posté depuis une page partagée", "csrfmiddlewaretoken": token, "form_key": keys[-1]},
    )
    assert answer.status_code == 302
    assert ideas[1].comments.filter(author=reader).exists()


# --- Who gets a page of their own -------------------------------------------------------


def test_the_author_sees_the_edit_link_and_others_do_not(ideas, reader, member_a):
    url = ideas[0].get_absolute_url()
    edit = reverse("ideas:edit", args=[ideas[0].pk])
    assert edit not in signed_in(reader).get(url).content.decode()
    assert edit in signed_in(member_a).get(url).content.decode()
    assert edit not in signed_in(UserFactory()).get(url).content.decode()


def test_a_member_who_reported_the_idea_sees_it_reported(ideas, reader):
    url = ideas[1].get_absolute_url()
    signed_in(UserFactory()).get(url)
    before = signed_in(reader).get(url).content.decode()
    flag_create(content=ideas[1], flagger=reader, reason="spam")
    after = signed_in(reader).get(url).content.decode()
    assert _plain(after) != _plain(before)
    assert _plain(after) == _plain(_own_rendering(reader, url, pytest.MonkeyPatch()))


def test_a_member_whose_comment_is_held_still_sees_it(ideas, reader):
    url = ideas[1].get_absolute_url()
    held = comment_create(idea=ideas[1], author=reader, body="Mon avis encore en attente de relecture")
    held.moderation_state = "pending"
    held.save(update_fields=["moderation_state"])
    signed_in(UserFactory()).get(url)
    assert "encore en attente de relecture" in signed_in(reader).get(url).content.decode()
    assert "encore en attente de relecture" not in signed_in(UserFactory()).get(url).content.decode()


def test_a_member_who_just_voted_sees_the_new_count_on_the_listing(ideas, reader, settings):
    settings.LISTING_COUNTS_SECONDS = 60  # counters on shared listings may lag a minute
    signed_in(UserFactory()).get("/ideas/")
    voter = UserFactory()
    client = signed_in(voter)
    client.get("/ideas/")
    vote_toggle(idea=ideas[3], user=voter)
    page = client.get("/ideas/").content.decode()
    card = page.split(f'id="idea-{ideas[3].pk}-title"')[0].rsplit("<article", 1)[1]
    assert 'aria-pressed="true"' in card and "data-vote-count>1<" in card


@pytest.mark.parametrize("role", ["moderator_a", "brand_manager_a", "admin_a"])
def test_staff_never_get_the_members_page(role, ideas, reader, request):
    person = request.getfixturevalue(role)
    signed_in(UserFactory()).get("/ideas/")
    page = signed_in(person).get("/ideas/").content.decode()
    assert person.public_name in page and "lectrice" not in page
    assert reverse("admin:index") in page  # their menu's tools


def test_another_communitys_member_gets_that_communitys_page(ideas, reader, member_b, community_b):
    make_idea(community_b, member_b, title="Une idée de la marque B seulement")
    signed_in(reader).get("/ideas/")
    page = signed_in(member_b).get("/ideas/", HTTP_HOST=community_b.domain).content.decode()
    assert "marque B seulement" in page and "abris à vélos" not in page


# --- Cost --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*LISTINGS, "idea"])
def test_a_shared_members_page_costs_the_same_few_queries_whatever_it_shows(
    path, community_a, member_a, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for more in (2, 12):
        cache.clear()
        ideas = [make_idea(community_a, member_a, title=f"Une idée de plus, {len(counts)}-{n}") for n in range(more)]
        person = UserFactory()
        for idea in ideas[::2]:
            vote_toggle(idea=idea, user=person)
        # The shared cache and this process's copies of its versions: a copy of the listing
        # version read before the clear would otherwise key the first reader's page apart
        # from the next reader's, once it expires between the two.
        cache.clear()
        local_forget()
        url = ideas[0].get_absolute_url() if path == "idea" else path
        signed_in(UserFactory()).get(url)
        client = signed_in(person)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 6


@pytest.mark.parametrize("role", ["moderator_a", "admin_a"])
def test_what_a_moderator_sees_never_reaches_a_member_nor_the_reverse(role, ideas, request):
    person = request.getfixturevalue(role)
    url = ideas[1].get_absolute_url()
    held = comment_create(idea=ideas[1], author=UserFactory(), body="Un avis que seuls les modérateurs voient")
    held.moderation_state = "pending"
    held.save(update_fields=["moderation_state"])
    assert "seuls les modérateurs" in signed_in(person).get(url).content.decode()
    assert "seuls les modérateurs" not in signed_in(UserFactory()).get(url).content.decode()
    assert "seuls les modérateurs" in signed_in(person).get(url).content.decode()


# --- The account menu, kept per process (accounts.templatetags.members.account_menu) ----------


def _menu(page: str) -> str:
    return page[page.index('data-testid="inbox-link"') : page.index("</details>", page.index("user-menu"))]


@pytest.mark.parametrize("path", ["/ideas/", "idea", "/profile/"])
def test_the_account_menu_follows_the_members_name_unread_count_and_role(path, ideas, reader, community_a):
    path = ideas[1].get_absolute_url() if path == "idea" else path
    path = reverse("profile_edit") if path == "/profile/" else path  # a page of their own
    client = signed_in(reader)
    before = _menu(client.get(path).content.decode())
    assert "lectrice" in before and "unread-count" not in before and reverse("admin:index") not in before

    reader.display_name = "Léa Dubois-Martin"
    reader.save()
    Notification.objects.create(recipient=reader, community=community_a, kind="comment", key="k1")
    Notification.objects.create(recipient=reader, community=community_a, kind="comment", key="k2")
    unread_changed([reader.pk])  # as notifications.services does when it records them
    after = _menu(client.get(path).content.decode())
    assert "Léa Dubois-Martin" in after
    assert re.search(r'data-testid="unread-count">.*?2<', after, re.S)

    reader.is_staff = True
    reader.save()
    assert reverse("admin:index") in _menu(signed_in(reader).get(reverse("profile_edit")).content.decode())


def test_the_account_menu_speaks_the_readers_language(ideas, reader):
    client = signed_in(reader)
    assert "Se déconnecter" in _menu(client.get("/ideas/").content.decode())
    client.cookies["django_language"] = "en"
    assert "Sign out" in _menu(client.get("/ideas/").content.decode())


@pytest.mark.parametrize("path", ["/ideas/", reverse("profile_edit")])
def test_the_kept_menu_signs_out_with_this_requests_token(path, ideas, reader):
    signed_in(UserFactory()).get(path)  # another member's menu and page rendered first
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    menu = _menu(client.get(path).content.decode())
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', menu).group(1)
    assert client.post(reverse("account_logout"), {"csrfmiddlewaretoken": token}).status_code == 302
    assert "_auth_user_id" not in client.session


def test_each_serving_of_a_shared_page_draws_new_form_keys(ideas, reader):
    url = ideas[1].get_absolute_url()
    signed_in(UserFactory()).get(url)
    client = signed_in(reader)
    first, second = (re.findall(r'name="form_key" value="([^"]+)"', client.get(url).content.decode()) for _ in "12")
    assert len(first) == len(set(first)) >= 2
    assert not set(first) & set(second)
