"""What the brand's official responses tell people: a published response's followers, and
each day the managers, of the ideas still waiting for an answer.

Responses are written and published by `ideas.responses`; announcing them is this app's.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from community.models import Community
from ideas.models import OfficialResponse, ResponseState
from ideas.responses import speakers_of
from ideas.selectors import awaiting_response
from notifications.events import response_announcement
from notifications.models import Kind
from notifications.services import Announcement, Audience, Event, Report, deliver


def announce_response(response_id: int) -> Report | None:
    """Tell the followers of a published response, once (the task's second half)."""
    response = (
        OfficialResponse.objects.select_related("idea", "status", "published_by", "author")
        .filter(pk=response_id, state=ResponseState.PUBLISHED, notified_at__isnull=True)
        .first()
    )
    if response is None:
        return None
    report = deliver(response_announcement(response))
    OfficialResponse.objects.filter(pk=response_id, notified_at__isnull=True).update(notified_at=timezone.now())
    return report


REMINDER_IDEAS = 10


def awaiting_reminders_send(*, now: datetime | None = None) -> int:
    """Tell each community's managers which ideas await a response (once a day: the
    event is keyed by the date, so a second run that day tells nobody again)."""
    now = now or timezone.now()
    told = 0
    for community in Community.objects.filter(is_active=True):
        awaiting = awaiting_response(community)
        total = awaiting.count()
        if not total:
            continue
        managers = speakers_of(community)
        ideas = [
            {"title": idea.title, "url": idea.get_absolute_url(), "votes": idea.stats.votes}
            for idea in awaiting[:REMINDER_IDEAS]
        ]
        event = Event(
            key=f"awaiting:{community.pk}:{now.date().isoformat()}",  # once a day per community
            community_id=community.pk,
            url=reverse("manage:console"),
            data={"total": total, "ideas": ideas},
        )
        told += deliver(Announcement(event, (Audience(Kind.AWAITING, users=managers),))).notified
    return told
