"""Counts next to nouns agree with them, in French (0 and 1 singular) and in English (1 singular).

Each count is rendered with {% blocktranslate count %} or ngettext; checked here with 0, 1
and 2 through the pages and answers that show them. And what the site tells a sanctioned
member is worded without a gendered adjective (“Vous êtes suspendu” reads wrong to a woman).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Reputation
from community.models import Sanction
from ideas.models import Follow
from tests.factories import UserFactory, make_idea

HOST_A = "ideas.brand-a.test"

FOLLOWERS = {
    ("fr", 0): "0 personne abonnée",
    ("fr", 1): "1 personne abonnée",
    ("fr", 2): "2 personnes abonnées",
    ("en", 0): "0 followers",
    ("en", 1): "1 follower",
    ("en", 2): "2 followers",
}
POINTS = {
    ("fr", 0): "0 point",
    ("fr", 1): "1 point",
    ("fr", 2): "2 points",
    ("en", 0): "0 points",
    ("en", 1): "1 point",
    ("en", 2): "2 points",
}


def text_of(response) -> str:
    """The page's text, tags removed and white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def in_language(client, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.parametrize(("language", "count"), list(FOLLOWERS))
def test_it_agrees_the_followers_of_an_idea_with_their_number(client, community_a, member_a, language, count):
    idea = make_idea(community_a, member_a)  # its author follows it
    Follow.objects.filter(idea=idea).delete()
    type(idea.stats).objects.filter(pk=idea.pk).update(followers=count)
    page = text_of(in_language(client, language).get(idea.get_absolute_url(), HTTP_HOST=HOST_A))
    assert FOLLOWERS[(language, count)] in page


@pytest.mark.parametrize("language", ["fr", "en"])
def test_it_sends_the_followers_word_with_the_new_number_when_following(client, community_a, member_a, language):
    idea = make_idea(community_a, UserFactory())  # followed by its author: 1
    client.force_login(member_a)
    in_language(client, language)
    url = reverse("ideas:follow", args=[idea.pk])
    answer = client.post(url, HTTP_HOST=HOST_A, HTTP_ACCEPT="application/json").json()
    assert (answer["followers"], f"2 {answer['followers_label']}") == (2, FOLLOWERS[(language, 2)])
    answer = client.post(url, HTTP_HOST=HOST_A, HTTP_ACCEPT="application/json").json()
    assert (answer["followers"], f"1 {answer['followers_label']}") == (1, FOLLOWERS[(language, 1)])


@pytest.mark.parametrize(("language", "count"), list(POINTS))
def test_it_agrees_a_members_points_with_their_number(client, community_a, member_a, language, count):
    Reputation.objects.update_or_create(user=member_a, community=community_a, defaults={"points": count})
    response = in_language(client, language).get(reverse("member", args=[member_a.username]), HTTP_HOST=HOST_A)
    assert POINTS[(language, count)] in text_of(response)


def test_the_follow_button_still_counts_followers_for_people_without_javascript(client, community_a, member_a):
    idea = make_idea(community_a, UserFactory())
    client.force_login(member_a)
    response = client.post(reverse("ideas:follow", args=[idea.pk]), HTTP_HOST=HOST_A)
    assert response.status_code == 302
    page = text_of(in_language(client, "fr").get(idea.get_absolute_url(), HTTP_HOST=HOST_A))
    assert "2 personnes abonnées" in page


# --- Sanctions, in neutral words ----------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "language", "expected"),
    [
        ("suspension", "fr", "Votre participation à cette communauté est suspendue jusqu’au"),
        ("ban", "fr", "Vous ne pouvez plus participer à cette communauté : Propos insultants"),
        ("suspension", "en", "Your participation in this community is suspended until"),
        ("ban", "en", "You can no longer take part in this community: Propos insultants"),
    ],
)
def test_it_tells_a_sanctioned_member_why_in_neutral_words(client, community_a, member_b, kind, language, expected):
    until = timezone.now() + timedelta(days=1) if kind == "suspension" else None
    Sanction.objects.create(community=community_a, user=member_b, kind=kind, reason="Propos insultants", until=until)
    client.force_login(member_b)
    data = {"title": "Des casiers à vélos", "body": "Oui."}
    response = in_language(client, language).post(reverse("ideas:create"), data, HTTP_HOST=HOST_A)
    assert response.status_code == 403
    page = text_of(response)
    assert expected in page
    assert "suspendu " not in page and "exclu " not in page
