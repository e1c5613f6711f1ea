"""Every fact the product records, named once, with its version and documented payload.

A service announces a fact with `publish(type, community_id=…, subject=…)`. The payload
(`Event.data`) is what leaves the site (webhooks, the API's event log): plain JSON, the same
shape for a given `type` and `version`, built from the subject when a subscriber first asks
for it. A change of shape that could break a receiver is a new version, documented in
docs/api.md ("Event catalogue"); adding a field is not.

In-process subscribers also get what must never leave: the subject itself, the acting user
(`actor`) and the request's details (`context`, e.g. the client's address for the spam
check). An event whose `public` is false concerns content nobody outside may see yet (held
for moderation, hidden): subscribers that tell members or other systems skip it; its
payload quotes no content.

This module imports no app: it reads the subjects' attributes (duck typing), so every layer
can publish through it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from events import bus


@dataclass(frozen=True)
class EventType:
    name: str
    label: Any  # shown to the community admin who picks the events of a webhook
    summary: str  # English, for docs/api.md
    payload: Callable[[Event], dict]  # builds `Event.data`
    version: int = 1
    staff_only: bool = False  # a fact for the brand's team only (never shown to members)
    internal: bool = False  # heard inside the site only: never delivered to webhooks


class Event:
    """One occurrence of a fact. `id` is unique and stable: receivers deduplicate on it."""

    def __init__(
        self,
        event_type: EventType,
        *,
        community_id: int | None,
        subject: Any = None,
        actor: Any = None,
        public: bool = True,
        context: dict | None = None,
        extra: dict | None = None,
    ) -> None:
        self.id = f"evt_{uuid.uuid4().hex}"
        self.kind = event_type
        self.community_id = community_id
        self.occurred_at: datetime = timezone.now()
        self.subject = subject
        self.actor = actor
        self.public = public
        self.context = context or {}
        self.extra = extra or {}

    @property
    def type(self) -> str:
        return self.kind.name

    @property
    def version(self) -> int:
        return self.kind.version

    @cached_property
    def data(self) -> dict:
        return self.kind.payload(self)

    def envelope(self) -> dict:
        """The JSON body a webhook receives."""
        return {
            "id": self.id,
            "type": self.type,
            "version": self.version,
            "timestamp": self.occurred_at.isoformat(),
            "community": self.community_id,
            "data": self.data,
        }

    def __repr__(self) -> str:
        return f"<Event {self.type} community={self.community_id} public={self.public}>"


# --- Payloads ----------------------------------------------------------------------------


def _time(value) -> str | None:
    return value.isoformat() if value else None


def member(user) -> dict | None:
    """A member as anyone may see them: never an e-mail address."""
    if user is None:
        return None
    return {"id": user.pk, "username": user.username if user.deleted_at is None else None, "name": user.public_name}


def _named(row) -> dict | None:
    if row is None:
        return None
    return {"id": row.pk, "slug": row.slug, "name_fr": row.name_fr, "name_en": row.name_en}


def _idea_ref(idea) -> dict:
    return {"id": idea.pk, "title": idea.title, "url": idea.community.absolute_url(idea.get_absolute_url())}


def idea_payload(idea) -> dict:
    stats = getattr(idea, "stats", None)
    return {
        **_idea_ref(idea),
        "body": idea.body,
        "author": member(idea.author),
        "submitted_by": member(getattr(idea, "submitted_by", None)),  # staff who posted it for the author
        "category": _named(idea.category),
        "status": _named(idea.status),
        "tags": sorted(tag.name for tag in idea.tags.all()),
        "votes": stats.votes if stats else 0,
        "comments": stats.comments if stats else 0,
        "created_at": _time(idea.created_at),
        "merged_into": idea.merged_into_id,
    }


def _idea(event: Event) -> dict:
    return {"idea": idea_payload(event.subject)}


def _idea_state(event: Event) -> dict:
    # Hidden or held: no content, only which idea (its staff can look it up).
    idea = event.subject
    return {"idea": {"id": idea.pk, "state": idea.moderation_state}}


def _status_change(event: Event) -> dict:
    change = event.subject
    return {
        "idea": _idea_ref(change.idea),
        "from": _named(change.from_status),
        "to": _named(change.to_status),
        "reason": change.reason,
        "by": member(change.changed_by),
        "with_response": change.response_id,
    }


def _merge(event: Event) -> dict:
    merge = event.subject
    return {"duplicate": _idea_ref(merge.duplicate), "original": _idea_ref(merge.original), "by": member(event.actor)}


def _vote(event: Event) -> dict:
    vote = event.subject  # a VoteFact: idea, user, value, votes
    return {
        "idea": {**_idea_ref(vote.idea), "votes": vote.votes},
        "voter": member(vote.user),
        "value": vote.value,
        "recorded_by": member(getattr(vote, "recorded_by", None)),
    }


def comment_payload(comment) -> dict:
    return {
        "id": comment.pk,
        "url": comment.idea.community.absolute_url(f"{comment.idea.get_absolute_url()}#comment-{comment.pk}"),
        "body": comment.body,
        "author": member(comment.author),
        "parent": comment.parent_id,
        "created_at": _time(comment.created_at),
        "edited_at": _time(comment.edited_at),
    }


def _comment(event: Event) -> dict:
    comment = event.subject
    return {"comment": comment_payload(comment), "idea": _idea_ref(comment.idea)}


def _comment_gone(event: Event) -> dict:
    comment = event.subject
    return {"comment": {"id": comment.pk}, "idea": _idea_ref(comment.idea), "by": member(event.actor)}


def _comment_state(event: Event) -> dict:
    # Hidden: no text, no title (its idea may be hidden too), only which comment.
    comment = event.subject
    return {"comment": {"id": comment.pk, "state": comment.moderation_state}, "idea": {"id": comment.idea_id}}


def _response(event: Event) -> dict:
    response = event.subject
    published = response.state == "published"
    return {
        "response": {
            "id": response.pk,
            "state": response.state,
            # Before publication the text is the brand's draft: only its team reads it.
            "body": response.body,
            "status": _named(response.status),
            "author": member(response.author),
            "publish_at": _time(response.publish_at),
            "published_at": _time(response.published_at) if published else None,
        },
        "idea": _idea_ref(response.idea),
        "by": member(event.actor),
    }


def _moderation(event: Event) -> dict:
    decision = event.subject
    item = decision.item
    return {
        "item": {"id": item.pk, "kind": item.kind, "idea": item.idea_id, "comment": item.comment_id},
        "outcome": decision.outcome,
        "automatic": decision.automatic,
        "reasons": [reason for reason in decision.reasons.split() if reason],
        "by": member(decision.decided_by),
    }


def _held(event: Event) -> dict:
    item = event.subject
    return {
        "item": {"id": item.pk, "kind": item.kind, "idea": item.idea_id, "comment": item.comment_id},
        "reasons": item.reason_codes(),
    }


def _flagged(event: Event) -> dict:
    idea = event.subject
    return {"idea": _idea_ref(idea), "flags": event.extra.get("flags", 0)}


def _threshold(event: Event) -> dict:
    idea = event.subject
    return {"idea": {**_idea_ref(idea), "votes": event.extra.get("votes")}, "threshold": event.extra.get("threshold")}


def _member(event: Event) -> dict:
    return {"member": member(event.subject)}


def _sanction(event: Event) -> dict:
    sanction = event.subject
    return {"member": member(sanction.user), "kind": sanction.kind, "until": _time(sanction.until)}


def _badge(event: Event) -> dict:
    award = event.subject
    return {"member": member(award.user), "badge": {"slug": award.badge, "name": str(award.get_badge_display())}}


# --- The catalogue -------------------------------------------------------------------------


def _types(*rows: EventType) -> dict[str, EventType]:
    return {row.name: row for row in rows}


CATALOGUE: dict[str, EventType] = _types(
    EventType(
        "idea.posted",
        _("Idea posted"),
        "An idea was posted (delivered outside only when it is public at once; a held one arrives as idea.approved).",
        _idea,
    ),
    EventType("idea.edited", _("Idea edited"), "A public idea's title, description, category or tags changed.", _idea),
    EventType(
        "idea.approved",
        _("Idea approved"),
        "Moderation approved an idea: for a held idea, the moment it becomes public.",
        _idea,
    ),
    EventType(
        "idea.hidden",
        _("Idea hidden"),
        "A public idea was hidden or rejected by moderation, or held after reports.",
        _idea_state,
        staff_only=True,
    ),
    EventType("idea.status_changed", _("Status changed"), "An idea moved to another status.", _status_change),
    EventType("idea.merged", _("Ideas merged"), "An idea was merged into another (its votes moved there).", _merge),
    EventType("idea.unmerged", _("Merge undone"), "A merge was undone.", _merge),
    EventType(
        "idea.flagged",
        _("Idea reported by several members"),
        "Members reported a public idea (sent from the second report on).",
        _flagged,
        staff_only=True,
    ),
    EventType(
        "idea.threshold_reached",
        _("Idea over the response threshold"),
        "An idea without an official response reached the community's vote threshold.",
        _threshold,
        staff_only=True,
    ),
    EventType("vote.cast", _("Vote cast"), "A member voted for (or against) an idea, or changed their vote.", _vote),
    EventType("vote.withdrawn", _("Vote withdrawn"), "A member withdrew their vote.", _vote),
    EventType(
        "comment.posted",
        _("Comment posted"),
        "A comment was posted (delivered outside only when it is public at once).",
        _comment,
    ),
    EventType("comment.edited", _("Comment edited"), "A public comment was edited.", _comment),
    EventType(
        "comment.approved",
        _("Comment approved"),
        "Moderation approved a comment (or its edit): for a held comment, the moment it becomes public.",
        _comment,
    ),
    EventType(
        "comment.hidden",
        _("Comment hidden"),
        "A public comment was hidden or rejected by moderation, or held after reports.",
        _comment_state,
        staff_only=True,
    ),
    EventType(
        "comment.deleted", _("Comment deleted"), "A comment was deleted by its author or a moderator.", _comment_gone
    ),
    EventType(
        "response.drafted", _("Response drafted"), "A draft official response was written.", _response, staff_only=True
    ),
    EventType(
        "response.submitted",
        _("Response awaiting approval"),
        "A draft official response was submitted for approval.",
        _response,
        staff_only=True,
    ),
    EventType(
        "response.approved", _("Response approved"), "An official response was approved.", _response, staff_only=True
    ),
    EventType(
        "response.scheduled",
        _("Response scheduled"),
        "An official response was scheduled for publication.",
        _response,
        staff_only=True,
    ),
    EventType("response.published", _("Response published"), "An official response was published.", _response),
    EventType("response.withdrawn", _("Response withdrawn"), "A published official response was withdrawn.", _response),
    EventType(
        "moderation.held",
        _("Content held for moderation"),
        "An idea or comment waits for a moderator (the payload quotes no content).",
        _held,
        staff_only=True,
    ),
    EventType(
        "moderation.decided",
        _("Moderation decided"),
        "A moderator decided on an idea or comment "
        "(the check's approvals arrive as idea.approved and comment.approved).",
        _moderation,
        staff_only=True,
    ),
    EventType("member.joined", _("Member joined"), "Someone joined the community.", _member),
    EventType(
        "member.sanctioned", _("Member sanctioned"), "A member was suspended or banned.", _sanction, staff_only=True
    ),
    EventType("badge.earned", _("Badge earned"), "A member earned a badge.", _badge),
    EventType(
        "member.erased",
        _("Account deleted"),
        "A member deleted their account; apps erase what they hold of them. Never leaves the site.",
        _member,
        internal=True,
    ),
)


@dataclass
class VoteFact:
    """What `vote.cast` and `vote.withdrawn` are about: a vote row may be gone already."""

    idea: Any
    user: Any
    value: int | None
    votes: int
    recorded_by: Any = None


def publish_many(event_type: str, subjects, *, actor: Any = None, public: bool = True, **extra: Any) -> list[Event]:
    """The same fact about many subjects at once (a batch of ideas approved by one check):
    subscribers registered with `many=True` hear them in one call."""
    kind = CATALOGUE[event_type]
    batch = [
        Event(kind, community_id=subject.community_id, subject=subject, actor=actor, public=public, extra=extra)
        for subject in subjects
    ]
    if batch:
        bus.dispatch_many(batch)
    return batch


def publish(
    event_type: str,
    *,
    community_id: int | None,
    subject: Any = None,
    actor: Any = None,
    public: bool = True,
    context: dict | None = None,
    **extra: Any,
) -> Event:
    """Announce a fact inside the transaction of the change that made it (events/bus.py)."""
    event = Event(
        CATALOGUE[event_type],
        community_id=community_id,
        subject=subject,
        actor=actor,
        public=public,
        context=context,
        extra=extra,
    )
    bus.dispatch(event)
    return event
