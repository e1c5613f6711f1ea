"""Webhook deliveries: recorded with the event, sent by the worker, retried for a day.

- `deliveries_record` (the RECORD subscriber's work) writes one delivery per active endpoint
  of the event's community that chose its type, with the exact body to send, and records one
  outbox job per delivery in the same transaction: the deliveries exist exactly when the
  change does, and nothing is sent before the commit.
- `delivery_attempt` (the task) sends one attempt and records its answer. A failed attempt
  sets the next one's time (RETRY_DELAYS, with jitter); `deliveries_queue_due` (beat, every
  10 s) records a job for each delivery that is due. Each delivery thus has at most one job
  open; a job whose worker died is handed over again by the outbox's relay.
- An endpoint that answers 410 Gone, or whose attempts have all failed for DISABLE_AFTER,
  is disabled and the community's admins get an e-mail.
"""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from community.models import Community, Membership, Role
from community.selectors import community_url
from events import Event
from ideas.models import Comment, Idea, Merge, ModerationState
from integrations import transport
from integrations.alerts import TEST_TYPE, alert_for, slack_body, teams_body
from integrations.models import DeliveryState, Kind, WebhookDelivery, WebhookEndpoint
from integrations.signing import SecretUnreadable, signed_headers
from outbox.services import enqueue, enqueue_many

logger = logging.getLogger(__name__)

TASK = "integrations.deliver"
# The wait before each retry (Svix's schedule, which Standard Webhooks points to): the first
# attempt at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h: 8 attempts over about
# 27 h 35 min. Each wait is drawn within ±JITTER of its value, so that a receiver back
# from an outage is not hit by every retry at the same second.
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.2
# An endpoint whose every attempt has failed for this long is disabled (a receiver gone for
# good), which an event's retries reach on their own: its 8th attempt comes after 27 h.
DISABLE_AFTER = timedelta(hours=24)
SWEEP_BATCH = 500


class NotNow(Exception):
    """The delivery cannot be sent again now (its endpoint is disabled, or it is on its way)."""


# --- Recording ------------------------------------------------------------------------------


def endpoints_for(*, community_ids: set[int], event_type: str) -> list[WebhookEndpoint]:
    """The active endpoints of these communities that chose this event type: one query.

    The type is matched in Python (a community has a handful of endpoints at most), so that
    the query is the same on PostgreSQL and on the embedded SQLite."""
    endpoints = WebhookEndpoint.objects.filter(community_id__in=community_ids, is_active=True).order_by()
    return [endpoint for endpoint in endpoints if endpoint.wants(event_type)]


def body_for(endpoint: WebhookEndpoint, envelope: dict) -> str:
    """What this endpoint receives: the envelope itself, or a team alert made of it."""
    if endpoint.kind == Kind.WEBHOOK:
        content = envelope
    else:
        alert = alert_for(envelope["type"], envelope.get("data") or {}, endpoint.community)
        content = (slack_body if endpoint.kind == Kind.SLACK else teams_body)(alert, endpoint.community)
    return json.dumps(content, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def deliveries_record(*, batch: list[Event]) -> list[WebhookDelivery]:
    """One delivery, and its job, per event of the batch (one type) and endpoint of its
    community that wants it; call inside the change's transaction (the RECORD moment). The
    caller has checked that the events may leave the site. One query when no endpoint does."""
    if not batch:
        return []
    endpoints = endpoints_for(community_ids={event.community_id for event in batch}, event_type=batch[0].type)
    if not endpoints:
        return []
    # Not joined above: most events find no endpoint.
    communities = Community.objects.in_bulk({endpoint.community_id for endpoint in endpoints})
    now = timezone.now()
    rows = []
    for event in batch:
        envelope = None
        for endpoint in endpoints:
            if endpoint.community_id != event.community_id:
                continue
            endpoint.community = communities[endpoint.community_id]
            envelope = envelope or event.envelope()  # the payload as of the change, snapshot now
            idea_ref, comment_ref = _quoted(event)
            rows.append(
                WebhookDelivery(
                    endpoint=endpoint,
                    event_id=event.id,
                    event_type=event.type,
                    body=body_for(endpoint, envelope),
                    next_attempt_at=now,
                    queued=True,
                    idea_ref=idea_ref,
                    comment_ref=comment_ref,
                )
            )
    deliveries = WebhookDelivery.objects.bulk_create(rows)
    enqueue_many(TASK, [[delivery.pk] for delivery in deliveries])
    return deliveries


def deliveries_queue_due(*, limit: int = SWEEP_BATCH) -> int:
    """Record a job for each delivery whose next attempt is due (beat, every 10 s)."""
    with transaction.atomic():
        due = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(state=DeliveryState.PENDING, queued=False, next_attempt_at__lte=timezone.now())
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        if due:
            WebhookDelivery.objects.filter(pk__in=due).update(queued=True)
            enqueue_many(TASK, [[pk] for pk in due])
    return len(due)


# --- Sending --------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt, with its jitter."""
    base = RETRY_DELAYS[attempts - 1]
    return base * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311 (spreading load, not a secret)


def _send(delivery: WebhookDelivery) -> transport.Answer:
    body = delivery.body.encode()
    headers: dict[str, str] = {}
    if delivery.endpoint.kind == Kind.WEBHOOK:
        try:
            secret = delivery.endpoint.secret
        except SecretUnreadable as error:
            return transport.Answer(None, 0, str(error))
        headers = signed_headers(secret, msg_id=delivery.event_id, timestamp=int(time.time()), body=body)
    return transport.post(delivery.endpoint.url, body, headers)


def _quoted(event: Event) -> tuple[int | None, int | None]:
    """The idea and comment whose words the event's body carries (ids only), or None."""
    if not event.public:
        return None, None  # its payload quotes nothing (CONTENT_FREE)
    subject = event.subject
    if isinstance(subject, Comment):
        return subject.idea_id, None if event.type == "comment.deleted" else subject.pk
    if isinstance(subject, Idea):
        return subject.pk, None
    if isinstance(subject, Merge):
        return subject.duplicate_id, None
    idea = getattr(subject, "idea", None)
    return (idea.pk if idea is not None else None), None


def _still_public(delivery: WebhookDelivery) -> bool:
    """What the body quotes is still public: a moderator may have hidden it, or its author
    deleted it, since the event (a receiver down for hours, a re-delivery)."""
    idea_gone = delivery.idea_ref is not None and not (
        Idea.objects.filter(pk=delivery.idea_ref, moderation_state=ModerationState.APPROVED).exists()
    )
    comment_gone = delivery.comment_ref is not None and not (
        Comment.objects.filter(
            pk=delivery.comment_ref, moderation_state=ModerationState.APPROVED, deleted_at=None
        ).exists()
    )
    return not (idea_gone or comment_gone)


def delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """Send the delivery once, if it is still pending, and record the answer.

    Idempotent: a delivery delivered, failed or abandoned is not sent again. Called outside
    any transaction: the request may take WEBHOOKS_TIMEOUT seconds."""
    delivery = WebhookDelivery.objects.select_related("endpoint__community").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != DeliveryState.PENDING:
        return delivery
    if not delivery.endpoint.is_active and not delivery.is_test:
        WebhookDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING).update(
            state=DeliveryState.ABANDONED, queued=False, next_attempt_at=None
        )
        return delivery
    if not _still_public(delivery):
        with translation.override(delivery.endpoint.community.default_language):
            reason = gettext("Not sent: what it quotes is no longer public (hidden, held or deleted).")
        WebhookDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING).update(
            state=DeliveryState.ABANDONED, queued=False, next_attempt_at=None, last_error=reason
        )
        delivery.refresh_from_db()
        return delivery
    with translation.override(delivery.endpoint.community.default_language):  # its errors, for its admins
        answer = _send(delivery)
    return _record_answer(delivery, answer)


def _record_answer(delivery: WebhookDelivery, answer: transport.Answer) -> WebhookDelivery:
    now = timezone.now()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().select_related("community").get(pk=delivery.endpoint_id)
        delivery.endpoint = endpoint
        delivery.attempts += 1
        delivery.last_status_code = answer.status
        delivery.last_response_ms = answer.elapsed_ms
        delivery.last_error = answer.error
        delivery.queued = False
        delivery.next_attempt_at = None
        if answer.ok:
            delivery.state = DeliveryState.DELIVERED
            delivery.delivered_at = now
        elif delivery.is_test or answer.status == 410 or delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = DeliveryState.FAILED
        else:
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        delivery.save()
        if not delivery.is_test:
            _endpoint_record(endpoint, answer, now)
    return delivery


def _endpoint_record(endpoint: WebhookEndpoint, answer: transport.Answer, now) -> None:
    """Keep the endpoint's run of failures; disable it when the receiver is gone."""
    if answer.ok:
        if endpoint.consecutive_failures or endpoint.failing_since:
            endpoint.consecutive_failures = 0
            endpoint.failing_since = None
            endpoint.save(update_fields=["consecutive_failures", "failing_since"])
        return
    endpoint.consecutive_failures += 1
    endpoint.failing_since = endpoint.failing_since or now
    endpoint.save(update_fields=["consecutive_failures", "failing_since"])
    if not endpoint.is_active:
        return
    with translation.override(endpoint.community.default_language):
        if answer.status == 410:
            reason = gettext("The receiver answered 410 Gone.")
        elif endpoint.failing_since <= now - DISABLE_AFTER:
            reason = gettext("Every attempt failed for 24 hours (%(count)s in a row); last error: %(error)s") % {
                "count": endpoint.consecutive_failures,
                "error": answer.error or answer.status,
            }
        else:
            return
    endpoint_disable(endpoint=endpoint, reason=reason)


# --- The endpoint's life --------------------------------------------------------------------


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> None:
    """Stop sending to the endpoint, give up its waiting deliveries and tell the community's
    admins. Call inside a transaction holding the endpoint's row."""
    endpoint.is_active = False
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_reason = reason[:300]
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
    endpoint.deliveries.filter(state=DeliveryState.PENDING, queued=False).update(
        state=DeliveryState.ABANDONED, next_attempt_at=None
    )
    _tell_admins_disabled(endpoint)


def endpoint_enable(*, endpoint: WebhookEndpoint) -> None:
    """Turned on again by an admin: a fresh start for its run of failures."""
    endpoint.is_active = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.consecutive_failures = 0
    endpoint.failing_since = None


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> str:
    """A new signing secret, used from the next attempt on; returns it."""
    secret = endpoint.set_secret()
    endpoint.save(update_fields=["secret_encrypted"])
    return secret


def endpoint_send_test(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A `webhook.test` event, sent at once (the admin waits for its answer) and logged as a
    delivery. One attempt, which never counts towards disabling the endpoint."""
    now = timezone.now()
    envelope = {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": TEST_TYPE,
        "version": 1,
        "timestamp": now.isoformat(),
        "community": endpoint.community_id,
        "data": {"endpoint": {"id": endpoint.pk, "name": endpoint.name}},
    }
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=envelope["id"],
        event_type=TEST_TYPE,
        body=body_for(endpoint, envelope),
        next_attempt_at=now,
        is_test=True,
    )
    return delivery_attempt(delivery_id=delivery.pk) or delivery


def delivery_redeliver(*, delivery: WebhookDelivery) -> None:
    """Send the same body with the same `webhook-id` once more, through the worker. If that
    attempt fails, retries follow while the delivery has attempts left (MAX_ATTEMPTS)."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
        if not delivery.endpoint.is_active:
            raise NotNow(gettext("The endpoint is disabled: turn it on again first."))
        if delivery.state == DeliveryState.PENDING and delivery.queued:
            raise NotNow(gettext("An attempt is already on its way."))
        delivery.state = DeliveryState.PENDING
        delivery.next_attempt_at = timezone.now()
        delivery.queued = True
        delivery.save(update_fields=["state", "next_attempt_at", "queued"])
        enqueue(TASK, delivery.pk)


# --- The admins' e-mail ---------------------------------------------------------------------


def _tell_admins_disabled(endpoint: WebhookEndpoint) -> None:
    community: Community = endpoint.community
    admins = (
        Membership.objects.filter(community=community, role=Role.ADMIN, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
    )
    endpoint_url = community_url(community, reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk]))
    for membership in admins:
        user = membership.user
        language = user.language or community.default_language
        context = {
            "community": community,
            "name": user.public_name,
            "endpoint": endpoint,
            "reason": endpoint.disabled_reason,
            "endpoint_url": endpoint_url,
            "home_url": community_url(community, "/"),
            "LANGUAGE_CODE": language,
        }
        with translation.override(language):
            subject = " ".join(render_to_string("emails/webhook_disabled_subject.txt", context).split())
            text = render_to_string("emails/webhook_disabled_body.txt", context)
            html = render_to_string("emails/webhook_disabled_body.html", context)
        message = EmailMultiAlternatives(f"[{community.name}] {subject}", text, to=[user.email])
        message.attach_alternative(html, "text/html")
        message.send()  # a mail job in this transaction (config.mail)
