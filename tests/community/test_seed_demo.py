from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from accounts.models import User
from community.models import Category, Community, Membership, Role, Status
from ideas.models import Comment, Idea, IdeaStats, StatusChange, Vote

SNAPSHOT_MODELS = (
    Community,
    Category,
    Status,
    Membership,
    User,
    EmailAddress,
    Idea,
    IdeaStats,
    Vote,
    Comment,
    StatusChange,
)


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
    assert len(first["Idea"]) == 41  # 40 published, and one held for the moderators
    assert len(first["Vote"]) > 1000


def test_the_demo_looks_alive(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    stats = list(IdeaStats.objects.order_by("-votes").values_list("votes", flat=True))
    assert stats[0] >= 150  # a few ideas carry most votes...
    assert stats[len(stats) // 2] <= 30  # ...most have a handful
    assert Idea.objects.exclude(status__slug="new").count() >= 20
    assert Comment.objects.filter(mentions__isnull=False).exists()


def test_the_demo_queue_has_an_item_for_the_moderator(db, settings, django_capture_on_commit_callbacks):
    from community.models import ModerationItem, ReasonTemplate

    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    held = ModerationItem.objects.get(state="held")
    assert held.reasons == "banned_words"
    assert held.idea.moderation_state == "pending"
    assert ReasonTemplate.objects.count() == 3
    # Counters match the rows they count.
    for stat in IdeaStats.objects.all():
        assert stat.votes == Vote.objects.filter(idea_id=stat.pk).count()


def test_seed_demo_creates_a_french_default_community_with_one_account_per_role(db, settings, client):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    community = Community.objects.get()
    assert community.is_default
    assert community.default_language == "fr"
    roles = dict(Membership.objects.filter(user__username__startswith="demo-").values_list("user__username", "role"))
    assert sorted(roles.values()) == sorted([Role.MEMBER, Role.MODERATOR, Role.BRAND_MANAGER, Role.ADMIN])
    assert User.objects.filter(is_superuser=True).count() == 1
    # Every role's demo account can sign in: its e-mail is verified.
    demo_accounts = User.objects.filter(username__startswith="demo-")
    assert demo_accounts.count() == 5
    assert EmailAddress.objects.filter(user__in=demo_accounts, verified=True).count() == 5
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
