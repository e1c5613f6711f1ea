"""Signed deliveries to a real receiver: what it gets, what it can verify, what never goes."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

import events
from community.models import ModerationItem, ModerationMode, ModerationRule
from events import VoteFact
from ideas.services import ideas_set_moderation_state
from integrations.models import DeliveryState, WebhookDelivery
from integrations.services import delivery_attempt, delivery_redeliver, endpoint_rotate_secret, endpoint_send_test
from integrations.signing import secret_bytes, secret_decrypt, signed_headers
from outbox.models import Job
from tests.factories import MembershipFactory, UserFactory, make_idea
from tests.integrations.conftest import make_endpoint, publish

HOST_A = "ideas.brand-a.test"


def test_it_delivers_a_signed_event_that_the_reference_verifier_accepts(
    endpoint_a, receiver, idea_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = publish("idea.posted", idea_a.community, idea_a)

    [request] = receiver.requests
    assert request.verified is True
    assert request.headers["webhook-id"] == event.id
    assert request.headers["content-type"] == "application/json"
    assert "Cluetrain" in request.headers["user-agent"]
    assert request.path == "/hooks/cluetrain?team=product"
    body = json.loads(request.body)
    assert body["id"] == event.id
    assert body["type"] == "idea.posted"
    assert body["community"] == idea_a.community_id
    assert body["data"]["idea"]["title"] == "Du Wi-Fi stable dans tous les trains"
    assert body["data"]["idea"]["url"].startswith("https://ideas.brand-a.test/") or body["data"]["idea"][
        "url"
    ].startswith("http://ideas.brand-a.test/")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (DeliveryState.DELIVERED, 1, 200)
    assert delivery.last_response_ms is not None
    assert Job.objects.get(task="integrations.deliver").state == "done"


def test_a_wrong_secret_a_tampered_body_or_an_old_timestamp_fail_verification(
    endpoint_a, receiver, idea_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publish("idea.posted", idea_a.community, idea_a)
    [request] = receiver.requests
    reference = Webhook(endpoint_a.secret)
    reference.verify(request.body, request.headers)

    other = Webhook("whsec_" + base64.b64encode(b"x" * 32).decode())
    with pytest.raises(WebhookVerificationError):
        other.verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        reference.verify(request.body.replace(b"Wi-Fi", b"WiFi"), request.headers)
    # Our signature of an old attempt is still right, but too old to be accepted (replay).
    old = int((datetime.now(UTC) - timedelta(minutes=10)).timestamp())
    stale = signed_headers(endpoint_a.secret, msg_id=request.headers["webhook-id"], timestamp=old, body=request.body)
    assert stale["webhook-signature"] == reference.sign(
        request.headers["webhook-id"], datetime.fromtimestamp(old, UTC), request.body
    )
    with pytest.raises(WebhookVerificationError):
        reference.verify(request.body, stale)


def test_the_secret_follows_the_spec_and_is_stored_encrypted(community_a, settings):
    endpoint = make_endpoint(community_a, "https://hooks.example.com/in", ["idea.posted"])
    secret = endpoint.secret
    assert secret.startswith("whsec_")
    assert len(secret_bytes(secret)) == 32
    assert secret not in endpoint.secret_encrypted
    assert secret_bytes(secret) not in base64.urlsafe_b64decode(endpoint.secret_encrypted)
    # SECRET_KEY rotated the Django way: the old key among the fallbacks still decrypts.
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert secret_decrypt(endpoint.secret_encrypted) == secret


def test_it_sends_only_the_chosen_types_of_the_endpoints_community(
    endpoint_a, receiver, community_b, idea_a, member_b, django_capture_on_commit_callbacks
):
    idea_b = make_idea(community_b, member_b, title="Une idée de B")
    with django_capture_on_commit_callbacks(execute=True):
        publish("idea.edited", idea_a.community, idea_a)  # not chosen
        publish("idea.posted", community_b, idea_b)  # another community
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_an_event_about_held_or_hidden_content_is_never_delivered(
    endpoint_a, receiver, idea_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publish("idea.posted", idea_a.community, idea_a, public=False)
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_a_held_idea_is_announced_without_its_content(
    endpoint_a, receiver, community_a, member_a, django_capture_on_commit_callbacks
):
    community_a.moderation_mode = ModerationMode.PRE
    community_a.save()
    ModerationRule.objects.update_or_create(community=community_a, defaults={"new_member_hold_count": 5})
    with django_capture_on_commit_callbacks(execute=True):  # through the real service
        idea = make_idea(community_a, member_a, title="Titre secret en attente", body="Corps secret en attente")
    item = ModerationItem.objects.get(idea=idea)

    # The check held idea_a too (posted in post-moderation, checked after: a new member).
    bodies = [json.loads(request.body) for request in receiver.requests]
    [body] = [body for body in bodies if body["data"]["item"]["idea"] == idea.pk]
    assert body["type"] == "moderation.held"
    assert body["data"]["item"] == {"id": item.pk, "kind": "idea", "idea": idea.pk, "comment": None}
    assert all(b"secret" not in request.body for request in receiver.requests)
    assert set(WebhookDelivery.objects.values_list("event_type", flat=True)) == {"moderation.held"}


def test_ideas_hidden_in_a_batch_reach_an_endpoint_that_chose_it_without_their_content(
    endpoint_a, receiver, idea_a, django_capture_on_commit_callbacks
):
    endpoint_a.event_types = ["idea.hidden", "idea.approved"]
    endpoint_a.save()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        ideas_set_moderation_state(ideas=[idea_a], state="hidden")
    [request] = receiver.requests
    body = json.loads(request.body)
    assert body["type"] == "idea.hidden"
    assert body["data"] == {"idea": {"id": idea_a.pk, "state": "hidden"}}
    assert idea_a.title.encode() not in request.body


def test_a_hidden_comment_is_announced_by_id_only_and_a_deleted_one_only_if_it_was_public(
    endpoint_a, receiver, idea_a, django_capture_on_commit_callbacks
):
    from ideas.services import comment_create, comment_delete, content_set_moderation_state

    endpoint_a.event_types = ["comment.hidden", "comment.deleted"]
    endpoint_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_create(idea=idea_a, author=idea_a.author, body="Un commentaire à cacher")
        content_set_moderation_state(content=comment, state="hidden")
        comment_delete(comment=comment, user=idea_a.author)  # hidden already: never announced
    bodies = [json.loads(request.body) for request in receiver.requests]
    assert [body["type"] for body in bodies] == ["comment.hidden"]
    assert bodies[0]["data"] == {"comment": {"id": comment.pk, "state": "hidden"}, "idea": {"id": idea_a.pk}}
    assert all("cacher" not in request.body.decode() for request in receiver.requests)


def test_internal_facts_never_leave_and_cannot_be_chosen(endpoint_a, receiver, member_a, client, admin_a):
    endpoint_a.event_types = ["member.erased"]
    endpoint_a.save()
    with transaction.atomic():
        events.publish("member.erased", community_id=endpoint_a.community_id, subject=member_a)
    assert not WebhookDelivery.objects.exists()
    from integrations.admin import EndpointForm

    assert "member.erased" not in dict(EndpointForm.base_fields["event_types"].choices)


def test_an_idea_posted_on_the_site_is_delivered(
    endpoint_a, receiver, member_a, client, django_capture_on_commit_callbacks
):
    client.force_login(member_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("ideas:create"), {"title": "Des casiers à vélos", "body": "Sécurisés."}, HTTP_HOST=HOST_A
        )
    assert answer.status_code == 302
    [request] = receiver.requests
    body = json.loads(request.body)
    assert (body["type"], body["data"]["idea"]["title"]) == ("idea.posted", "Des casiers à vélos")
    assert request.verified is True


def test_a_vote_on_the_site_is_delivered(
    endpoint_a, receiver, idea_a, member_b, community_a, client, django_capture_on_commit_callbacks
):
    voter = UserFactory(username="voter")
    MembershipFactory(user=voter, community=community_a)
    client.force_login(voter)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ideas:vote", args=[idea_a.pk]), {"value": "1"}, HTTP_HOST=HOST_A)
    [request] = receiver.requests
    body = json.loads(request.body)
    assert body["type"] == "vote.cast"
    assert body["data"]["voter"]["username"] == "voter"
    assert "email" not in request.body.decode()


def test_a_delivery_already_made_is_not_sent_again(endpoint_a, receiver, idea_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        publish("idea.posted", idea_a.community, idea_a)
    delivery = WebhookDelivery.objects.get()
    delivery_attempt(delivery_id=delivery.pk)  # a second copy of the task
    assert len(receiver.requests) == 1


def test_a_redelivery_sends_the_same_body_with_the_same_webhook_id(
    endpoint_a, receiver, idea_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = publish("idea.posted", idea_a.community, idea_a)
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        delivery_redeliver(delivery=delivery)

    first, again = receiver.requests
    assert first.headers["webhook-id"] == again.headers["webhook-id"] == event.id
    assert first.body == again.body
    assert again.verified is True
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.DELIVERED, 2)


def test_the_test_event_is_a_signed_ping(endpoint_a, receiver):
    delivery = endpoint_send_test(endpoint=endpoint_a)

    [request] = receiver.requests
    assert request.verified is True
    assert json.loads(request.body)["type"] == "webhook.test"
    assert (delivery.state, delivery.is_test, delivery.last_status_code) == (DeliveryState.DELIVERED, True, 200)


def test_after_a_rotation_the_old_secret_no_longer_verifies(endpoint_a, receiver):
    old = endpoint_a.secret
    new = endpoint_rotate_secret(endpoint=endpoint_a)
    receiver.secret = new
    endpoint_send_test(endpoint=endpoint_a)

    [request] = receiver.requests
    assert new != old
    assert request.verified is True
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(request.body, request.headers)


# --- Cost to the writes ----------------------------------------------------------------------


def test_an_event_in_a_community_without_endpoints_costs_one_query(
    idea_a, community_b, receiver, django_capture_on_commit_callbacks
):
    make_endpoint(community_b, receiver.url, ["vote.cast"])  # another community's
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        publish("vote.cast", idea_a.community, VoteFact(idea=idea_a, user=idea_a.author, value=1, votes=1))
    statements = [query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]]
    assert len(statements) == 1
    assert "integrations_webhookendpoint" in statements[0]
