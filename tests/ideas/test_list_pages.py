"""Issue 15: the idea cards, the list's sort tabs and empty states, the home page's hero, the
roadmap's cards, the vote control's closed state and the toasts after posting and editing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ideas.services import comment_create, idea_set_status, vote_toggle
from tests.factories import CategoryFactory, UserFactory, make_idea

pytestmark = pytest.mark.smoke


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def card_of(html: str, title: str) -> str:
    """The <article> of the card whose title is `title`."""
    for card in re.findall(r'<article class="idea-card".*?</article>', html, flags=re.S):
        if title in card:
            return card
    raise AssertionError(f"no card for {title!r}")


@pytest.fixture
def wifi_idea(community_a, member_a):
    category = CategoryFactory(community=community_a, slug="confort", name_fr="Confort à bord", name_en="Comfort")
    idea = make_idea(community_a, member_a, title="Du Wi-Fi dans le train", category=category, tags=["wifi", "gares"])
    comment_create(idea=idea, author=UserFactory(), body="Oui !")
    comment_create(idea=idea, author=UserFactory(), body="Et des prises.")
    return idea


def test_it_shows_a_card_with_status_category_comments_author_and_tag_pills(client, wifi_idea, member_a):
    card = card_of(html_of(client.get(reverse("ideas:list"))), wifi_idea.title)
    assert f'class="badge badge--status-{wifi_idea.status_id}"' in card
    assert re.search(r'data-testid="card-category">Confort à bord<', card)
    comments = re.search(r'data-testid="card-comments">(.*?)</span></span>', card, flags=re.S).group(1)
    assert 'class="icon"' in comments and ">2<" in comments and "2 commentaires" in comments
    author = re.search(r'data-testid="card-author">(.*?)</span></span>', card, flags=re.S).group(1)
    assert 'class="avatar avatar--initials" data-size="20"' in author and member_a.public_name in author
    tags = re.findall(r'<a class="pill pill--outline" href="/ideas/\?tag=(\w+)">#(\w+)</a>', card)
    assert sorted(tags) == [("gares", "gares"), ("wifi", "wifi")]


def test_it_shows_an_uploaded_avatar_on_the_card_at_its_size(client, wifi_idea, member_a):
    member_a.avatar.name = "avatars/member-a.png"
    member_a.save(update_fields=["avatar"])
    card = card_of(html_of(client.get(reverse("ideas:list"))), wifi_idea.title)
    picture = r'<img class="avatar" src="[^"]*avatars/member-a.png" alt="" width="20" height="20" data-size="20"'
    assert re.search(picture, card)


def test_it_shows_the_community_name_once_with_the_tagline_as_the_title(client, community_a, wifi_idea):
    community_a.tagline = "Vos idées pour voyager mieux"
    community_a.save()
    html = html_of(client.get(reverse("home")))
    main = html[html.index("<main") : html.index("</main>")]
    assert re.search(r'<h1 id="hero-title"[^>]*>Vos idées pour voyager mieux</h1>', main)
    assert community_a.name not in main  # the header shows it; the hero does not repeat it
    assert html.count(f'<span class="brand__name">{community_a.name}</span>') == 1


def test_without_a_tagline_the_home_page_keeps_a_hidden_title(client, community_a):
    community_a.tagline = ""
    community_a.save()
    html = html_of(client.get(reverse("home")))
    assert '<h1 id="hero-title" class="visually-hidden">Bienvenue sur Brand A</h1>' in html
    assert 'data-testid="empty-state"' in html or "Pas encore d’idée" in html


def test_it_says_when_a_search_finds_nothing_and_offers_to_post_or_clear(client, wifi_idea):
    html = html_of(client.get(reverse("ideas:list"), {"q": "téléphérique"}))
    empty = html[html.index('data-testid="empty-search"') :]
    assert "Aucune idée ne correspond à « téléphérique »." in empty
    assert f'href="{reverse("ideas:create")}?title=t%C3%A9l%C3%A9ph%C3%A9rique"' in empty
    assert f'<a class="button button--secondary" href="{reverse("ideas:list")}">Effacer les filtres</a>' in empty
    assert wifi_idea.title not in html


def test_filters_that_match_nothing_show_an_empty_state_with_a_way_back(client, community_a, wifi_idea):
    idea_set_status(idea=wifi_idea, status=community_a.statuses.get(slug="planned"), user=None)
    html = html_of(client.get(reverse("ideas:list"), {"status": "done"}))
    assert "Aucune idée ne correspond à ces filtres" in html
    assert '<details class="filters-fold" data-filters data-open-wide open>' in html  # a filter is on


def test_the_sort_tabs_keep_the_filters_and_mark_the_current_sort(client, community_a, wifi_idea):
    html = html_of(client.get(reverse("ideas:list"), {"sort": "top", "category": "confort"}))
    tabs = html[html.index('<nav class="sort-tabs"') : html.index("</nav>", html.index('<nav class="sort-tabs"'))]
    assert '<a href="/ideas/?category=confort&amp;sort=new">' in tabs
    assert re.search(r'sort=top" aria-current="page">Les plus soutenues<', tabs)
    assert '<input type="hidden" name="sort" value="top">' in html  # applying a filter keeps the sort


def test_the_roadmap_shows_compact_cards_with_a_vote_pill_and_the_category(client, community_a, wifi_idea):
    vote_toggle(idea=wifi_idea, user=UserFactory())
    idea_set_status(idea=wifi_idea, status=community_a.statuses.get(slug="planned"), user=None)
    html = html_of(client.get(reverse("roadmap")))
    column = html[html.index('aria-labelledby="column-planned"') :]
    item = column[column.index('<li class="roadmap__item">') : column.index("</li>")]
    assert wifi_idea.title in item and '<span class="roadmap__category">Confort à bord</span>' in item
    assert re.search(r'<span class="vote-pill"><svg[^>]*>.*?</svg>1<span class="visually-hidden"> vote</span>', item)
    assert "Rien pour l’instant." in html or 'class="roadmap__empty"' in html  # the other columns are empty


def test_a_closed_vote_says_why_in_its_title_and_to_screen_readers(client, community_a, wifi_idea):
    idea_set_status(idea=wifi_idea, status=community_a.statuses.get(slug="done"), user=None)
    html = html_of(client.get(wifi_idea.get_absolute_url()))
    button = re.search(r'<button type="submit" class="vote__button"[^>]*>.*?</button>', html, flags=re.S).group(0)
    assert 'disabled title="Les votes sont clos pour cette idée."' in button
    # Read after the count the button shows: "0 vote. Les votes sont clos…"
    assert '<span class="vote__count" data-vote-count>0</span>' in button
    reason = r'<span class="visually-hidden" data-vote-reason>vote\. Les votes sont clos pour cette idée\.</span>'
    assert re.search(reason, button)


def test_posting_and_editing_end_on_a_success_toast(client, community_a, member_a):
    client.force_login(member_a)
    data = {"title": "Des casiers à vélos en gare", "body": "Sécurisés.", "tags": "vélo", "form_key": ""}
    form = client.get(reverse("ideas:create")).content.decode()
    data["form_key"] = re.search(r'name="form_key" value="([^"]+)"', form).group(1)
    response = client.post(reverse("ideas:create"), data, follow=True)
    toast = re.search(r'<li class="toast toast--success">.*?</li>', response.content.decode(), flags=re.S)
    assert toast and "Votre idée est publiée." in toast.group(0)
    idea = response.context["idea"]
    form = client.get(reverse("ideas:edit", args=[idea.pk])).content.decode()
    data["form_key"] = re.search(r'name="form_key" value="([^"]+)"', form).group(1)
    edited = {**data, "body": "Sécurisés et couverts."}
    response = client.post(reverse("ideas:edit", args=[idea.pk]), edited, follow=True)
    toast = re.search(r'<li class="toast toast--success">.*?</li>', response.content.decode(), flags=re.S)
    assert toast and "Vos modifications sont enregistrées." in toast.group(0)


def test_the_form_states_the_image_limits_and_gives_them_to_the_picker(client, member_a):
    client.force_login(member_a)
    html = html_of(client.get(reverse("ideas:create")))
    assert "Jusqu’à 4 images (JPEG, PNG, WebP ou GIF, 5 Mo chacune)." in html or "4 images" in html
    assert re.search(r'<input type="file" name="images"[^>]*data-max-files="4"[^>]*data-max-bytes="5242880"', html)
    assert f'<a class="button button--ghost" href="{reverse("ideas:list")}">Annuler</a>' in html
