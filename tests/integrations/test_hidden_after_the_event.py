"""What becomes hidden after its event is never sent (found in review: a waiting delivery
and a scheduled response still went out)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ideas import responses
from ideas.models import Idea
from ideas.services import content_set_moderation_state
from integrations.models import WebhookDelivery
from integrations.services import delivery_attempt
from tests.integrations.conftest import make_endpoint, publish


def test_a_delivery_waiting_when_its_idea_is_hidden_is_abandoned_unsent(community_a, idea_a, receiver):
    endpoint = make_endpoint(community_a, receiver.url, ["idea.posted"])
    receiver.secret = endpoint.secret
    publish("idea.posted", community_a, idea_a)  # on_commit callbacks not run: the worker is late / receiver down
    [delivery] = WebhookDelivery.objects.all()
    with transaction.atomic():
        content_set_moderation_state(content=Idea.objects.get(pk=idea_a.pk), state="hidden")
    delivery_attempt(delivery_id=delivery.pk)  # the worker (or a retry) runs now
    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.state == "abandoned" and "public" in delivery.last_error


def test_a_delivery_of_a_comment_deleted_meanwhile_is_abandoned(community_a, idea_a, receiver):
    from ideas.services import comment_create, comment_delete

    endpoint = make_endpoint(community_a, receiver.url, ["comment.posted"])
    receiver.secret = endpoint.secret
    with transaction.atomic():
        comment = comment_create(idea=idea_a, author=idea_a.author, body="Un mot regretté")
    [delivery] = WebhookDelivery.objects.filter(event_type="comment.posted")
    comment_delete(comment=comment, user=idea_a.author)
    delivery_attempt(delivery_id=delivery.pk)
    assert receiver.requests == []


def test_a_delivery_of_content_still_public_goes_out(community_a, idea_a, receiver):
    endpoint = make_endpoint(community_a, receiver.url, ["idea.posted"])
    receiver.secret = endpoint.secret
    publish("idea.posted", community_a, idea_a)
    [delivery] = WebhookDelivery.objects.all()
    delivery_attempt(delivery_id=delivery.pk)
    assert len(receiver.requests) == 1


def test_a_response_published_on_an_idea_hidden_since_it_was_scheduled_says_nothing_outside(
    community_a, idea_a, brand_manager_a, receiver
):
    make_endpoint(community_a, "http://127.0.0.1:9/x", ["response.published"])
    response = responses.response_create(idea=idea_a, user=brand_manager_a, body="Merci, c'est prévu.")
    responses.response_schedule(
        response=response, user=brand_manager_a, publish_at=timezone.now() + timedelta(minutes=5)
    )
    with transaction.atomic():
        content_set_moderation_state(content=Idea.objects.get(pk=idea_a.pk), state="hidden")
    published = responses.publish_if_due(response.pk, now=timezone.now() + timedelta(minutes=10))
    bodies = [d.body for d in WebhookDelivery.objects.filter(event_type="response.published")]
    assert published and not bodies, (published, bodies)  # kept, as on the site, but not sent
