"""The language cookie follows LANGUAGE_COOKIE_*: Secure under HTTPS (off only with DEBUG),
HttpOnly (only the server reads it), SameSite=Lax — wherever it is set."""

from __future__ import annotations

import json

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.config.test_settings import PRODUCTION_ENV, run_python


def assert_hardened(cookie, *, secure: bool) -> None:
    assert bool(cookie["secure"]) is secure
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


@pytest.mark.parametrize("secure", [True, False])
def test_the_language_switch_sets_the_cookie_as_configured(client, community_a, settings, secure):
    settings.LANGUAGE_COOKIE_SECURE = secure
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    cookie = client.cookies[django_settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert_hardened(cookie, secure=secure)


@pytest.mark.parametrize("secure", [True, False])
def test_saving_the_profile_sets_the_cookie_as_configured(client, member_a, settings, secure):
    settings.LANGUAGE_COOKIE_SECURE = secure
    client.force_login(member_a)
    response = client.post(reverse("profile_edit"), {"display_name": "Member A", "bio": "", "language": "en"})
    assert response.status_code == 302
    cookie = response.cookies[django_settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert_hardened(cookie, secure=secure)


def test_the_cookie_is_secure_in_production_and_not_in_development():
    probe = "import django, json; django.setup(); from django.conf import settings as s; " + (
        "print(json.dumps([s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_HTTPONLY, s.LANGUAGE_COOKIE_SAMESITE]))"
    )
    production = run_python(["-c", probe], PRODUCTION_ENV)
    assert production.returncode == 0, production.stderr
    assert json.loads(production.stdout) == [True, True, "Lax"]
    development = run_python(["-c", probe], {})
    assert development.returncode == 0, development.stderr
    assert json.loads(development.stdout)[0] is False
