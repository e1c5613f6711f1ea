"""Social sign-in through allauth's real views, with Google's token endpoint answered
in-process: nothing leaves the machine (any other outgoing request fails the test)."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp
from allauth.socialaccount.providers.google.views import GoogleOAuth2Adapter
from django.contrib.sites.models import Site
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.usernames import username_validate
from tests.factories import MembershipFactory, UserFactory

CLIENT_ID = "cluetrain-test.apps.googleusercontent.com"
CALLBACK_URL = "http://testserver/accounts/google/login/callback/"


def social_app(provider: str, name: str, **fields) -> SocialApp:
    app = SocialApp.objects.create(provider=provider, name=name, client_id=f"{provider}-id", secret="s3cret", **fields)
    app.sites.add(Site.objects.get_current())
    return app


class FakeGoogle:
    """Google's token endpoint: checks what allauth sends, answers with an ID token
    carrying `claims` (allauth trusts it unsigned, having fetched it itself over TLS)."""

    def __init__(self) -> None:
        self.claims: dict = {}

    def request(self, method: str, url: str, data=None, **kwargs) -> requests.Response:
        assert (method, url) == ("POST", GoogleOAuth2Adapter.access_token_url), f"unexpected request to {url}"
        assert data["code"] == "the-authorisation-code"
        assert data["client_id"] == CLIENT_ID
        assert data["client_secret"] == "google-secret"
        assert data["redirect_uri"] == CALLBACK_URL
        now = int(time.time())
        id_token = jwt.encode(
            {"iss": "https://accounts.google.com", "aud": CLIENT_ID, "iat": now, "exp": now + 3600, **self.claims},
            "unused-key-of-at-least-32-bytes-for-hs256",
            algorithm="HS256",
        )
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        response._content = json.dumps({"access_token": "at", "expires_in": 3599, "id_token": id_token}).encode()
        return response


@pytest.fixture
def google(community_a, monkeypatch) -> FakeGoogle:
    app = social_app("google", "Google")
    app.client_id, app.secret = CLIENT_ID, "google-secret"
    app.save()
    fake = FakeGoogle()
    monkeypatch.setattr(requests.Session, "request", fake.request)
    return fake


def sign_in_with_google(client, google: FakeGoogle, **claims):
    """The browser's round trip: our login view sends it to Google, Google sends it back
    to our callback with a code, which allauth exchanges for the member's identity."""
    response = client.post(reverse("google_login"), {"process": "login"})
    assert response.status_code == 302
    authorize = urlsplit(response["Location"])
    assert (authorize.scheme, authorize.netloc) == ("https", "accounts.google.com")
    query = parse_qs(authorize.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [CALLBACK_URL]
    google.claims = {
        "sub": "108204268033311374519",
        "email": "camille.vidal@gmail.test",
        "email_verified": True,
        "given_name": "Camille",
        "family_name": "Vidal",
        "name": "Camille Vidal",
        **claims,
    }
    return client.get(reverse("google_callback"), {"code": "the-authorisation-code", "state": query["state"][0]})


def signed_in_user(client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


# --- Buttons only for configured providers ---------------------------------------------


@pytest.mark.parametrize("page", ["account_login", "account_signup"])
def test_it_shows_no_social_button_without_an_app(client, community_a, page):
    content = client.get(reverse(page)).content.decode()
    for path in ("/accounts/google/", "/accounts/facebook/", "/accounts/apple/", "/accounts/oidc/"):
        assert path not in content


@pytest.mark.parametrize("page", ["account_login", "account_signup"])
def test_it_shows_the_button_of_each_configured_provider(client, community_a, page):
    social_app("google", "Google")
    social_app(
        "openid_connect", "LinkedIn", provider_id="linkedin", settings={"server_url": "https://www.linkedin.com/oauth"}
    )
    content = client.get(reverse(page)).content.decode()
    assert 'href="/accounts/google/login/?process=login"' in content
    assert 'href="/accounts/oidc/linkedin/login/?process=login"' in content
    assert "/accounts/facebook/" not in content
    assert "/accounts/apple/" not in content


def test_an_app_of_another_site_shows_nothing(client, community_a):
    app = SocialApp.objects.create(provider="google", name="Google", client_id="x", secret="y")
    app.sites.add(Site.objects.create(domain="elsewhere.test", name="Elsewhere"))
    assert "/accounts/google/" not in client.get(reverse("account_login")).content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/google/login/",
        "/accounts/google/login/callback/?code=x&state=y",
        "/accounts/facebook/login/",
        "/accounts/apple/login/",
        "/accounts/oidc/linkedin/login/",
        "/accounts/oidc/linkedin/login/callback/?code=x&state=y",
    ],
)
def test_an_unconfigured_provider_is_not_found(client, community_a, path):
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404


# --- A complete sign-in with Google -----------------------------------------------------


def test_a_first_google_sign_in_makes_a_verified_member_and_signs_them_in(
    client, community_a, google, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in_with_google(client, google)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = signed_in_user(client)
    assert user is not None
    assert user.email == "camille.vidal@gmail.test"
    assert user.display_name == "Camille Vidal"
    assert user.language == "fr"
    assert username_validate(user.username) == user.username
    assert not user.has_usable_password()
    assert list(user.memberships.values_list("community__slug", "role")) == [("brand-a", "member")]
    assert EmailAddress.objects.get(user=user).verified  # Google verified it: no mail to confirm
    assert mail.outbox == []
    assert SocialAccount.objects.get(user=user).uid == "108204268033311374519"
    assert "Camille Vidal" in client.get("/").content.decode()

    # Next time, the same Google account signs in to the same member.
    client.logout()
    sign_in_with_google(client, google, email="camille.new@gmail.test")
    assert signed_in_user(client) == user
    assert User.objects.count() == 1


def test_a_name_made_up_from_the_provider_follows_the_username_rules(client, community_a, google):
    sign_in_with_google(client, google, given_name="Admin", family_name="", name="Admin", email="admin@gmail.test")
    user = signed_in_user(client)
    assert user.username != "admin"
    assert username_validate(user.username) == user.username


def test_an_address_google_did_not_verify_must_be_confirmed_by_mail(
    client, community_a, google, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in_with_google(client, google, email_verified=False)
    assert response["Location"] == reverse("account_email_verification_sent")
    assert signed_in_user(client) is None
    user = User.objects.get(email="camille.vidal@gmail.test")
    assert user.memberships.filter(community=community_a).exists()
    assert not EmailAddress.objects.get(user=user).verified
    [message] = mail.outbox
    assert message.to == ["camille.vidal@gmail.test"]


# --- An account that already has the address --------------------------------------------


def test_a_verified_address_signs_in_to_the_account_that_has_it_and_links_google(client, community_a, google):
    member = UserFactory(username="camille", email="camille.vidal@gmail.test")
    MembershipFactory(user=member, community=community_a)
    response = sign_in_with_google(client, google)
    assert response.status_code == 302
    assert signed_in_user(client) == member
    assert User.objects.count() == 1
    assert SocialAccount.objects.get(provider="google").user == member
    member.refresh_from_db()
    assert member.has_usable_password()  # their own address was verified: nothing to fear


def test_an_unverified_address_never_signs_in_to_the_account_that_has_it(
    client, community_a, google, django_capture_on_commit_callbacks
):
    member = UserFactory(username="camille", email="camille.vidal@gmail.test")
    with django_capture_on_commit_callbacks(execute=True):
        sign_in_with_google(client, google, email_verified=False)
    assert signed_in_user(client) is None
    assert User.objects.count() == 1
    assert not SocialAccount.objects.exists()
    # As for a form sign-up with a taken address: the owner is told, nobody else learns it.
    [message] = mail.outbox
    assert message.to == [member.email]


# --- When allauth needs to ask (no address from the provider) ---------------------------


def test_without_an_address_the_social_sign_up_form_asks_with_the_same_username_rules(
    client, community_a, google, django_capture_on_commit_callbacks
):
    response = sign_in_with_google(client, google, email="", email_verified=False)
    assert response["Location"] == reverse("socialaccount_signup")
    form = client.get(response["Location"]).context["form"]
    assert form.initial["display_name"] == "Camille Vidal"

    data = {"email": "camille@example.test", "username": "\u0430dmin", "display_name": "Camille V."}
    response = client.post(reverse("socialaccount_signup"), data)
    assert response.status_code == 200
    assert [error.code for error in response.context["form"].errors.as_data()["username"]] == ["username_characters"]
    assert 'value="camille@example.test"' in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("socialaccount_signup"), {**data, "username": "Camille"})
    assert response.status_code == 302
    user = User.objects.get(username="camille")
    assert user.display_name == "Camille V."
    assert user.memberships.filter(community=community_a).exists()
    assert not EmailAddress.objects.get(user=user).verified  # typed by hand: confirmed by mail
    assert len(mail.outbox) == 1
