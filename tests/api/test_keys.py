"""API keys: made by community admins in /admin/, shown once, stored hashed, refused when
wrong, expired or revoked; last use written at most once a minute."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from api.keys import api_key_create
from api.models import ApiKey
from tests.api.conftest import ApiClient
from tests.factories import login_with_mfa


def test_it_stores_only_the_digest_of_the_secret(make_key, admin_a, community_a):
    new = make_key(admin_a, community_a)
    stored = ApiKey.objects.get(pk=new.key.pk)
    assert new.secret.startswith(f"clt_{stored.prefix}_")
    assert stored.secret_hash == hashlib.sha256(new.secret.encode()).hexdigest()
    assert new.secret not in str(ApiKey.objects.filter(pk=stored.pk).values().get())


@pytest.mark.parametrize(
    "header",
    [
        "Bearer clt_00000000_nope",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer clt_",
        "Bearer \u00e9\u00e9\u00e9",
        "Token abc",
    ],
)
def test_it_answers_401_for_a_wrong_key(community_a, idea_a, header):
    response = ApiClient().get("/ideas", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["error"]


def test_it_answers_401_for_a_key_with_one_character_changed(make_key, admin_a, community_a):
    secret = make_key(admin_a, community_a).secret
    forged = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert ApiClient(forged).get("/ideas").status_code == 401
    assert ApiClient(secret).get("/ideas").status_code == 200


def test_it_answers_401_once_a_key_expired(make_key, admin_a, community_a):
    new = make_key(admin_a, community_a, expires_at=timezone.now() + timedelta(days=1))
    assert ApiClient(new.secret).get("/ideas").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert ApiClient(new.secret).get("/ideas").status_code == 401


def test_it_answers_401_once_a_key_is_revoked_in_the_admin(client, make_key, admin_a, community_a):
    new = make_key(admin_a, community_a)
    assert ApiClient(new.secret).get("/ideas").status_code == 200
    login_with_mfa(client, admin_a)
    response = client.post(
        "/admin/api/apikey/",
        {"action": "revoke", "_selected_action": [new.key.pk]},
        HTTP_HOST="ideas.brand-a.test",
    )
    assert response.status_code == 302
    assert ApiKey.objects.get(pk=new.key.pk).revoked_at is not None
    assert ApiClient(new.secret).get("/ideas").status_code == 401


def test_it_answers_401_once_the_keys_creator_is_deactivated(make_key, admin_a, community_a):
    new = make_key(admin_a, community_a)
    admin_a.is_active = False
    admin_a.save()
    assert ApiClient(new.secret).get("/ideas").status_code == 401


def test_a_key_acts_with_its_creators_current_role(make_key, brand_manager_a, community_a, idea_a):
    new = make_key(brand_manager_a, community_a, ["write:responses"])
    api = ApiClient(new.secret)
    brand_manager_a.memberships.update(role="member")
    assert api.post(f"/ideas/{idea_a.pk}/responses", {"body": "Merci."}).status_code == 403


def test_it_writes_the_last_use_at_most_once_a_minute(make_key, admin_a, community_a):
    new = make_key(admin_a, community_a, ["read"])
    api = ApiClient(new.secret)
    api.get("/statuses")
    first = ApiKey.objects.get(pk=new.key.pk).last_used_at
    assert first is not None
    api.get("/statuses")
    assert ApiKey.objects.get(pk=new.key.pk).last_used_at == first
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        api.get("/statuses")
    assert ApiKey.objects.get(pk=new.key.pk).last_used_at > first


def test_a_community_admin_creates_a_key_in_the_admin_and_sees_it_once(client, admin_a, community_a, idea_a):
    login_with_mfa(client, admin_a)
    response = client.post(
        "/admin/api/apikey/add/",
        {"community": community_a.pk, "name": "Zendesk", "scopes": ["read", "write:ideas"], "expires_at_0": ""},
        HTTP_HOST="ideas.brand-a.test",
    )
    assert response.status_code == 200, response.content[:2000]
    secret = re.search(rb'value="(clt_[^"]+)"', response.content).group(1).decode()
    key = ApiKey.objects.get(name="Zendesk")
    assert key.created_by == admin_a
    assert key.scopes == ["read", "write:ideas"]
    assert ApiClient(secret).get("/ideas").status_code == 200
    page = client.get(f"/admin/api/apikey/{key.pk}/change/", HTTP_HOST="ideas.brand-a.test")
    assert page.status_code == 200
    assert secret.encode() not in page.content
    assert key.prefix.encode() in page.content


def test_only_community_admins_see_api_keys_in_the_admin(client, moderator_a, brand_manager_a, admin_a, community_a):
    api_key_create(community=community_a, name="Jira", scopes=["read"], created_by=admin_a)
    for staff in (moderator_a, brand_manager_a):
        login_with_mfa(client, staff)
        assert client.get("/admin/api/apikey/", HTTP_HOST="ideas.brand-a.test").status_code == 403
        assert client.get("/admin/api/apikey/add/", HTTP_HOST="ideas.brand-a.test").status_code == 403


def test_an_admin_of_another_community_neither_sees_nor_makes_keys_here(client, community_a, community_b, admin_a):
    from community.models import Role
    from tests.factories import MembershipFactory, UserFactory

    admin_b = UserFactory(username="admin-b", is_staff=True)
    MembershipFactory(user=admin_b, community=community_b, role=Role.ADMIN)
    key = api_key_create(community=community_a, name="Jira", scopes=["read"], created_by=admin_a).key
    login_with_mfa(client, admin_b)
    listing = client.get("/admin/api/apikey/", HTTP_HOST="ideas.brand-b.test")
    assert listing.status_code == 200
    assert b"Jira" not in listing.content
    assert client.get(f"/admin/api/apikey/{key.pk}/change/", HTTP_HOST="ideas.brand-b.test").status_code == 302
    refused = client.post(
        "/admin/api/apikey/add/",
        {"community": community_a.pk, "name": "Pirate", "scopes": ["read"]},
        HTTP_HOST="ideas.brand-b.test",
    )
    assert refused.status_code == 200  # the form again: community A is not a choice
    assert not ApiKey.objects.filter(name="Pirate").exists()
