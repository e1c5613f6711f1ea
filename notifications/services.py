"""Telling members: the fan-out, digests, preferences and the inbox's writes.

An event reaches its audiences in chunks of `CHUNK_SIZE` recipients: one query reads the
chunk's preferences, one `bulk_create` writes their inbox rows (a conflict on
(recipient, key) means "already told"), one claim marks the e-mails due now, and those go
over one SMTP connection. The request that caused the event only queues a task, so its
cost does not depend on the number of followers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

import events
from accounts.models import User
from community.models import Community
from config import rowcache
from notifications.emails import Rendered, language_of, personalise, render_digest, render_notification
from notifications.models import DEFAULT_DELIVERY, Delivery, Kind, Notification, Preference
from notifications.tokens import DIGEST_TOPICS
from outbox import services as outbox

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1000
RECIPIENT_FIELDS = ("pk", "email", "language", "display_name", "username", "deleted_at")


@dataclass(frozen=True)
class Event:
    """Something members hear about. `key` names it: one notification per recipient and key."""

    key: str
    community_id: int
    idea_id: int | None = None
    actor_id: int | None = None
    url: str = ""
    data: dict = field(default_factory=dict)
    # What the event quotes must still be public when the delivery runs (a moderator may
    # have hidden it meanwhile): the comment, if any; the idea, if `public_only`.
    comment_id: int | None = None
    public_only: bool = False


@dataclass(frozen=True)
class Audience:
    """Who hears of an event, and as what kind: given people, or an idea's followers."""

    kind: str
    users: tuple[int, ...] = ()
    followers_of: int | None = None


@dataclass(frozen=True)
class Announcement:
    event: Event
    audiences: tuple[Audience, ...]
    exclude: tuple[int, ...] = ()

    def as_payload(self) -> dict:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict) -> Announcement:
        return cls(
            Event(**payload["event"]),
            tuple(
                Audience(audience["kind"], tuple(audience["users"]), audience["followers_of"])
                for audience in payload["audiences"]
            ),
            tuple(payload["exclude"]),
        )


@dataclass
class Report:
    notified: int = 0
    emailed: int = 0


# --- Emitting ----------------------------------------------------------------------------


def emit(announcement: Announcement) -> None:
    """Queue the delivery once the current transaction commits.

    Audiences are served in order and a recipient is told once per event, so the first
    audience that names someone decides how they hear of it (a mention before a reply
    before a comment on their idea before a comment on an idea they follow).
    """
    if events.is_muted():
        return
    payload = announcement.as_payload()
    # Recorded with the change that is the news (the outbox): a broker down at that moment
    # delays the news, never loses it.
    outbox.enqueue("notifications.deliver", payload, key=f"notify:{payload['event']['key']}")


def deliver(announcement: Announcement) -> Report:
    """Write the inbox rows and send the immediate e-mails. Idempotent: run it twice and
    nobody is told twice."""
    event = announcement.event
    report = Report()
    if not _still_public(event):
        return report
    community = Community.objects.get(pk=event.community_id)
    templates: dict[tuple[str, str], Rendered] = {}
    # Someone named by an audience is decided there, even if they turned that kind off:
    # an author who silenced comments on their idea is not told again as its follower.
    decided: set[int] = set(announcement.exclude)
    for audience in announcement.audiences:
        for chunk in _recipient_chunks(audience, tuple(decided)):
            written, wants_email_now = _write_inbox(event, audience.kind, chunk)
            report.notified += written
            report.emailed += _email_now(event, audience.kind, wants_email_now, community, templates)
            outbox.heartbeat()  # a chunk done: this run is alive (a huge audience takes a while)
        decided.update(audience.users)
    return report


def _still_public(event: Event) -> bool:
    from ideas.models import Comment, Idea, ModerationState

    if event.comment_id is not None:
        return Comment.objects.filter(
            pk=event.comment_id,
            moderation_state=ModerationState.APPROVED,
            deleted_at__isnull=True,
            idea__moderation_state=ModerationState.APPROVED,
        ).exists()
    if event.public_only and event.idea_id is not None:
        return Idea.objects.filter(pk=event.idea_id, moderation_state=ModerationState.APPROVED).exists()
    return True


def notifications_withdraw(*, keys: Sequence[str] = (), idea_id: int | None = None) -> int:
    """Content that stopped being public (hidden, rejected, deleted) takes back what was
    said of it: its inbox rows go, and with them what waited for a digest. `keys` names the
    events (a comment's); `idea_id` withdraws everything said about an idea. What tells an
    author or a member about their own account (a moderation decision, a sanction) stays.
    Returns the number of rows withdrawn."""
    if not keys and idea_id is None:
        return 0
    rows = Notification.objects.exclude(kind__in=(Kind.MODERATION, Kind.SANCTION))
    rows = rows.filter(key__in=keys) if idea_id is None else rows.filter(idea_id=idea_id)
    unread_changed(rows.filter(read_at__isnull=True).values_list("recipient_id", flat=True).distinct())
    deleted, _by_model = rows.delete()
    return deleted


def _recipient_chunks(audience: Audience, exclude: Sequence[int]) -> Iterator[list[int]]:
    if audience.users:
        ids = sorted(set(audience.users) - set(exclude))
        active = list(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
        for start in range(0, len(active), CHUNK_SIZE):
            yield active[start : start + CHUNK_SIZE]
    if audience.followers_of is not None:
        from ideas.models import Follow

        last = 0
        while True:
            # Keyset pagination on the (idea, user) unique index: each chunk is an index range.
            chunk = list(
                Follow.objects.filter(idea_id=audience.followers_of, user_id__gt=last, user__is_active=True)
                .order_by("user_id")
                .values_list("user_id", flat=True)[:CHUNK_SIZE]
            )
            if not chunk:
                return
            last = chunk[-1]
            excluded = set(exclude)
            yield [user_id for user_id in chunk if user_id not in excluded]


def deliveries_for(user_ids: Sequence[int], kind: str) -> dict[int, str]:
    """Each member's choice for this kind, their default where they made none."""
    chosen = dict(Preference.objects.filter(user_id__in=user_ids, kind=kind).values_list("user_id", "delivery"))
    default = DEFAULT_DELIVERY[kind]
    return {user_id: chosen.get(user_id, default) for user_id in user_ids}


def _write_inbox(event: Event, kind: str, user_ids: list[int]) -> tuple[int, list[int]]:
    """Insert the chunk's new rows; return how many and who wants an e-mail now (those
    already told included, in case their e-mail is what a failed try left unsent)."""
    deliveries = deliveries_for(user_ids, kind)
    told = set(
        Notification.objects.filter(key=event.key, recipient_id__in=user_ids).values_list("recipient_id", flat=True)
    )
    rows = [
        Notification(
            recipient_id=user_id,
            community_id=event.community_id,
            kind=kind,
            key=event.key,
            idea_id=event.idea_id,
            actor_id=event.actor_id,
            data=event.data,
            url=event.url,
            email_delivery=delivery,
        )
        for user_id, delivery in deliveries.items()
        if delivery != Delivery.OFF and user_id not in told
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    unread_changed(row.recipient_id for row in rows)
    return len(rows), [user_id for user_id, delivery in deliveries.items() if delivery == Delivery.IMMEDIATE]


def _email_now(
    event: Event, kind: str, user_ids: list[int], community: Community, templates: dict[tuple[str, str], Rendered]
) -> int:
    """Claim this chunk's unsent immediate e-mails and queue them, in one transaction.

    Each message becomes an outbox job (config/mail.py) in the transaction that marks its
    notification e-mailed, so a claim never exists without its message: a worker killed
    anywhere leaves either both or neither, and a second delivery of the task queues nothing
    again. Sending, and retrying a send, is the mail jobs' work.
    """
    if not user_ids:
        return 0
    with transaction.atomic():
        claimed = dict(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(key=event.key, kind=kind, recipient_id__in=user_ids, emailed_at__isnull=True)
            .filter(email_delivery=Delivery.IMMEDIATE)
            .values_list("recipient_id", "pk")
        )
        if not claimed:
            return 0
        Notification.objects.filter(pk__in=claimed.values()).update(emailed_at=timezone.now())
        messages = []
        for user in User.objects.filter(pk__in=claimed).exclude(email="").only(*RECIPIENT_FIELDS):
            language = language_of(user, community)
            if (kind, language) not in templates:
                templates[kind, language] = render_notification(
                    kind=kind, data=event.data, url=event.url, community=community, language=language
                )
            messages.append(personalise(templates[kind, language], user, kind, community))
        return queue_messages(messages)


def queue_messages(messages: list[EmailMessage]) -> int:
    """Hand messages to EMAIL_BACKEND (the outbox's mail jobs) in one go; call it inside the
    transaction that claims them."""
    if not messages:
        return 0
    return get_connection(fail_silently=False).send_messages(messages)


# --- Digests -----------------------------------------------------------------------------


def digests_send(frequency: str, *, now: datetime | None = None) -> int:
    """One e-mail per member and community gathering what waited for this digest."""
    if frequency not in (Delivery.DAILY, Delivery.WEEKLY):
        raise ValueError(frequency)
    now = now or timezone.now()
    sent = 0
    last = 0
    while True:
        recipient_ids = list(
            Notification.objects.filter(
                email_delivery=frequency, emailed_at__isnull=True, created_at__lte=now, recipient_id__gt=last
            )
            .order_by("recipient_id")
            .values_list("recipient_id", flat=True)
            .distinct()[:CHUNK_SIZE]
        )
        if not recipient_ids:
            return sent
        last = recipient_ids[-1]
        sent += _send_digest_chunk(frequency, recipient_ids, now)


def _send_digest_chunk(frequency: str, recipient_ids: list[int], now: datetime) -> int:
    """Claim and queue in one transaction, as `_email_now` does."""
    with transaction.atomic():
        due = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(
                email_delivery=frequency, emailed_at__isnull=True, created_at__lte=now, recipient_id__in=recipient_ids
            )
            .order_by("recipient_id", "community_id", "created_at", "pk")
        )
        if not due:
            return 0
        Notification.objects.filter(pk__in=[item.pk for item in due]).update(emailed_at=timezone.now())
        grouped: dict[tuple[int, int], list[Notification]] = defaultdict(list)
        for item in due:
            grouped[item.recipient_id, item.community_id].append(item)
        users = {
            user.pk: user for user in User.objects.filter(pk__in=recipient_ids, is_active=True).only(*RECIPIENT_FIELDS)
        }
        communities = Community.objects.in_bulk({community_id for _, community_id in grouped})
        messages = []
        for (user_id, community_id), items in grouped.items():
            user, community = users.get(user_id), communities[community_id]
            if user is None or not user.email:  # deactivated since, or no address
                continue
            rendered = render_digest(
                items=items, frequency=frequency, community=community, language=language_of(user, community)
            )
            messages.append(personalise(rendered, user, f"digest:{frequency}", community))
        return queue_messages(messages)


# --- Preferences and the inbox -----------------------------------------------------------


def preferences_of(user: User) -> dict[str, str]:
    chosen = dict(user.notification_preferences.values_list("kind", "delivery"))
    return {kind: chosen.get(kind, DEFAULT_DELIVERY[kind]) for kind in Kind.values}


def preferences_set(user: User, choices: dict[str, str]) -> None:
    """Store the member's choices; a choice equal to the default is stored as well, so
    that a later change of defaults does not overrule what the member saw and kept."""
    with transaction.atomic():
        for kind, delivery in choices.items():
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"delivery": delivery})
        # What waited for a digest of a kind now off will not be e-mailed; it stays in the inbox.
        turned_off = [kind for kind, delivery in choices.items() if delivery == Delivery.OFF]
        Notification.objects.filter(recipient=user, kind__in=turned_off, emailed_at__isnull=True).exclude(
            email_delivery=Delivery.OFF
        ).update(email_delivery=Delivery.OFF)


def unsubscribe(user_id: int, topic: str) -> list[str]:
    """Turn off what a link was made for: one kind, or every kind going to one digest.
    Returns the kinds turned off."""
    user = User.objects.get(pk=user_id)
    if topic in DIGEST_TOPICS:
        frequency = topic.split(":", 1)[1]
        kinds = [kind for kind, delivery in preferences_of(user).items() if delivery == frequency]
    elif topic in Kind.values:
        kinds = [topic]
    else:
        raise ValueError(topic)
    preferences_set(user, dict.fromkeys(kinds, Delivery.OFF))
    return kinds


def mark_read(user: User, notification_id: int | None = None, *, community: Community | None = None) -> int:
    """Mark one of the member's notifications read, or all of them (in one community)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    if community is not None:
        unread = unread.filter(community=community)
    marked = unread.update(read_at=timezone.now())
    if marked:
        unread_changed([user.pk])
    return marked


UNREAD_CAP = 99


def _unread_marker(user_id: int) -> str:
    return f"unread:{user_id}"


def unread_changed(user_ids: Iterable[int]) -> None:
    """These members' inboxes gained, lost or read notifications: the header counts them
    again (in every community) at their next page. Call it from every write to the inbox."""
    rowcache.markers_changed(_unread_marker(user_id) for user_id in set(user_ids))


def unread_row(user_id: int, community_id: int) -> rowcache.Row:
    """The cached read of a member's unread count in a community (`unread_count`)."""
    return rowcache.Row(
        f"unread:{user_id}:{community_id}",
        lambda: Notification.objects.filter(recipient_id=user_id, community_id=community_id, read_at__isnull=True)[
            : UNREAD_CAP + 1
        ].count(),
        _unread_marker(user_id),
    )


def unread_count(user: User, community: Community, *, ahead: rowcache.ReadAhead | None = None) -> int:
    """Unread notifications in this community, counted up to UNREAD_CAP + 1 (the header
    shows "99+"). Cached per member and community until `unread_changed`; `ahead`: what the
    request read with its member (accounts.member_cache.read_along), used if there."""
    if not user.is_authenticated or community is None:
        return 0
    row = unread_row(user.pk, community.pk)
    found = ahead.get(row.key) if ahead is not None else rowcache.MISSING
    return rowcache.cached_rows([row])[0] if found is rowcache.MISSING else found


def unread_read_along(request, user_id: int) -> rowcache.Row | None:
    """The unread count of the request's community, read with its member (notifications.apps)."""
    community = getattr(request, "community", None)
    return unread_row(user_id, community.pk) if community is not None else None
