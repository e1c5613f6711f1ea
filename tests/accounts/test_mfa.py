"""Two-factor authentication: staff need it before /admin/ and /manage/ open; members may
turn it on. Through the public pages (allauth's and ours), with codes computed as an
authenticator app would."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from allauth.mfa.models import Authenticator
from django.urls import clear_script_prefix, reverse, set_script_prefix

from community.models import Role
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    UserFactory,
    login_with_mfa,
    totp_code,
    totp_enrol,
)

STAFF = ["moderator_a", "brand_manager_a", "admin_a", "superuser"]


def with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def sign_in_with_password(client, user, next_url: str = "/admin/"):
    return client.post(with_next("account_login", next_url), {"login": user.username, "password": PASSWORD})


def enrol_through_the_pages(client):
    """Set up an authenticator app as a staff member does from the enrolment page.

    allauth finishes the enrolment on commit: tests that need what follows it run with
    real transactions, as in production."""
    response = client.get(reverse("mfa_activate_totp"))
    if response.status_code == 302:  # allauth asks for the password again first
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        client.post(response["Location"], {"password": PASSWORD})
        response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    secret = response.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302, response.context["form"].errors
    return response


@pytest.mark.parametrize("persona", STAFF)
def test_staff_without_an_authenticator_are_sent_from_the_admin_to_enrol(client, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get("/admin/ideas/")
    assert response.status_code == 302
    assert response["Location"] == with_next("mfa_required", "/admin/ideas/")

    page = client.get(response["Location"])
    assert page.status_code == 200
    content = page.content.decode()
    assert "Double authentification requise" in content  # French first
    assert reverse("mfa_activate_totp") in content
    assert reverse("mfa_add_webauthn") in content


@pytest.mark.parametrize("path", ["/admin/ideas/", "/manage/"])
def test_staff_pages_need_a_second_factor_under_a_script_prefix_too(client, moderator_a, path):
    """Served under a sub-path (`SCRIPT_NAME`), the staff pages are still recognised: the
    request's path carries the prefix, as every reversed address does."""
    client.force_login(moderator_a)
    # Django's WSGI handler sets the prefix from SCRIPT_NAME; its test client does not.
    set_script_prefix("/communaute/")
    try:
        response = client.get(path, SCRIPT_NAME="/communaute")
        required = with_next("mfa_required", f"/communaute{path}")
    finally:
        clear_script_prefix()
    assert response.status_code == 302
    assert response["Location"] == required
    assert required.startswith("/communaute/accounts/")


@pytest.mark.parametrize("persona", STAFF)
def test_staff_signed_in_with_password_and_code_open_the_admin(client, persona, request):
    user = request.getfixturevalue(persona)
    _authenticator, secret = totp_enrol(user)

    response = sign_in_with_password(client, user)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not yet: the code is missing
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_does_not_open_the_admin(client, moderator_a):
    totp_enrol(moderator_a)
    sign_in_with_password(client, moderator_a)
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_password_only_session_must_confirm_with_the_code_before_the_admin(client, moderator_a):
    # Signed in before enrolling (or elsewhere): the session holds the password only.
    sign_in_with_password(client, moderator_a, next_url="/")
    _authenticator, secret = totp_enrol(moderator_a)

    response = client.get("/admin/")
    assert response["Location"] == with_next("mfa_reauthenticate", "/admin/")
    response = client.post(response["Location"], {"code": totp_code(secret)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_staff_member_enrols_from_the_admin_and_comes_back(client, moderator_a):
    client.force_login(moderator_a)
    required = client.get("/admin/")["Location"]
    client.get(required)

    response = enrol_through_the_pages(client)
    # allauth shows the new recovery codes, with the way back to the admin.
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    page = client.get(response["Location"]).content.decode()
    assert re.search(r'data-testid="mfa-continue">.*href="/admin/"', page, re.S)
    # Enrolling proved the code: this session may open the admin at once.
    assert client.get("/admin/").status_code == 200
    assert 'data-testid="mfa-continue"' not in client.get(reverse("mfa_index")).content.decode()


def test_the_brand_console_needs_a_second_factor_too(client, brand_manager_a):
    client.force_login(brand_manager_a)
    response = client.get(reverse("manage:console"))
    assert response["Location"] == with_next("mfa_required", reverse("manage:console"))
    login_with_mfa(client, brand_manager_a)
    assert client.get(reverse("manage:console")).status_code == 200


def test_a_staff_role_without_the_staff_flag_still_needs_a_second_factor(client, community_a):
    manager = UserFactory(username="manager-no-flag")
    MembershipFactory(user=manager, community=community_a, role=Role.BRAND_MANAGER)
    client.force_login(manager)
    assert client.get(reverse("manage:console"))["Location"].startswith(reverse("mfa_required"))


def test_members_are_not_forced_but_may_turn_it_on(client, member_a):
    client.force_login(member_a)
    assert client.get("/").status_code == 200
    assert client.get(reverse("profile_edit")).status_code == 200
    # /admin/ is not for them: the admin sends them to sign in, not to enrol.
    assert not client.get("/admin/")["Location"].startswith(reverse("mfa_required"))
    assert client.get(reverse("mfa_required"))["Location"] == reverse("mfa_index")

    profile = client.get(reverse("profile_edit")).content.decode()
    assert reverse("mfa_index") in profile
    enrol_through_the_pages(client)
    assert Authenticator.objects.filter(user=member_a, type=Authenticator.Type.TOTP).exists()


def test_the_enrolment_page_keeps_only_a_safe_next(client, moderator_a):
    client.force_login(moderator_a)
    client.get(with_next("mfa_required", "https://evil.example/admin/"))
    login_with_mfa(client, moderator_a)
    assert client.get(with_next("mfa_required", "https://evil.example/admin/"))["Location"] == "/admin/"


def test_the_authenticator_app_names_the_community(client, member_a):
    client.force_login(member_a)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    assert "issuer=Brand%20A" in response.context["totp_url"]
    content = response.content.decode()
    assert "<svg" in content  # the QR code, inline
    assert "data:image" not in content and "<?xml" not in content


def test_staff_cannot_remove_their_only_authenticator_app(client, moderator_a):
    login_with_mfa(client, moderator_a)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Authenticator.objects.filter(user=moderator_a, type=Authenticator.Type.TOTP).exists()


def test_a_member_may_remove_theirs(client, member_a):
    login_with_mfa(client, member_a)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=member_a, type=Authenticator.Type.TOTP).exists()


SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S)


@pytest.mark.parametrize("name", ["mfa_index", "mfa_required", "mfa_activate_totp", "mfa_add_webauthn"])
def test_the_two_factor_pages_run_no_inline_script(client, moderator_a, name):
    # The Content-Security-Policy allows scripts from our static files only: allauth's
    # pages pass their data in JSON blocks, which do not run.
    client.force_login(moderator_a)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse(name))
    assert response.status_code == 200
    content = response.content.decode()
    for attributes, body in SCRIPT.findall(content):
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
        assert "src=" not in attributes or not body.strip()
    assert not re.search(r"\son[a-z]+=", content)


def test_the_operator_resets_a_lost_second_factor_and_the_staff_member_enrols_again(client, superuser, moderator_a):
    authenticator, _secret = totp_enrol(moderator_a)
    login_with_mfa(client, superuser)
    changelist = reverse("admin:mfa_authenticator_changelist")
    page = client.get(changelist, {"q": "moderator-a"}).content.decode()
    assert "moderator-a" in page and "secret" not in page
    delete = reverse("admin:mfa_authenticator_delete", args=[authenticator.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Authenticator.objects.filter(pk=authenticator.pk).exists()

    client.force_login(moderator_a)
    assert client.get("/admin/")["Location"].startswith(reverse("mfa_required"))


def test_other_staff_do_not_see_second_factors_in_the_admin(client, admin_a):
    login_with_mfa(client, admin_a)
    assert client.get(reverse("admin:mfa_authenticator_changelist")).status_code == 403
