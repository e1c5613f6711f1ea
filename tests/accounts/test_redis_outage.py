"""Signing in, signing up, resetting a password and the second-factor step keep working
while Redis is down, and allauth's limits still hold, counted in each process
(config/redis_cache.py; docs/reliability.md, "Redis outages").

`redis_down` (tests/conftest.py) points the cache at a port where no Redis listens.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory, totp_code, totp_enrol

pytestmark = pytest.mark.usefixtures("redis_down")

LINK = re.compile(r"https?://[^\s]+")
NEW_PASSWORD = "a-much-longer-passphrase"


def sign_in(client, login: str, password: str):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def test_it_signs_a_member_in_with_the_right_password(client, community_a):
    UserFactory(username="member-x")
    response = sign_in(client, "member-x", PASSWORD)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_it_refuses_a_wrong_password_with_the_form_and_its_message(client, community_a):
    UserFactory(username="member-x")
    response = sign_in(client, "member-x", "wrong-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert response.context["form"].errors


def test_repeated_failed_sign_ins_are_still_limited(client, community_a):
    UserFactory(username="member-x")
    for _attempt in range(5):
        assert sign_in(client, "member-x", "wrong-password").status_code == 200
    response = sign_in(client, "member-x", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Trop de tentatives de connexion échouées" in response.content.decode()


def test_it_signs_a_newcomer_up(client, community_a, django_capture_on_commit_callbacks):
    data = {
        "email": "camille@example.test",
        "username": "camille",
        "display_name": "Camille V.",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_signup"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    [message] = mail.outbox
    assert message.to == ["camille@example.test"]


def test_it_resets_a_password_by_mail(client, community_a, django_capture_on_commit_callbacks):
    user = UserFactory(username="member-x", email="member-x@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "member-x@example.test"})
    assert response.status_code == 302
    [message] = mail.outbox
    reset_url = LINK.findall(message.body)[0]
    response = client.get(reset_url)
    form_url = response["Location"] if response.status_code == 302 else reset_url
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_the_second_factor_step_takes_a_code_once(client, moderator_a):
    _authenticator, secret = totp_enrol(moderator_a)
    response = client.post(
        f"{reverse('account_login')}?next=/admin/", {"login": moderator_a.username, "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    code = totp_code(secret)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert "_auth_user_id" in client.session

    # The same code cannot open a second session: it is remembered as used.
    client.logout()
    client.post(f"{reverse('account_login')}?next=/admin/", {"login": moderator_a.username, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
