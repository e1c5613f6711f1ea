"""The pages of PRODUCT.md §9: list filters and sorts, idea page, roadmap, feeds, sitemap."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from ideas.models import Vote
from ideas.services import comment_create, follow_toggle, idea_set_status, vote_toggle
from tests.factories import CategoryFactory, UserFactory, make_idea

# Runs on the embedded default (SQLite) as well.
pytestmark = pytest.mark.smoke

ATOM = "{http://www.w3.org/2005/Atom}"


def listed(client, **query) -> list[str]:
    response = client.get(reverse("ideas:list"), query)
    assert response.status_code == 200
    return [idea.title for idea in response.context["page"].object_list]


@pytest.fixture
def catalogue(community_a, member_a):
    wifi = CategoryFactory(community=community_a, slug="wifi", name_fr="Wi-Fi", name_en="Wi-Fi")
    ideas = {
        "popular": make_idea(community_a, member_a, title="Une idée très soutenue", category=wifi, tags=["wifi"]),
        "discussed": make_idea(community_a, member_a, title="Une idée très discutée"),
        "planned": make_idea(community_a, member_a, title="Une idée prévue", tags=["gares"]),
        "fresh": make_idea(community_a, UserFactory(), title="Une idée toute fraîche"),
    }
    for _ in range(3):
        vote_toggle(idea=ideas["popular"], user=UserFactory())
    for number in range(2):
        comment_create(idea=ideas["discussed"], author=UserFactory(), body=f"Avis {number}")
    idea_set_status(idea=ideas["planned"], status=community_a.statuses.get(slug="planned"), user=None)
    return ideas


def test_sorts(client, catalogue):
    assert listed(client, sort="top")[0] == "Une idée très soutenue"
    assert listed(client, sort="discussed")[0] == "Une idée très discutée"
    assert listed(client, sort="new")[0] == "Une idée toute fraîche"
    assert listed(client)[0] == "Une idée très soutenue"  # hot: votes weigh, all posted together


def test_filters(client, catalogue, member_a):
    assert listed(client, status="planned") == ["Une idée prévue"]
    assert listed(client, category="wifi") == ["Une idée très soutenue"]
    assert listed(client, tag="gares") == ["Une idée prévue"]
    client.force_login(member_a)
    assert set(listed(client, mine="1")) == {"Une idée très soutenue", "Une idée très discutée", "Une idée prévue"}
    follow_toggle(idea=catalogue["fresh"], user=member_a)
    # member_a follows their own three ideas (posting follows) and now this one.
    assert "Une idée toute fraîche" in listed(client, followed="1")
    assert len(listed(client, followed="1")) == 4


def test_pages_of_twenty(client, community_a, member_a):
    for number in range(45):
        make_idea(community_a, member_a, title=f"Idée en série {number:02d}")
    assert len(listed(client, page="2")) == 20
    assert len(listed(client, page="3")) == 5
    assert len(listed(client, page="99")) == 5  # past the end: the last page


def test_the_list_shows_my_held_ideas_only_to_me(client, community_a, member_a):
    community_a.moderation_mode = "pre"
    community_a.save()
    make_idea(community_a, member_a, title="Une idée en attente de relecture")
    assert listed(client) == []
    client.force_login(member_a)
    assert listed(client) == []  # the public list stays public
    response = client.get(reverse("ideas:list"), {"mine": "1"})
    assert "Une idée en attente de relecture" in response.content.decode()
    assert 'class="badge badge--pending"' in response.content.decode()


def test_an_authors_held_idea_shows_the_awaiting_review_banner(client, community_a, member_a, member_b):
    community_a.moderation_mode = "pre"
    community_a.save()
    idea = make_idea(community_a, member_a, title="Une idée en attente de relecture")
    assert client.get(idea.get_absolute_url()).status_code == 404
    client.force_login(member_b)
    assert client.get(idea.get_absolute_url()).status_code == 404
    client.force_login(member_a)
    response = client.get(idea.get_absolute_url())
    assert response.status_code == 200
    assert 'class="banner banner--pending"' in response.content.decode()


def test_short_and_wrong_slug_urls_redirect_to_the_canonical_one(client, idea_a):
    assert client.get(f"/ideas/{idea_a.pk}/")["Location"] == idea_a.get_absolute_url()
    response = client.get(f"/ideas/{idea_a.pk}-old-title/")
    assert response.status_code == 301
    assert response["Location"] == idea_a.get_absolute_url()


def test_the_idea_page_carries_opengraph_twitter_and_share_links(client, idea_a):
    content = client.get(idea_a.get_absolute_url()).content.decode()
    assert '<meta property="og:title" content="Du Wi-Fi stable dans tous les trains">' in content
    # On the community's own domain (PRODUCT.md §12), whatever host the request came by.
    assert f'<meta property="og:url" content="http://ideas.brand-a.test{idea_a.get_absolute_url()}">' in content
    assert '<meta name="twitter:card" content="summary">' in content
    assert "https://www.linkedin.com/sharing/share-offsite/?url=" in content
    assert 'id="official-response"' in content  # the slot for the brand's answer


def test_the_roadmap_has_the_roadmap_statuses_in_order(client, catalogue, community_a):
    idea_set_status(idea=catalogue["fresh"], status=community_a.statuses.get(slug="done"), user=None)
    columns = client.get(reverse("roadmap")).context["columns"]
    assert [status.slug for status, _ideas in columns] == ["planned", "in-progress", "done"]
    assert [[idea.title for idea in ideas] for _status, ideas in columns] == [
        ["Une idée prévue"],
        [],
        ["Une idée toute fraîche"],
    ]


def test_the_home_page_shows_hot_ideas_and_the_welcome_text(client, catalogue, community_a):
    community_a.welcome_text = "Bienvenue à bord !"
    community_a.save()
    content = client.get("/").content.decode()
    assert "Bienvenue à bord !" in content
    assert "Une idée très soutenue" in content


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "/ideas/feed/",
            {"Une idée très soutenue", "Une idée très discutée", "Une idée prévue", "Une idée toute fraîche"},
        ),
        ("/ideas/feed/status/planned/", {"Une idée prévue"}),
        ("/ideas/feed/category/wifi/", {"Une idée très soutenue"}),
    ],
)
def test_atom_feeds(client, catalogue, path, expected):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    assert {entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")} == expected


def test_feeds_of_unknown_scopes_are_404(client, catalogue):
    assert client.get("/ideas/feed/status/nope/").status_code == 404
    assert client.get("/ideas/feed/planet/wifi/").status_code == 404
    assert client.get("/ideas/feed/category/nope/").status_code == 404


def test_feeds_drop_characters_xml_cannot_carry(client, community_a, member_a):
    """A title, body, tag or community name with a control character (pasted from a
    terminal) once made the whole feed a 500; the feed is still valid XML without them."""
    community_a.tagline = "Vos idées\x0b"
    community_a.save()
    make_idea(community_a, member_a, title="Du Wi-Fi\x07 dans le train", body="Vite\x1b[0m", tags=["ré\x08seau"])
    response = client.get("/ideas/feed/")
    assert response.status_code == 200
    feed = ElementTree.fromstring(response.content)
    assert [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")] == ["Du Wi-Fi dans le train"]
    assert [category.get("term") for category in feed.iter(f"{ATOM}category")] == ["réseau"]
    assert feed.find(f"{ATOM}subtitle").text == "Vos idées"


def test_the_sitemap_lists_public_ideas_of_this_community(client, catalogue, community_b, member_b):
    other = make_idea(community_b, member_b, title="Ailleurs")
    content = client.get("/sitemap.xml").content.decode()
    assert catalogue["popular"].get_absolute_url() in content
    assert other.get_absolute_url() not in content


def test_hot_ranks_a_fresh_idea_over_an_old_one_with_the_same_votes(community_a, member_a):
    from ideas.models import Idea, IdeaStats
    from ideas.selectors import ideas_hot
    from ideas.services import hot_epoch_of, stats_recount

    old = make_idea(community_a, member_a, title="Une idée de l'an dernier")
    new = make_idea(community_a, member_a, title="Une idée de cette semaine")
    a_year_ago = old.created_at - timedelta(days=365)
    Idea.objects.filter(pk=old.pk).update(created_at=a_year_ago)
    IdeaStats.objects.filter(pk=old.pk).update(created_at=a_year_ago, hot_epoch=hot_epoch_of(a_year_ago))
    voters = [UserFactory() for _ in range(50)]
    Vote.objects.bulk_create([Vote(idea=old, user=user) for user in voters])
    stats_recount(old)
    assert [idea.title for idea in ideas_hot(community_a)] == [new.title, old.title]


@pytest.mark.parametrize(
    ("mode", "told"),
    [
        ("post", "Votre idée est publiée. Partagez-la pour que d’autres votent pour elle."),
        ("pre", "C’est enregistré. Un modérateur ou une modératrice le lit avant sa publication"),
    ],
)
def test_posting_and_editing_an_idea_are_confirmed_in_words(client, community_a, member_a, mode, told):
    community_a.moderation_mode = mode
    community_a.save()
    client.force_login(member_a)
    form = {"title": "Des prises dans chaque voiture", "body": "Pour travailler.", "category": "", "tags": ""}
    page = client.post(reverse("ideas:create"), form, follow=True).content.decode()
    assert told in page

    idea = member_a.ideas.get()
    form["body"] = "Pour travailler et recharger."
    edited = client.post(reverse("ideas:edit", args=[idea.pk]), form, follow=True).content.decode()
    idea.refresh_from_db()
    assert idea.body == "Pour travailler et recharger."
    assert ("Vos modifications sont enregistrées." in edited) == (mode == "post")


def test_an_ideas_tags_read_alone_or_prefetched_are_its_own_in_the_order_given(
    community_a, member_a, django_assert_num_queries
):
    """ideas.models.IdeaTags builds an idea's tag query only when read: read alone, it is
    taggit's (its tags, in the order they were given); prefetched for a page, one query."""
    from ideas.models import Idea

    first = make_idea(community_a, member_a, title="Des vélos dans le train", tags=["vélo", "accessibilité", "gares"])
    make_idea(community_a, member_a, title="Du Wi-Fi à bord", tags=["wifi"])
    second = make_idea(community_a, member_a, title="Des prises électriques", tags=[])

    assert [tag.name for tag in Idea.objects.get(pk=first.pk).tags.all()] == ["vélo", "accessibilité", "gares"]
    assert list(Idea.objects.get(pk=second.pk).tags.all()) == []
    assert sorted(tag.name for tag in Idea.tags.all()) == ["accessibilité", "gares", "vélo", "wifi"]  # the model's
    with django_assert_num_queries(2):
        shown = {idea.title: [tag.name for tag in idea.tags.all()] for idea in Idea.objects.prefetch_related("tags")}
    assert shown == {
        "Des vélos dans le train": ["vélo", "accessibilité", "gares"],
        "Du Wi-Fi à bord": ["wifi"],
        "Des prises électriques": [],
    }
