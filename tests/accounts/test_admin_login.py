"""/admin/login/ is the site's sign-in: staff meet the same rate limits and lock-outs
(ACCOUNT_RATE_LIMITS) and the same second factor as everyone, whichever URL they use."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, login_with_mfa, totp_code, totp_enrol

LOCKED_OUT = "Trop de tentatives de connexion échouées"


def login_url(next_url: str) -> str:
    return f"{reverse('account_login')}?{urlencode({'next': next_url})}"


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_admin_sends_visitors_to_the_sites_sign_in_keeping_next(client, community_a):
    response = client.get("/admin/ideas/", follow=True)
    assert response.redirect_chain[-1][0] == login_url("/admin/ideas/")
    assert response.status_code == 200
    assert "account/login.html" in [template.name for template in response.templates]


@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/admin/", "javascript:alert(1)"])
def test_an_offsite_next_is_replaced_by_the_admin(client, community_a, unsafe):
    response = client.get(f"/admin/login/?{urlencode({'next': unsafe})}")
    assert response["Location"] == login_url("/admin/")


def test_passwords_posted_to_the_admin_login_sign_nobody_in(client, moderator_a):
    for _attempt in range(20):
        response = client.post("/admin/login/?next=/admin/", {"username": "moderator-a", "password": "wrong-password"})
        assert response.status_code == 302
        assert response["Location"] == login_url("/admin/")
    # The right password, posted there, does not sign in either: only the site's form does.
    client.post("/admin/login/?next=/admin/", {"username": "moderator-a", "password": PASSWORD})
    assert not signed_in(client)
    assert client.get("/admin/").status_code == 302


def test_twenty_wrong_passwords_on_the_staff_sign_in_lock_the_account(client, moderator_a):
    # The way staff reach the form: /admin/ -> /admin/login/ -> the site's sign-in.
    form_url = client.get("/admin/", follow=True).redirect_chain[-1][0]
    assert form_url == login_url("/admin/")
    for _attempt in range(20):
        client.post(form_url, {"login": "moderator-a", "password": "wrong-password"})
    response = client.post(form_url, {"login": "moderator-a", "password": PASSWORD})
    assert not signed_in(client)
    assert LOCKED_OUT in response.content.decode()


def test_an_account_locked_out_on_the_site_form_cannot_get_in_through_the_admin(client, moderator_a):
    for _attempt in range(5):
        client.post(reverse("account_login"), {"login": "moderator-a", "password": "wrong-password"})
    response = client.post("/admin/login/", {"username": "moderator-a", "password": PASSWORD}, follow=True)
    assert not signed_in(client)
    response = client.post(login_url("/admin/"), {"login": "moderator-a", "password": PASSWORD})
    assert not signed_in(client)
    assert LOCKED_OUT in response.content.decode()


def test_staff_sign_in_through_the_admin_with_password_and_code(client, moderator_a):
    _authenticator, secret = totp_enrol(moderator_a)
    form_url = client.get("/admin/", follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"login": "moderator-a", "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_signed_in_staff_are_sent_on_from_the_admin_login(client, moderator_a):
    login_with_mfa(client, moderator_a)
    assert client.get("/admin/login/?next=/admin/ideas/")["Location"] == "/admin/ideas/"


def test_a_signed_in_member_is_told_the_admin_is_not_for_them(client, member_a):
    client.force_login(member_a)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")  # not a loop through the sign-in
    assert "Votre compte ne peut pas ouvrir l’administration." in response.content.decode()


def test_the_admins_sign_out_is_the_sites(client, moderator_a):
    login_with_mfa(client, moderator_a)
    response = client.post("/admin/logout/")
    assert response.status_code == 302
    assert not signed_in(client)


def test_the_admins_password_change_is_the_sites(client, moderator_a):
    """Django's own form would take guesses at the current password without a limit."""
    login_with_mfa(client, moderator_a)
    response = client.get("/admin/password_change/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_change_password")
    response = client.post(
        "/admin/password_change/",
        {"old_password": "wrong", "new_password1": "Nouveau-mot-2-passe!", "new_password2": "Nouveau-mot-2-passe!"},
    )
    assert response.status_code == 302  # not the admin's form: nothing was changed
    moderator_a.refresh_from_db()
    assert not moderator_a.check_password("Nouveau-mot-2-passe!")
