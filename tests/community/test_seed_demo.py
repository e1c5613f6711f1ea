from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from accounts.models import User
from community.models import Category, Community, Membership, Role, Status

SNAPSHOT_MODELS = (Community, Category, Status, Membership, User, EmailAddress)


def snapshot() -> dict[str, list[tuple]]:
    return {model.__name__: list(model.objects.order_by("pk").values_list()) for model in SNAPSHOT_MODELS}


@pytest.mark.smoke
def test_seed_demo_twice_gives_the_same_rows(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    first = snapshot()
    call_command("seed_demo", verbosity=0)
    assert snapshot() == first
    assert len(first["Community"]) == 1
    assert len(first["Category"]) >= 5
    assert len(first["Status"]) == 7


def test_seed_demo_creates_a_french_default_community_with_one_account_per_role(db, settings, client):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    community = Community.objects.get()
    assert community.is_default
    assert community.default_language == "fr"
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert sorted(roles.values()) == sorted([Role.MEMBER, Role.MODERATOR, Role.BRAND_MANAGER, Role.ADMIN])
    assert User.objects.filter(is_superuser=True).count() == 1
    # Every demo account can sign in: its e-mail is verified.
    assert EmailAddress.objects.filter(verified=True).count() == User.objects.count()
    assert client.login(username="demo-membre", password="cluetrain-demo")


def test_seed_demo_prints_passwords_only_with_debug(db, settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    assert "cluetrain-demo" in capsys.readouterr().out

    settings.DEBUG = False
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "cluetrain-demo" not in out
    assert "demo-moderateur" in out
