"""Fixtures of the webhook tests: a receiver, endpoints, events published as services will."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction

import events
from integrations.models import Kind, WebhookEndpoint
from tests.integrations.receiver import Receiver, running_receiver


@pytest.fixture
def allow_private(settings) -> None:
    """The receiver listens on 127.0.0.1, which production refuses."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture
def receiver(allow_private) -> Iterator[Receiver]:
    with running_receiver() as server:
        yield server


def make_endpoint(community, url: str, types: list[str], *, kind: str = Kind.WEBHOOK, **fields) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(community=community, name=f"{kind} endpoint", kind=kind, url=url, event_types=types)
    endpoint.set_secret()
    for name, value in fields.items():
        setattr(endpoint, name, value)
    endpoint.save()
    return endpoint


@pytest.fixture
def endpoint_a(community_a, idea_a, receiver) -> WebhookEndpoint:
    """Made after idea_a, whose posting (through the service) it must not hear."""
    endpoint = make_endpoint(community_a, receiver.url, ["idea.posted", "vote.cast", "moderation.held"])
    receiver.secret = endpoint.secret
    return endpoint


def publish(event_type: str, community, subject, **options) -> events.Event:
    """Publish inside a transaction, as a service does (the deliveries commit with it)."""
    with transaction.atomic():
        return events.publish(event_type, community_id=community.pk, subject=subject, **options)
