"""Endpoints and their delivery log in /admin/: every persona against every action.

Only community admins (and the operator) see them; other staff of the community get 403;
another community's endpoints and deliveries are not found."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from community.models import Role
from integrations.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from tests.factories import MembershipFactory, UserFactory, login_with_mfa
from tests.integrations.conftest import make_endpoint

PERSONAS = ("superuser", "admin_a", "moderator_a", "brand_manager_a", "admin_b", "moderator_b", "member_a")
# What each persona gets for community A's endpoint: the operator and A's admin see and act;
# A's other staff are refused; B's staff do not find it; a member is sent to sign in.
EXPECTED = {
    "superuser": "allowed",
    "admin_a": "allowed",
    "moderator_a": "refused",
    "brand_manager_a": "refused",
    "admin_b": "not found",
    "moderator_b": "refused",
    "member_a": "sign in",
}


@pytest.fixture
def admin_b(community_b):
    user = UserFactory(username="admin-b", is_staff=True)
    MembershipFactory(user=user, community=community_b, role=Role.ADMIN)
    return user


@pytest.fixture
def people(request, superuser, admin_a, moderator_a, brand_manager_a, admin_b, moderator_b, member_a):
    return {name: request.getfixturevalue(name) for name in PERSONAS}


@pytest.fixture
def delivery_a(endpoint_a) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        endpoint=endpoint_a,
        event_id="evt_0123",
        event_type="idea.posted",
        body='{"id":"evt_0123","type":"idea.posted"}',
        state=DeliveryState.FAILED,
        attempts=8,
        last_status_code=500,
    )


def sign_in(client, user) -> None:
    if user.is_staff:
        login_with_mfa(client, user)
    else:
        client.force_login(user)


def outcome(response) -> str:
    if response.status_code == 302 and "/login/" in response["Location"]:
        return "sign in"
    if response.status_code == 403:
        return "refused"
    if response.status_code == 404:
        return "not found"
    if response.status_code == 302 and response["Location"] == reverse("admin:index"):
        return "not found"  # the admin's answer to a change page of an object it cannot find
    return "allowed" if response.status_code in (200, 302) else f"status {response.status_code}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_endpoint_pages_follow_the_matrix(
    client, people, persona, endpoint_a, delivery_a, receiver, django_capture_on_commit_callbacks
):
    sign_in(client, people[persona])
    expected = EXPECTED[persona]
    listing = "not found" if expected == "not found" else expected  # B's admin lists nothing of A
    changelist = client.get(reverse("admin:integrations_webhookendpoint_changelist"))
    if listing == "not found":
        assert changelist.status_code == 200
        assert list(changelist.context["cl"].result_list) == []
    else:
        assert outcome(changelist) == listing
    assert outcome(client.get(reverse("admin:integrations_webhookendpoint_change", args=[endpoint_a.pk]))) == expected
    assert outcome(client.post(reverse("admin:integrations_webhookendpoint_test", args=[endpoint_a.pk]))) == expected
    assert outcome(client.get(reverse("admin:integrations_webhookdelivery_change", args=[delivery_a.pk]))) == expected
    with django_capture_on_commit_callbacks(execute=True):
        redelivered = client.post(reverse("admin:integrations_webhookdelivery_redeliver", args=[delivery_a.pk]))
    assert outcome(redelivered) == expected
    sent = 2 if expected == "allowed" else 0  # the test event, and the delivery sent again
    assert len(receiver.requests) == sent


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_community_admins_add_endpoints(client, people, persona, community_a, receiver):
    sign_in(client, people[persona])
    response = client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {
            "community": community_a.pk,
            "name": "CRM",
            "kind": "webhook",
            "url": "https://hooks.example.com/cluetrain",
            "event_types": ["idea.posted", "vote.cast"],
            "is_active": "on",
        },
    )
    created = WebhookEndpoint.objects.filter(name="CRM").first()
    if EXPECTED[persona] == "allowed":
        assert response.status_code == 302
        assert created.created_by == people[persona]
        assert created.secret.startswith("whsec_")
        assert created.event_types == ["idea.posted", "vote.cast"]
    else:
        assert created is None
        assert response.status_code in (200, 302, 403)  # B's admin: the form again, A not a choice


def test_the_admin_sees_the_secret_and_the_buttons(client, admin_a, endpoint_a):
    login_with_mfa(client, admin_a)
    page = client.get(reverse("admin:integrations_webhookendpoint_change", args=[endpoint_a.pk])).content.decode()
    assert endpoint_a.secret in page
    assert "Envoyer un événement de test" in page
    assert "Changer le secret" in page
    assert "Idée au-dessus du seuil de réponse" in page  # the events, with their translated labels


def test_the_test_button_says_how_the_receiver_answered(client, admin_a, endpoint_a, receiver):
    login_with_mfa(client, admin_a)
    answer = client.post(reverse("admin:integrations_webhookendpoint_test", args=[endpoint_a.pk]), follow=True)
    assert "Événement de test livré : HTTP 200" in answer.content.decode()
    receiver.statuses = [500]
    answer = client.post(reverse("admin:integrations_webhookendpoint_test", args=[endpoint_a.pk]), follow=True)
    assert "Événement de test non livré : HTTP 500" in answer.content.decode()
    endpoint_a.refresh_from_db()
    assert (endpoint_a.is_active, endpoint_a.consecutive_failures) == (True, 0)  # tests never count


def test_rotating_the_secret_changes_it(client, admin_a, endpoint_a):
    before = endpoint_a.secret
    login_with_mfa(client, admin_a)
    client.post(reverse("admin:integrations_webhookendpoint_rotate", args=[endpoint_a.pk]))
    endpoint_a.refresh_from_db()
    assert endpoint_a.secret != before


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example.com/", "Seules les adresses http et https"),
        ("http://127.0.0.1:8080/", "réseau privé ou réservé"),
        ("http://169.254.169.254/latest/", "réseau privé ou réservé"),
        ("http://[::ffff:10.0.0.1]/", "réseau privé ou réservé"),
        ("http://localhost:8080/", "adresse privée ou réservée"),
        ("https://user:pw@hooks.example.com/", "identifiants"),
        ("https://hooks.example.com:99999/", "port"),
        ("https://" + "a" * 2100 + ".example.com/", "2000"),
    ],
)
def test_bad_urls_are_refused_with_a_clear_message(client, admin_a, community_a, settings, url, message):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    login_with_mfa(client, admin_a)
    response = client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {"community": community_a.pk, "name": "X", "kind": "webhook", "url": url, "event_types": ["idea.posted"]},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_unknown_event_types_and_ids_are_refused_without_an_error_page(client, admin_a, community_a):
    login_with_mfa(client, admin_a)
    response = client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {
            "community": community_a.pk,
            "name": "X",
            "kind": "webhook",
            "url": "https://h.example.com/",
            "event_types": ["nope"],
        },
    )
    assert response.status_code == 200
    assert not WebhookEndpoint.objects.exists()
    assert client.post(reverse("admin:integrations_webhookendpoint_test", args=["999999"])).status_code == 404
    assert client.post(reverse("admin:integrations_webhookendpoint_test", args=["abc"])).status_code == 404
    assert client.get(reverse("admin:integrations_webhookendpoint_test", args=["1"])).status_code == 405


def test_the_delivery_log_is_read_only_and_sends_again_through_its_action(
    client, admin_a, endpoint_a, delivery_a, receiver, community_b, django_capture_on_commit_callbacks
):
    other = make_endpoint(community_b, receiver.url, ["idea.posted"])
    WebhookDelivery.objects.create(endpoint=other, event_id="evt_b", event_type="idea.posted", body="{}")
    login_with_mfa(client, admin_a)
    listing = client.get(reverse("admin:integrations_webhookdelivery_changelist"), {"state": "failed"})
    assert [row.pk for row in listing.context["cl"].result_list] == [delivery_a.pk]
    page = client.get(reverse("admin:integrations_webhookdelivery_change", args=[delivery_a.pk])).content.decode()
    assert 'name="_save"' not in page
    assert "Renvoyer (même webhook-id)" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:integrations_webhookdelivery_changelist"),
            {"action": "redeliver", ACTION_CHECKBOX_NAME: [delivery_a.pk]},
        )
    delivery_a.refresh_from_db()
    assert (delivery_a.state, delivery_a.attempts) == (DeliveryState.DELIVERED, 9)
    assert receiver.webhook_ids() == ["evt_0123"]


def test_a_disabled_endpoint_turned_on_again_starts_afresh(client, admin_a, endpoint_a):
    endpoint_a.is_active = False
    endpoint_a.disabled_reason = "410"
    endpoint_a.consecutive_failures = 9
    endpoint_a.save()
    WebhookEndpoint.objects.filter(pk=endpoint_a.pk).update(disabled_at="2026-01-01T00:00:00Z")
    login_with_mfa(client, admin_a)
    client.post(
        reverse("admin:integrations_webhookendpoint_change", args=[endpoint_a.pk]),
        {
            "community": endpoint_a.community_id,
            "name": endpoint_a.name,
            "kind": endpoint_a.kind,
            "url": endpoint_a.url,
            "event_types": endpoint_a.event_types,
            "is_active": "on",
        },
    )
    endpoint_a.refresh_from_db()
    assert (endpoint_a.is_active, endpoint_a.disabled_at, endpoint_a.consecutive_failures) == (True, None, 0)
