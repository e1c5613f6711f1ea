"""Helpers for the notification tests: many followers at once, a published response, a comment."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from community.models import Membership, Role
from ideas.models import Follow, OfficialResponse
from ideas.services import comment_create
from tests.factories import login_with_mfa

HOST_A = "ideas.brand-a.test"
HOST_B = "ideas.brand-b.test"


def add_followers(idea, count: int, *, prefix: str = "follower", **fields) -> list[User]:
    """`count` members of the idea's community who follow it, written in three queries."""
    users = User.objects.bulk_create(
        User(
            username=f"{prefix}-{number}",
            email=f"{prefix}-{number}@example.test",
            display_name=f"{prefix.title()} {number}",
            password="!",  # unusable: these members never sign in
            **fields,
        )
        for number in range(count)
    )
    Membership.objects.bulk_create(
        Membership(community_id=idea.community_id, user=user, role=Role.MEMBER) for user in users
    )
    Follow.objects.bulk_create(Follow(idea=idea, user=user) for user in users)
    return users


def follow(idea, *users) -> None:
    Follow.objects.bulk_create([Follow(idea=idea, user=user) for user in users], ignore_conflicts=True)


def respond_url(idea) -> str:
    return reverse("ideas:respond", args=[idea.pk])


def publish_form(*, body: str = "Nous équipons toutes les rames d’ici l’été.", status=None) -> dict:
    return {"action": "publish", "body": body, "status": status.pk if status else ""}


@pytest.fixture
def publish(brand_manager_a, django_capture_on_commit_callbacks):
    """The brand manager publishes a response through the idea page (in their own browser);
    the task runs (eagerly) once the request's transaction commits. Returns the response."""
    manager = Client()
    login_with_mfa(manager, brand_manager_a)

    def publish(idea, **form):
        with django_capture_on_commit_callbacks(execute=True):
            answer = manager.post(respond_url(idea), publish_form(**form), HTTP_HOST=HOST_A)
        assert answer.status_code == 302, answer.content.decode()[:2000]
        return OfficialResponse.objects.get(idea=idea)

    return publish


@pytest.fixture
def comment(django_capture_on_commit_callbacks):
    """A comment posted and committed, so that its notifications go out."""

    def comment(idea, author, body: str = "Bonne idée, je prends ce train chaque jour.", parent=None):
        with django_capture_on_commit_callbacks(execute=True):
            return comment_create(idea=idea, author=author, body=body, parent=parent)

    return comment
