"""Sign-up, verification, sign-in and password reset through allauth's real views."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

LINK = re.compile(r"https?://[^\s]+")
NEW_PASSWORD = "a-much-longer-passphrase"


def sign_up(client, capture, **fields):
    data = {
        "email": "camille@example.test",
        "username": "camille",
        "display_name": "Camille V.",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **fields,
    }
    with capture(execute=True):
        return client.post(reverse("account_signup"), data)


def link_in(message) -> str:
    return LINK.findall(message.body)[0]


@pytest.mark.smoke
def test_sign_up_sends_a_verification_mail_and_confirming_allows_sign_in(
    client, community_a, django_capture_on_commit_callbacks
):
    response = sign_up(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(username="camille")
    assert user.display_name == "Camille V."
    assert user.language == "fr"
    # Signing up on a community's site makes you one of its members.
    assert list(user.memberships.values_list("community__slug", "role")) == [("brand-a", "member")]
    assert not EmailAddress.objects.get(user=user).verified

    [message] = mail.outbox
    assert message.to == ["camille@example.test"]
    assert message.subject.startswith("[Brand A]")  # in the community's name
    assert "example.com" not in message.body
    confirm_url = link_in(message)

    # Mandatory verification: no session until the address is confirmed.
    client.logout()
    response = client.post(reverse("account_login"), {"login": "camille", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    assert client.get(confirm_url).status_code == 200
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    response = client.post(reverse("account_login"), {"login": "camille", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk
    assert "Camille V." in client.get("/").content.decode()  # the name in the header


def test_confirming_the_address_in_the_browser_that_signed_up_signs_the_member_in(
    client, community_a, django_capture_on_commit_callbacks
):
    sign_up(client, django_capture_on_commit_callbacks)
    user = User.objects.get(username="camille")
    assert "_auth_user_id" not in client.session
    [message] = mail.outbox
    confirm_url = link_in(message)

    page = client.get(confirm_url)
    assert page.status_code == 200
    assert "_auth_user_id" not in client.session  # opening the link (or a scanner) changes nothing
    assert not EmailAddress.objects.get(user=user).verified

    response = client.post(confirm_url, follow=True)
    assert EmailAddress.objects.get(user=user).verified
    assert int(client.session["_auth_user_id"]) == user.pk
    assert response.redirect_chain[-1] == ("/", 302)  # home, signed in
    content = response.content.decode()
    assert "Bienvenue sur Brand A, Camille V. !" in content  # the welcome, in the community's language
    assert "Camille V." in client.get("/").content.decode()  # the name in the header


def test_confirming_the_address_in_another_browser_confirms_without_signing_in(
    client, community_a, django_capture_on_commit_callbacks
):
    sign_up(client, django_capture_on_commit_callbacks)
    user = User.objects.get(username="camille")
    [message] = mail.outbox
    elsewhere = Client()
    response = elsewhere.post(link_in(message))
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert "_auth_user_id" not in elsewhere.session  # whoever holds the link is not signed in
    response = elsewhere.post(reverse("account_login"), {"login": "camille", "password": PASSWORD})
    assert int(elsewhere.session["_auth_user_id"]) == user.pk


@pytest.mark.parametrize("login", ["member-x", "Member-X@Example.test", "member-x@example.test"])
def test_sign_in_works_by_username_or_by_email_in_any_case(client, community_a, login):
    user = UserFactory(username="member-x", email="member-x@example.test")
    response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_a_wrong_password_is_refused_with_a_message_and_keeps_the_login(client, community_a):
    UserFactory(username="member-x")
    response = client.post(reverse("account_login"), {"login": "member-x", "password": "wrong-password"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    content = response.content.decode()
    assert response.context["form"].errors
    assert 'value="member-x"' in content  # what the member typed is kept


def test_a_duplicate_email_in_another_case_creates_no_account(client, community_a, django_capture_on_commit_callbacks):
    UserFactory(username="first", email="camille@example.test")
    response = sign_up(client, django_capture_on_commit_callbacks, email="CAMILLE@Example.TEST", username="second")
    # allauth answers as for a new account so that nobody can probe which addresses exist,
    # and tells the address's owner instead.
    assert response.status_code == 302
    assert not User.objects.filter(username="second").exists()
    [message] = mail.outbox
    assert [address.lower() for address in message.to] == ["camille@example.test"]
    assert "un compte utilisant cette adresse existe déjà" in message.body  # French, the community's language


def test_the_database_refuses_a_duplicate_email_in_another_case(db):
    UserFactory(username="first", email="camille@example.test")
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        User.objects.create(username="second", email="Camille@Example.test")


def test_a_duplicate_username_in_another_case_is_refused_with_a_message(
    client, community_a, django_capture_on_commit_callbacks
):
    UserFactory(username="camille", email="first@example.test")
    response = sign_up(client, django_capture_on_commit_callbacks, username="Camille", email="other@example.test")
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert 'value="other@example.test"' in response.content.decode()


def test_repeated_failed_sign_ins_are_rate_limited(client, community_a):
    UserFactory(username="member-x")
    for _attempt in range(5):
        client.post(reverse("account_login"), {"login": "member-x", "password": "wrong-password"})
    # Even the right password is now refused for a while.
    response = client.post(reverse("account_login"), {"login": "member-x", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Trop de tentatives de connexion échouées" in response.content.decode()


def test_password_reset_by_mail(client, community_a, django_capture_on_commit_callbacks):
    user = UserFactory(username="member-x", email="member-x@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "member-x@example.test"})
    assert response.status_code == 302
    [message] = mail.outbox
    reset_url = link_in(message)
    response = client.get(reset_url)  # allauth moves the key into the session and redirects
    form_url = response["Location"] if response.status_code == 302 else reset_url
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_auth_pages_are_rendered_in_the_site_layout(client, community_a):
    content = client.get(reverse("account_login")).content.decode()
    assert 'class="site-header"' in content
    assert "Brand A" in content
    assert '<main id="main"' in content
