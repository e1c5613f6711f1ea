"""The brand's voice: official responses and their state machine.

    draft ──submit──▶ awaiting approval ──approve (another manager)──▶ approved
      │                                                                   │
      └──(no approval needed)──┬──────────────────────────────────────────┘
                               ▼
                 schedule (a future time) / publish (now)
                               ▼
                           scheduled ──due: task──▶ published ──▶ withdrawn

Publishing never happens in the request: `response_publish` only schedules the response
for now and queues `notifications.publish_response`, which publishes, moves the status,
writes the history and tells the followers, whatever their number. Any open state can go
back to draft; an edit after approval does so by itself (the approval was for the old
text). A published response keeps its earlier texts as revisions.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

import events
from accounts.models import User
from community.cache import content_changed
from community.models import Community, Role, Status
from community.selectors import role_in
from ideas.exceptions import Refused
from ideas.models import (
    RESPONSE_OPEN_STATES,
    Idea,
    IdeaStats,
    ModerationState,
    OfficialResponse,
    ResponseRevision,
    ResponseState,
)
from ideas.rendering import render_markdown
from ideas.services import STATUSES_NEEDING_REASON, idea_set_status
from outbox import services as outbox

logger = logging.getLogger(__name__)

SPEAKER_ROLES = (Role.BRAND_MANAGER, Role.ADMIN)
# A published response not announced after this long is announced again by the sweep.
UNANNOUNCED_GRACE = timedelta(minutes=2)


def can_speak_for(user: User, community: Community) -> bool:
    """Brand managers and community admins answer in the brand's name; so do superusers."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or role_in(user, community) in SPEAKER_ROLES


def speakers_of(community: Community) -> tuple[int, ...]:
    """The active brand managers and admins of the community (who answer, and approve)."""
    return tuple(
        User.objects.filter(
            is_active=True, memberships__community=community, memberships__role__in=SPEAKER_ROLES
        ).values_list("pk", flat=True)
    )


def _require_speaker(user: User, community: Community) -> None:
    if not can_speak_for(user, community):
        raise Refused(_("Only the brand's managers can answer officially."), status=403)


def _require_state(response: OfficialResponse, *states: str) -> None:
    if response.state not in states:
        raise Refused(
            _("Not possible while the response is “%(state)s”.") % {"state": response.get_state_display()},
            status=409,
        )


def _locked(response: OfficialResponse) -> OfficialResponse:
    """Re-read the response under a lock on its own row: two managers clicking at once,
    or a manager and the publishing task, act in turn on its state.

    Only that row (`OF self`): its idea and community are joined to be read, not locked.
    A plain `FOR UPDATE` over the join locked the community row too, and every insert
    that names the community (a notification, a vote's points, an idea) takes a key
    share on it: a manager's click then stalled the worker's fan-out, and once
    deadlocked with it. `NO KEY UPDATE`, as an UPDATE takes: rows that point at the
    response (revisions, history) may still be written meanwhile. Lock order everywhere:
    the response, then its idea (`publish_if_due`)."""
    return (
        OfficialResponse.objects.select_for_update(of=("self",), no_key=True)
        .select_related("idea__community")
        .get(pk=response.pk)
    )


def _check_content(idea: Idea, body: str, status: Status | None) -> None:
    if status is not None and status.community_id != idea.community_id:
        raise Refused(_("Unknown status."))
    if status is not None and status.pk == idea.status_id:
        raise Refused(_("The idea already has this status; leave the status empty."))
    if status is not None and status.slug in STATUSES_NEEDING_REASON and not body.strip():
        raise Refused(_("Declining an idea or marking it a duplicate needs a public reason: write it in the response."))
    if status is None and not body.strip():
        raise Refused(_("Write the response, or choose a new status."))


def ready_to_publish(response: OfficialResponse) -> bool:
    """Whether the response may go public (now or at a set time)."""
    if response.idea.community.response_needs_approval:
        return response.state in (ResponseState.APPROVED, ResponseState.SCHEDULED)
    return response.state in (ResponseState.DRAFT, ResponseState.APPROVED, ResponseState.SCHEDULED)


def _require_ready(response: OfficialResponse) -> None:
    if not ready_to_publish(response):
        if response.state in (ResponseState.DRAFT, ResponseState.AWAITING_APPROVAL):
            raise Refused(_("A second manager must approve this response before it is published."), status=409)
        _require_state(response, ResponseState.DRAFT, ResponseState.APPROVED, ResponseState.SCHEDULED)


# --- Writing -----------------------------------------------------------------------------


@transaction.atomic
def response_create(*, idea: Idea, user: User, body: str, status: Status | None = None) -> OfficialResponse:
    """Start a draft. An idea has one response in preparation at a time."""
    _require_speaker(user, idea.community)
    if idea.moderation_state != ModerationState.APPROVED or idea.merged_into_id:
        raise Refused(_("Only a public idea can get an official response."), status=409)
    _check_content(idea, body, status)
    try:
        with transaction.atomic():
            response = OfficialResponse.objects.create(
                idea=idea, author=user, edited_by=user, body=body, body_html=render_markdown(body), status=status
            )
    except IntegrityError:
        raise Refused(_("This idea already has a response in preparation."), status=409) from None
    _announce("response.drafted", response, user)
    return response


def _announce(event_type: str, response: OfficialResponse, actor: User | None, *, public: bool = True, **extra) -> None:
    events.publish(
        event_type, community_id=response.idea.community_id, subject=response, actor=actor, public=public, **extra
    )


@transaction.atomic
def response_update(
    *, response: OfficialResponse, user: User, body: str, status: Status | None = None
) -> OfficialResponse:
    """Edit the text (and, before publication, the status change).

    After publication the earlier text is kept as a revision; before it, an edit to an
    approved or scheduled response sends it back to draft.
    """
    _require_speaker(user, response.idea.community)
    response = _locked(response)
    _require_state(response, *RESPONSE_OPEN_STATES, ResponseState.PUBLISHED)
    if response.state == ResponseState.PUBLISHED:
        if status is not None and status.pk != response.status_id:
            raise Refused(
                _("A published response keeps its status change; write a new response to move the idea again."),
                status=409,
            )
        status = response.status
        if not body.strip():
            raise Refused(_("Write the response, or withdraw it."))
    else:
        _check_content(response.idea, body, status)
    if body == response.body and (status.pk if status else None) == response.status_id:
        return response
    if response.state == ResponseState.PUBLISHED:
        ResponseRevision.objects.create(response=response, body=response.body, edited_by=response.edited_by)
    elif response.state != ResponseState.DRAFT:
        _back_to_draft(response)
    response.body = body
    response.body_html = render_markdown(body)
    response.status = status
    response.edited_by = user
    response.save()
    if response.state == ResponseState.PUBLISHED:
        content_changed(response.idea.community_id)
    return response


def _back_to_draft(response: OfficialResponse) -> None:
    response.state = ResponseState.DRAFT
    response.approved_by = None
    response.approved_at = None
    response.publish_at = None
    response.published_by = None


# --- Moving through the workflow ---------------------------------------------------------


@transaction.atomic
def response_submit(*, response: OfficialResponse, user: User) -> OfficialResponse:
    """Ask a second manager to approve (where the community wants one): the community's
    other managers are told, once it commits."""
    _require_speaker(user, response.idea.community)
    response = _locked(response)
    _require_state(response, ResponseState.DRAFT)
    if not response.idea.community.response_needs_approval:
        raise Refused(_("This community needs no approval: publish or schedule the response."), status=409)
    response.state = ResponseState.AWAITING_APPROVAL
    response.save(update_fields=["state", "updated_at"])
    _announce("response.submitted", response, user, managers=speakers_of(response.idea.community))
    return response


@transaction.atomic
def response_approve(*, response: OfficialResponse, user: User) -> OfficialResponse:
    """A second manager approves: neither the author nor the last editor may. The author
    is told, once it commits."""
    _require_speaker(user, response.idea.community)
    response = _locked(response)
    _require_state(response, ResponseState.AWAITING_APPROVAL)
    if user.pk in (response.author_id, response.edited_by_id):
        raise Refused(_("Another manager must approve this response: you wrote or edited it."), status=403)
    response.state = ResponseState.APPROVED
    response.approved_by = user
    response.approved_at = timezone.now()
    response.save(update_fields=["state", "approved_by", "approved_at", "updated_at"])
    _announce("response.approved", response, user)
    return response


@transaction.atomic
def response_return_to_draft(*, response: OfficialResponse, user: User) -> OfficialResponse:
    """Take a response back for more work (cancels an approval or a schedule)."""
    _require_speaker(user, response.idea.community)
    response = _locked(response)
    _require_state(response, ResponseState.AWAITING_APPROVAL, ResponseState.APPROVED, ResponseState.SCHEDULED)
    _back_to_draft(response)
    response.save()
    return response


@transaction.atomic
def response_schedule(*, response: OfficialResponse, user: User, publish_at: datetime) -> OfficialResponse:
    """Publish at a set time in the future (a beat task publishes it when due)."""
    _require_speaker(user, response.idea.community)
    response = _locked(response)
    _require_ready(response)
    if publish_at <= timezone.now():
        raise Refused(_("Choose a publication time in the future, or publish now."))
    response.state = ResponseState.SCHEDULED
    response.publish_at = publish_at
    response.published_by = user
    response.save(update_fields=["state", "publish_at", "published_by", "updated_at"])
    _announce("response.scheduled", response, user)
    return response


@transaction.atomic
def response_publish(*, response: OfficialResponse, user: User) -> OfficialResponse:
    """Publish now: schedule for this instant and queue the publishing task."""
    _require_speaker(user, response.idea.community)
    response = _locked(response)
    _require_ready(response)
    response.state = ResponseState.SCHEDULED
    response.publish_at = timezone.now()
    response.published_by = user
    response.save(update_fields=["state", "publish_at", "published_by", "updated_at"])
    enqueue_publication(response.pk)
    return response


@transaction.atomic
def response_withdraw(*, response: OfficialResponse, user: User) -> OfficialResponse:
    """Take a response down (or abandon one in preparation). The status stays as it is."""
    _require_speaker(user, response.idea.community)
    response = _locked(response)
    _require_state(response, *RESPONSE_OPEN_STATES, ResponseState.PUBLISHED)
    was_published = response.state == ResponseState.PUBLISHED
    response.state = ResponseState.WITHDRAWN
    response.withdrawn_at = timezone.now()
    response.save(update_fields=["state", "withdrawn_at", "updated_at"])
    if was_published:
        latest = OfficialResponse.objects.filter(idea_id=response.idea_id, state=ResponseState.PUBLISHED).aggregate(
            latest=Max("published_at")
        )["latest"]
        IdeaStats.objects.filter(pk=response.idea_id).update(answered_at=latest)
        content_changed(response.idea.community_id)
    events.publish(
        "response.withdrawn",
        community_id=response.idea.community_id,
        subject=response,
        actor=user,
        public=was_published,  # one in preparation was never seen outside the brand's team
    )
    return response


# --- Publishing (the task's work) --------------------------------------------------------


def publish_if_due(response_id: int, *, now: datetime | None = None) -> bool:
    """Publish a scheduled response whose time has come; True if this call published it.

    Idempotent: a second delivery of the task, or the beat finding it again, sees it
    published and does nothing. The author hears of it when it went out at a scheduled
    time or someone else published it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        response = (
            OfficialResponse.objects.select_for_update(of=("self",), no_key=True)
            .select_related("idea")
            .filter(pk=response_id, state=ResponseState.SCHEDULED, publish_at__lte=now)
            .first()
        )
        if response is None:
            return False
        # The response first, then its idea, as `_locked`; members may go on voting meanwhile.
        idea = Idea.objects.select_for_update(no_key=True).get(pk=response.idea_id)
        # "Publish now" schedules for the instant of the click; a schedule is for later.
        scheduled = response.publish_at > response.updated_at
        response.state = ResponseState.PUBLISHED
        response.published_at = now
        response.save(update_fields=["state", "published_at", "updated_at"])
        if response.status_id and response.status_id != idea.status_id:
            idea_set_status(
                idea=idea,
                status=response.status,
                user=response.published_by or response.author,
                reason=" ".join(strip_tags(response.body_html).split()),  # the history shows plain text
                response=response,
            )
        IdeaStats.objects.filter(pk=idea.pk).update(answered_at=now)
        content_changed(idea.community_id)
        # Published even on an idea hidden since it was scheduled (the brand's work is kept and
        # shows if the idea comes back), but then nothing about it leaves the site.
        _announce("response.published", response, response.published_by, scheduled=scheduled, public=idea.is_public)
    return True


def enqueue_publication(response_id: int) -> None:
    """Recorded with the response's change (the outbox); beat's sweep still publishes the
    scheduled ones when due."""
    outbox.enqueue("notifications.publish_response", response_id, key=f"response.publish:{response_id}")


def responses_due(now: datetime | None = None) -> list[int]:
    """Responses that should be public or announced by now: scheduled and due, or
    published but not yet announced to followers (a lost task, a worker that died)."""
    now = now or timezone.now()
    due = OfficialResponse.objects.filter(state=ResponseState.SCHEDULED, publish_at__lte=now)
    unannounced = OfficialResponse.objects.filter(
        state=ResponseState.PUBLISHED, notified_at__isnull=True, published_at__lte=now - UNANNOUNCED_GRACE
    )
    return list(due.values_list("pk", flat=True)) + list(unannounced.values_list("pk", flat=True))
