"""Username rules, through the real sign-up form: what is accepted (and stored as what),
what is refused and why, without losing what the visitor typed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape

from accounts.models import User
from accounts.usernames import username_validate
from tests.factories import PASSWORD, UserFactory, login_with_mfa

EMAIL = "camille@example.test"


def sign_up(client, username):
    return client.post(
        reverse("account_signup"),
        {"email": EMAIL, "username": username, "password1": PASSWORD, "password2": PASSWORD},
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("camille", "camille"),
        ("Camille.V", "camille.v"),  # upper case is folded
        ("ＣＡＭＩＬＬＥ", "camille"),  # full-width letters are ASCII after NFKC
        ("ｃａｍｉｌｌｅ_42", "camille_42"),
        ("jean-paul_2.0", "jean-paul_2.0"),
        ("42camille", "42camille"),
        ("abc", "abc"),
        ("a" * 30, "a" * 30),
        ("formerly", "formerly"),  # only former-<digits> is kept for deleted accounts
        ("brand-a-fan", "brand-a-fan"),  # a community's name is reserved, not every name with it
        ("camille-", "camille-"),
    ],
)
def test_it_accepts_and_normalises(client, community_a, typed, stored):
    response = sign_up(client, typed)
    assert response.status_code == 302, response.context["form"].errors
    assert User.objects.get(email=EMAIL).username == stored


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("\u0430dmin", "username_characters"),  # a Cyrillic a (U+0430)
        ("p\u0430yp\u0430l", "username_characters"),
        ("\u0441amille", "username_characters"),  # a Cyrillic c (U+0441)
        ("ad\u200dmin", "username_characters"),  # zero-width joiner
        ("cam\u200bille", "username_characters"),  # zero-width space
        ("camille\u00a0v", "username_characters"),  # no-break space becomes a space
        ("camille v", "username_characters"),
        ("émilie", "username_characters"),
        ("camille@home", "username_characters"),
        ("camille+1", "username_characters"),
        ("-camille", "username_start"),
        (".camille", "username_start"),
        ("_camille", "username_start"),
        ("a" * 31, "username_length"),
        ("ab", "min_length"),  # Django's own check on the field
        ("admin", "username_reserved"),
        ("Admin", "username_reserved"),
        ("ＡＤＭＩＮ", "username_reserved"),  # full-width, "admin" after NFKC
        ("ad.min", "username_reserved"),
        ("ad-min", "username_reserved"),
        ("administrator", "username_reserved"),
        ("root", "username_reserved"),
        ("staff", "username_reserved"),
        ("support", "username_reserved"),
        ("moderator", "username_reserved"),
        ("moderation", "username_reserved"),
        ("cluetrain", "username_reserved"),
        ("system", "username_reserved"),
        ("null", "username_reserved"),
        ("former-12", "username_reserved"),
        ("Former_7", "username_reserved"),
        ("former12", "username_reserved"),
        ("brand-a", "username_reserved"),  # this community's slug
        ("branda", "username_reserved"),  # and its name, "Brand A"
        ("brand_a", "username_reserved"),
        ("Brand.A", "username_reserved"),
        ("brand-b", "username_reserved"),  # another community of the deployment
    ],
)
def test_it_refuses_with_the_reason_and_keeps_the_email(client, community_a, community_b, typed, code):
    response = sign_up(client, typed)
    assert response.status_code == 200
    assert not User.objects.filter(email=EMAIL).exists()
    form = response.context["form"]
    assert [error.code for error in form.errors.as_data()["username"]] == [code]
    content = response.content.decode()
    assert escape(form.errors["username"][0]) in content
    assert f'value="{EMAIL}"' in content


def test_the_reasons_are_in_french_on_a_french_community(client, community_a):
    content = sign_up(client, "\u0430dmin").content.decode()
    assert "3 à 30 caractères" in content  # the rules, next to the field
    assert "lettres minuscules sans accent" in content
    content = sign_up(client, "support").content.decode()
    assert "Ce nom est réservé" in content


def test_a_username_taken_in_another_form_is_refused(client, community_a):
    UserFactory(username="camille", email="first@example.test")
    response = sign_up(client, "ＣＡＭＩＬＬＥ")
    assert response.status_code == 200
    assert [error.code for error in response.context["form"].errors.as_data()["username"]] == ["username_taken"]


def test_a_community_created_later_reserves_its_name(db):
    from tests.factories import CommunityFactory

    assert username_validate("new-brand") == "new-brand"
    CommunityFactory(name="New Brand", slug="nbr")
    for name in ("new-brand", "newbrand", "n.b.r"):
        with pytest.raises(ValidationError) as refusal:
            username_validate(name)
        assert refusal.value.code == "username_reserved"


# --- The admin's user form ------------------------------------------------------------


def add_user_in_admin(client, username):
    return client.post(
        reverse("admin:accounts_user_add"),
        {"username": username, "usable_password": "true", "password1": PASSWORD, "password2": PASSWORD},
    )


def test_the_admin_normalises_and_refuses_tricks(client, community_a, superuser):
    login_with_mfa(client, superuser)
    assert add_user_in_admin(client, "ＣＡＭＩＬＬＥ").status_code == 302
    assert User.objects.filter(username="camille").exists()
    for typed in ("\u0430dmin", "ad\u200dmin", "former-3"):
        response = add_user_in_admin(client, typed)
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["username"]


def test_the_admin_may_give_a_reserved_name_to_an_official_account(client, community_a, superuser):
    login_with_mfa(client, superuser)
    assert add_user_in_admin(client, "support").status_code == 302
    assert add_user_in_admin(client, "brand-a").status_code == 302
    assert User.objects.filter(username__in=["support", "brand-a"]).count() == 2


def test_the_admin_keeps_an_unchanged_username_it_would_refuse_today(client, community_a, superuser):
    former = UserFactory(username="former-99", email="")
    login_with_mfa(client, superuser)
    url = reverse("admin:accounts_user_change", args=[former.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update({"username": "former-99", "display_name": "", "date_joined_0": "2024-01-01", "date_joined_1": "00:00"})
    data = {key: value for key, value in data.items() if not isinstance(value, list | tuple)}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
