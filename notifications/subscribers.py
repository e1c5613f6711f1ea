"""The facts members hear of (events.catalogue → notifications.events), and what is taken
back when content stops being public. Recorded in the transaction of the fact: the delivery
job exists exactly when the fact does (notifications.services.emit)."""

from __future__ import annotations

import events
from accounts.privacy import export_section, idea_reference
from notifications import events as notices
from notifications.models import Notification, Preference
from notifications.services import notifications_withdraw, unread_changed


@events.subscribe("idea.status_changed")
def status_changed(event: events.Event) -> None:
    # A change that comes with an official response is announced by the response.
    if event.public and event.subject.response_id is None:
        notices.status_changed(event.subject)


@events.subscribe("comment.approved")
def comment_approved(event: events.Event) -> None:
    notices.comment_published(event.subject, mentions_only=event.extra["edited"])


@events.subscribe("idea.merged")
def idea_merged(event: events.Event) -> None:
    notices.idea_merged(event.subject, followers=event.extra["followers"])


@events.subscribe("idea.hidden")
def idea_hidden(event: events.Event) -> None:
    notifications_withdraw(idea_id=event.subject.pk)


@events.subscribe("comment.hidden", "comment.deleted")
def comment_gone(event: events.Event) -> None:
    notifications_withdraw(keys=[f"comment:{event.subject.pk}"])


@events.subscribe("response.submitted")
def response_submitted(event: events.Event) -> None:
    notices.response_submitted(event.subject, by=event.actor, managers=event.extra["managers"])


@events.subscribe("response.approved")
def response_approved(event: events.Event) -> None:
    notices.response_approved(event.subject)


@events.subscribe("response.published")
def response_published(event: events.Event) -> None:
    notices.response_published(event.subject, scheduled=event.extra["scheduled"])


@events.subscribe("member.sanctioned")
def member_sanctioned(event: events.Event) -> None:
    notices.sanction_imposed(event.subject)


@events.subscribe("moderation.decided")
def moderation_decided(event: events.Event) -> None:
    notices.moderation_decided(event.subject)


@events.subscribe("badge.earned")
def badge_earned(event: events.Event) -> None:
    if not event.extra.get("quiet"):
        notices.badge_awarded(event.subject)


@events.subscribe("member.erased")
def member_erased(event: events.Event) -> None:
    """Their inbox and choices go; others' notifications forget the name they froze (they
    then read "A member")."""
    user = event.subject
    Preference.objects.filter(user=user).delete()
    Notification.objects.filter(recipient=user).delete()
    unread_changed([user.pk])
    changed = []
    for notification in Notification.objects.filter(actor=user).only("pk", "data").iterator(chunk_size=500):
        notification.data = {key: value for key, value in notification.data.items() if key != "actor"}
        notification.actor = None
        changed.append(notification)
    Notification.objects.bulk_update(changed, ["data", "actor"], batch_size=500)


@export_section("notifications")
def exported(user) -> list[dict]:
    """A member's data export: only the kind and the idea (their frozen text quotes others)."""
    rows = Notification.objects.filter(recipient=user).select_related("idea").order_by("created_at", "pk")
    return [
        {
            "kind": notification.get_kind_display(),
            "idea": idea_reference(notification.idea, user) if notification.idea else None,
            "created_at": notification.created_at,
            "read_at": notification.read_at,
        }
        for notification in rows
    ]
