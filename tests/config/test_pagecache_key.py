"""The visitors' page cache keys on the query parameters a page reads (config/pagecache.py):
random parameters cannot fill the Redis that also carries the broker, tracking parameters
share the page of the bare address, and every request still gets its page."""

from __future__ import annotations

import random
import string

import pytest
from django.core.cache import cache

from config import pagecache
from tests.factories import make_idea


def stored_pages() -> list[str]:
    """The shared pages in the test's cache database, as Redis holds them."""
    client = cache._cache.get_client(write=False)
    return [key.decode() for key in client.scan_iter(match="*shared-page:*") if b"variants" not in key]


def random_word(length: int = 8) -> str:
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=length))


@pytest.fixture
def ideas(community_a, member_a):
    return [
        make_idea(community_a, member_a, title=f"Des quais plus accueillants, numéro {n}", tags=["quais"])
        for n in range(3)
    ]


def random_query(number: int) -> str:
    return random.choice(
        [
            f"{random_word()}={random_word()}",  # a parameter no page reads
            f"page={number}",  # past the last page and past MAX_PAGE
            f"tag={random_word()}",  # a tag nobody used
            f"sort={random_word()}",  # refused with 400
            f"utm_source={random_word()}&utm_campaign={number}",  # tracking: the bare page
            f"sort=top&{random_word()}=1",
            f"page={random_word(3)}",
            f"status=&category=&tag=&page=0{number}",
        ]
    )


def test_random_parameters_store_at_most_a_few_pages(client, ideas):
    assert client.get("/ideas/").status_code == 200
    for number in range(120):
        query = random_query(number)
        response = client.get(f"/ideas/?{query}")
        assert response.status_code in (200, 400), query
        if response.status_code == 200 and "tag=" not in query:
            assert ideas[0].title in response.content.decode(), query
    # The bare listing, and at most pages 2 to MAX_PAGE (each showing the last page).
    assert len(stored_pages()) <= 1 + pagecache.MAX_PAGE - 1


def test_a_tracking_parameter_shares_the_page_of_the_bare_address(client, ideas, django_assert_num_queries):
    first = client.get("/ideas/?utm_source=newsletter&utm_medium=email")
    assert first.status_code == 200 and "utm_" not in first.content.decode()  # links and forms: the bare page
    with django_assert_num_queries(0):
        again = client.get("/ideas/")
        tagged = client.get("/ideas/?fbclid=abc")
    assert again.status_code == tagged.status_code == 200
    assert len(stored_pages()) == 1


def test_parameters_in_another_order_share_one_page(client, ideas, django_assert_num_queries):
    client.get("/ideas/?sort=top&tag=quais")
    with django_assert_num_queries(0):
        assert client.get("/ideas/?tag=quais&sort=top&status=").status_code == 200
    assert len(stored_pages()) == 1


def test_a_parameter_the_page_does_not_read_is_served_but_not_kept(client, ideas):
    response = client.get(f"{ideas[0].get_absolute_url()}?{random_word()}=1")
    assert response.status_code == 200 and ideas[0].title in response.content.decode()
    response = client.get(f"/?page=2&{random_word()}=x")
    assert response.status_code == 200 and ideas[0].title in response.content.decode()
    assert stored_pages() == []


def test_a_tag_nobody_used_is_served_but_not_kept(client, ideas):
    assert client.get("/ideas/?tag=nobody-used-this").status_code == 200
    assert stored_pages() == []
    assert ideas[0].title in client.get("/ideas/?tag=quais").content.decode()
    assert len(stored_pages()) == 1


def test_a_community_keeps_at_most_max_variants_pages_per_version(client, ideas, monkeypatch):
    monkeypatch.setattr(pagecache, "MAX_VARIANTS", 2)
    for query in ("", "sort=top", "sort=new", "sort=discussed"):
        response = client.get(f"/ideas/?{query}")
        assert response.status_code == 200 and ideas[0].title in response.content.decode()
    assert len(stored_pages()) == 2


def test_a_community_keeps_at_most_max_idea_pages_idea_pages(client, ideas, monkeypatch):
    monkeypatch.setattr(pagecache, "MAX_IDEA_PAGES", 2)
    for idea in ideas:
        response = client.get(idea.get_absolute_url())
        assert response.status_code == 200 and idea.title in response.content.decode()
    assert len(stored_pages()) == 2


def test_members_pages_count_against_the_same_caps(client, ideas, member_a, monkeypatch):
    from tests.factories import UserFactory

    monkeypatch.setattr(pagecache, "MAX_VARIANTS", 2)
    client.force_login(UserFactory())
    for query in ("", "sort=top", "sort=new"):
        assert client.get(f"/ideas/?{query}").status_code == 200
    assert len(stored_pages()) == 2
    assert all(":member:" in key for key in stored_pages())
