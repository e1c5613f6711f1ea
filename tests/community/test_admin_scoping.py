"""Who sees and edits what in /admin/: every persona against every action.

Personas: the operator (superuser); community A's admin, moderator and brand manager;
community B's moderator; a plain member of A (not staff). Staff see the objects of the
communities where they hold a staff role; only community admins (and superusers) edit.
"""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from community.models import Category, Community, Membership, Role, Status
from tests.factories import CategoryFactory, UserFactory, login_with_mfa

PERSONAS = ("superuser", "admin_a", "moderator_a", "brand_manager_a", "moderator_b", "member_a")
# Who may change community A's settings, vocabularies and roles: its admin and the operator.
EDITORS_OF_A = [(persona, persona in {"superuser", "admin_a"}) for persona in PERSONAS]


@pytest.fixture
def people(request, superuser, admin_a, moderator_a, brand_manager_a, moderator_b, member_a):
    return {name: request.getfixturevalue(name) for name in PERSONAS}


# The community form carries the formset of its point values (accounts.PointValue inline).
NO_POINT_VALUES = {"point_values-TOTAL_FORMS": "0", "point_values-INITIAL_FORMS": "0"}


def as_post_data(instance, **changes) -> dict:
    data = dict(NO_POINT_VALUES) if isinstance(instance, Community) else {}
    for key, value in {**model_to_dict(instance), **changes}.items():
        if value is None or key in {"logo", "favicon", "id"}:
            continue
        if isinstance(value, bool):
            if value:
                data[key] = "on"
            continue
        data[key] = getattr(value, "pk", value)
    return data


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def add_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("superuser", {"Brand A", "Brand B"}),
        ("admin_a", {"Brand A"}),
        ("moderator_a", {"Brand A"}),
        ("brand_manager_a", {"Brand A"}),
        ("moderator_b", {"Brand B"}),
    ],
)
def test_the_community_list_shows_only_the_personas_communities(client, people, persona, sees):
    login_with_mfa(client, people[persona])
    response = client.get(changelist_url(Community))
    assert response.status_code == 200
    shown = {community.name for community in response.context["cl"].result_list}
    assert shown == sees


@pytest.mark.parametrize(
    ("persona", "expected_status"),
    [
        ("superuser", 200),
        ("admin_a", 200),
        ("moderator_a", 200),  # read-only view
        ("brand_manager_a", 200),  # read-only view
        ("moderator_b", 302),  # not in their queryset: "does not exist", back to the index
        ("member_a", 302),  # not staff: to the admin sign-in
    ],
)
def test_opening_community_a_in_admin(client, people, community_a, persona, expected_status):
    login_with_mfa(client, people[persona])
    response = client.get(change_url(community_a))
    assert response.status_code == expected_status
    if persona == "member_a":
        assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize(
    ("persona", "may_edit"),
    EDITORS_OF_A,
)
def test_editing_community_a_branding(client, people, community_a, persona, may_edit):
    login_with_mfa(client, people[persona])
    response = client.post(change_url(community_a), as_post_data(community_a, tagline="Nouvelle accroche"))
    assert response.status_code in (302, 403)
    community_a.refresh_from_db()
    assert (community_a.tagline == "Nouvelle accroche") is may_edit


def test_a_community_admin_cannot_move_their_community_to_another_domain(client, admin_a, community_a):
    login_with_mfa(client, admin_a)
    client.post(change_url(community_a), as_post_data(community_a, domain="stolen.test", tagline="x"))
    community_a.refresh_from_db()
    assert community_a.domain == "ideas.brand-a.test"
    assert community_a.tagline == "x"


@pytest.mark.parametrize(
    ("persona", "may_add"),
    EDITORS_OF_A,
)
def test_adding_a_category_to_community_a(client, people, community_a, persona, may_add):
    login_with_mfa(client, people[persona])
    data = {"community": community_a.pk, "slug": "wifi", "name_fr": "Wi-Fi", "name_en": "Wi-Fi", "color": "#336699"}
    data["order"] = 5
    response = client.post(add_url(Category), data)
    assert response.status_code in (200, 302, 403)
    assert Category.objects.filter(community=community_a, slug="wifi").exists() is may_add


@pytest.mark.parametrize(
    ("persona", "may_edit"),
    [
        ("superuser", True),
        ("admin_a", False),  # another community's status
        ("moderator_a", False),
        ("moderator_b", False),  # their community, but moderators do not edit statuses
        ("member_a", False),
    ],
)
def test_editing_a_status_of_community_b(client, people, community_b, persona, may_edit):
    status = Status.objects.get(community=community_b, slug="planned")
    login_with_mfa(client, people[persona])
    response = client.post(change_url(status), as_post_data(status, name_en="Scheduled"))
    assert response.status_code in (302, 403)
    status.refresh_from_db()
    assert (status.name_en == "Scheduled") is may_edit


def test_a_community_admin_cannot_add_a_category_to_another_community(client, admin_a, community_b):
    login_with_mfa(client, admin_a)
    data = {"community": community_b.pk, "slug": "wifi", "name_fr": "Wi-Fi", "name_en": "Wi-Fi", "color": "#336699"}
    response = client.post(add_url(Category), {**data, "order": 1})
    assert response.status_code == 200  # the form comes back with an error on "community"
    assert "community" in response.context["adminform"].form.errors
    assert not Category.objects.filter(community=community_b).exists()


@pytest.mark.parametrize(
    ("persona", "may_grant"),
    EDITORS_OF_A,
)
def test_granting_a_role_in_community_a(client, people, community_a, persona, may_grant):
    newcomer = UserFactory(username="newcomer")
    login_with_mfa(client, people[persona])
    client.post(add_url(Membership), {"community": community_a.pk, "user": "newcomer", "role": Role.MODERATOR})
    assert Membership.objects.filter(user=newcomer, community=community_a).exists() is may_grant


def test_an_unknown_username_gets_a_clear_error_and_keeps_the_form(client, admin_a, community_a):
    login_with_mfa(client, admin_a)
    response = client.post(add_url(Membership), {"community": community_a.pk, "user": "ghost", "role": "moderator"})
    assert response.status_code == 200
    assert "Aucun membre actif n’a ce nom d’utilisateur." in response.content.decode()  # French first
    assert 'value="ghost"' in response.content.decode()


@pytest.mark.parametrize(("persona", "sees_b_rows"), [("superuser", True), ("admin_a", False), ("moderator_b", True)])
def test_category_and_membership_lists_are_scoped(client, people, community_a, community_b, persona, sees_b_rows):
    CategoryFactory(community=community_a, slug="a-cat")
    CategoryFactory(community=community_b, slug="b-cat")
    login_with_mfa(client, people[persona])
    categories = {c.slug for c in client.get(changelist_url(Category)).context["cl"].result_list}
    memberships = {m.community.slug for m in client.get(changelist_url(Membership)).context["cl"].result_list}
    assert ("b-cat" in categories) is sees_b_rows
    assert ("brand-b" in memberships) is sees_b_rows


@pytest.mark.parametrize(("persona", "may_delete"), [("superuser", True), ("admin_a", False)])
def test_only_the_operator_deletes_a_community(client, people, community_a, persona, may_delete):
    login_with_mfa(client, people[persona])
    delete_url = reverse("admin:community_community_delete", args=[community_a.pk])
    client.post(delete_url, {"post": "yes"})
    assert Community.objects.filter(pk=community_a.pk).exists() is not may_delete


def test_a_community_created_in_admin_gets_the_default_statuses(client, superuser):
    login_with_mfa(client, superuser)
    data = {
        "name": "Brand C",
        "slug": "brand-c",
        "domain": "ideas.brand-c.test",
        "is_active": "on",
        "default_language": "en",
        "primary_color": "#112233",
        "accent_color": "#ffcc00",
        "moderation_mode": "post",
        "response_vote_threshold": 10,
        "response_age_days": 30,
        **NO_POINT_VALUES,
    }
    response = client.post(add_url(Community), data)
    assert response.status_code == 302
    assert Community.objects.get(slug="brand-c").statuses.count() == 7
