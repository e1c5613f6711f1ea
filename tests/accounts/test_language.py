"""French first: the community's language by default, a switch, and the member's choice kept."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory, login_with_mfa


@pytest.mark.smoke
def test_a_french_community_opens_in_french(client, community_a):
    response = client.get("/")
    assert response["Content-Language"] == "fr"
    content = response.content.decode()
    assert '<html lang="fr">' in content
    assert "S’inscrire" in content
    assert "Sign up" not in content


def test_an_english_community_opens_in_english(client, community_a):
    community_a.default_language = "en"
    community_a.save()
    content = client.get("/").content.decode()
    assert '<html lang="en">' in content
    assert "Sign up" in content


def test_the_language_switch_changes_the_language_and_returns_to_the_page(client, community_a):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert '<html lang="en">' in client.get("/").content.decode()


def test_the_switch_refuses_an_offsite_next_url(client, community_a):
    response = client.post(reverse("set_language"), {"language": "en", "next": "https://evil.test/"})
    assert "evil.test" not in response.get("Location", "")


def test_a_members_choice_is_remembered_on_their_account(client, community_a):
    member = UserFactory(username="member-x", language="")
    client.force_login(member)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    member.refresh_from_db()
    assert member.language == "en"

    other_device = client.__class__()
    other_device.force_login(member)  # no language cookie there
    assert '<html lang="en">' in other_device.get("/").content.decode()


def test_the_switch_only_accepts_posts_with_a_csrf_token(community_a):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("set_language"), {"language": "en"}).status_code == 403
    assert strict.get(reverse("set_language")).status_code == 405


@pytest.mark.parametrize(
    ("language", "expected", "unexpected"),
    [("en", "Site administration", "Site d’administration"), ("fr", "Site d’administration", "Site administration")],
)
def test_the_admin_speaks_the_staff_members_language(client, moderator_a, language, expected, unexpected):
    moderator_a.language = language
    moderator_a.save()
    login_with_mfa(client, moderator_a)
    page = client.get("/admin/").content.decode()
    assert expected in page and unexpected not in page


@pytest.mark.parametrize(("language", "month"), [("fr", "novembre"), ("en", "November")])
def test_dates_are_written_in_the_readers_language(client, community_a, member_a, language, month):
    from datetime import UTC, datetime

    from tests.factories import make_idea

    idea = make_idea(community_a, member_a)
    when = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    type(idea).objects.filter(pk=idea.pk).update(created_at=when)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(idea.get_absolute_url()).content.decode()
    assert f"3 {month} 2026" in page
