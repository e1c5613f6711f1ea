"""Members' e-mail addresses in /admin/: never shown to or searchable by moderators and brand
managers; a community admin finds a member of their own community by the whole address
(support questions), a superuser anyone; nobody fishes for addresses with pieces of them.

Walks every registered admin, so that an admin added later is checked too.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from community.models import Membership, Role
from community.moderation.services import flag_create
from ideas.services import comment_create
from notifications.models import Notification
from tests.factories import (
    MembershipFactory,
    NotificationFactory,
    PointEventFactory,
    SanctionFactory,
    UserFactory,
    login_with_mfa,
    make_idea,
)

ADDRESS = "c.dupont-7731@perso.example"
PIECES = ("dupont-7731", "perso.example", "c.dupont", "7731")
STAFF_BUT_NOT_ADMINS = ("moderator_a", "brand_manager_a")
EVERY_STAFF_ROLE = (*STAFF_BUT_NOT_ADMINS, "admin_a", "admin_b", "superuser")


@pytest.fixture(autouse=True)
def _no_external_spam_checker(settings) -> None:
    settings.MODERATION_SPAM_CHECK_URL = ""


@pytest.fixture
def admin_b(community_b):
    user = UserFactory(username="admin-b", is_staff=True)
    MembershipFactory(user=user, community=community_b, role=Role.ADMIN)
    return user


@pytest.fixture
def camille(community_a, moderator_a, django_capture_on_commit_callbacks):
    """A member of community A whose address appears in nothing but her account, with a
    row of each kind that names her: membership, idea, comment, flag, sanction, points,
    notification, moderation items."""
    user = UserFactory(username="camille-d", email=ADDRESS, display_name="Camille")
    MembershipFactory(user=user, community=community_a, role=Role.MEMBER)
    with django_capture_on_commit_callbacks(execute=True):
        idea = make_idea(community_a, user, title="Des casiers à vélos dans les gares")
        comment = comment_create(idea=idea, author=user, body="Et des bornes de recharge.")
        flag_create(content=make_idea(community_a, title="Une autre idée de train"), flagger=user, reason="spam")
    SanctionFactory(community=community_a, user=user, created_by=moderator_a)
    PointEventFactory(community=community_a, user=user)
    NotificationFactory(community=community_a, recipient=user, idea=idea)
    assert comment.pk
    return user


def signed_in(request, role: str) -> Client:
    client = Client()
    login_with_mfa(client, request.getfixturevalue(role))
    return client


def changelists():
    for model in admin.site._registry:
        try:
            yield model, reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        except NoReverseMatch:
            continue


def every_state(url: str) -> dict[str, str]:
    """The moderation queue lists waiting items unless asked for all."""
    return {"state": "all"} if url == reverse("admin:community_moderationitem_changelist") else {}


def operators_only(model) -> bool:
    """Lists of accounts and their addresses, which only a superuser opens (PRODUCT.md §1)."""
    from allauth.account.models import EmailAddress

    return model in (_user_model(), EmailAddress)


def searched(client: Client, url: str, term: str) -> int | None:
    """How many rows a search finds, or None when the list does not open for this person."""
    answer = client.get(url, {"q": term, **every_state(url)})
    if answer.status_code != 200 or "cl" not in answer.context or not answer.context["cl"].search_fields:
        return None  # not opened, or no search box (the whole list, whatever `q` says)
    return answer.context["cl"].result_count


@pytest.mark.parametrize("role", EVERY_STAFF_ROLE)
def test_no_changelist_finds_a_member_by_a_piece_of_her_address(request, camille, role):
    client = signed_in(request, role)
    for model, url in changelists():
        if role == "superuser" and operators_only(model):
            continue  # the operator's lists of accounts search addresses
        for piece in PIECES:
            assert not searched(client, url, piece), (model._meta.label, piece)


@pytest.mark.parametrize("role", STAFF_BUT_NOT_ADMINS)
def test_moderators_and_brand_managers_find_nobody_by_a_whole_address(request, camille, role):
    client = signed_in(request, role)
    opened = 0
    for model, url in changelists():
        found = searched(client, url, ADDRESS)
        opened += found is not None
        assert not found, model._meta.label
    assert opened  # they do open lists (memberships, sanctions, the queue…)


@pytest.mark.parametrize("role", EVERY_STAFF_ROLE)
def test_no_admin_page_shows_a_members_address(request, camille, role):
    client = signed_in(request, role)
    rows = {
        model: model._default_manager.filter(**{field: camille}).first()
        for model, field in (
            (Membership, "user"),
            (Notification, "recipient"),
            *(
                (model, field)
                for model, field in _models_naming_a_user()
                if model not in (Membership, Notification, type(camille))
            ),
        )
    }
    for model, url in changelists():
        if role == "superuser" and operators_only(model):
            continue
        page = client.get(url, every_state(url))
        assert ADDRESS not in page.content.decode(), model._meta.label
        row = rows.get(model)
        if row is not None:
            for view in ("change", "history", "delete"):
                name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"
                assert ADDRESS not in client.get(reverse(name, args=[row.pk])).content.decode(), (name, role)


def _models_naming_a_user():
    """(model, path to a user) for every registered model with a direct user relation."""
    user_model = None
    for model in admin.site._registry:
        for field in model._meta.get_fields():
            if field.many_to_one and field.related_model is not None:
                user_model = user_model or _user_model()
                if field.related_model is user_model:
                    yield model, field.name


def _user_model():
    from django.contrib.auth import get_user_model

    return get_user_model()


def test_a_community_admin_finds_a_member_of_her_community_by_the_whole_address(request, camille):
    client = signed_in(request, "admin_a")
    assert searched(client, reverse("admin:community_membership_changelist"), ADDRESS) == 1
    assert searched(client, reverse("admin:community_membership_changelist"), ADDRESS.upper()) == 1
    hers = Notification.objects.filter(recipient=camille).count()
    assert hers and searched(client, reverse("admin:notifications_notification_changelist"), ADDRESS) == hers


def test_a_community_admin_does_not_find_members_of_other_communities(request, camille, community_b, moderator_a):
    MembershipFactory(user=camille, community=community_b, role=Role.MEMBER)
    # admin-b runs B, where camille is a member too, and is a moderator of A: only her B row.
    MembershipFactory(
        user=request.getfixturevalue("admin_b"), community=camille.memberships.first().community, role=Role.MODERATOR
    )
    client = signed_in(request, "admin_b")
    answer = client.get(reverse("admin:community_membership_changelist"), {"q": ADDRESS})
    assert [row.community for row in answer.context["cl"].result_list] == [community_b]
    assert searched(client, reverse("admin:notifications_notification_changelist"), ADDRESS) == 0


def test_a_superuser_finds_a_member_by_the_whole_address(request, camille):
    client = signed_in(request, "superuser")
    assert searched(client, reverse("admin:community_membership_changelist"), ADDRESS) == 1
    hers = Notification.objects.filter(recipient=camille).count()
    assert hers and searched(client, reverse("admin:notifications_notification_changelist"), ADDRESS) == hers


@pytest.mark.parametrize("lookup", ["user__email__contains", "user__email__startswith", "user__email"])
def test_an_address_lookup_in_the_address_bar_is_refused(request, camille, lookup):
    client = signed_in(request, "moderator_a")
    answer = client.get(reverse("admin:community_membership_changelist"), {lookup: "c.dupont"})
    assert answer.status_code == 400
