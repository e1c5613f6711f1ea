"""Points and badges for the facts other apps announce (events.catalogue).

Recorded in the transaction of the fact: a vote that rolls back earns nothing.
"""

from __future__ import annotations

import events
from accounts.reputation import (
    points_comment_published,
    points_ideas_published,
    points_status_changed,
    points_vote_cast,
)


@events.subscribe("idea.approved", many=True)
def idea_approved(batch: list[events.Event]) -> None:
    points_ideas_published(ideas=[event.subject for event in batch])


@events.subscribe("vote.cast")
def vote_cast(event: events.Event) -> None:
    vote = event.subject
    points_vote_cast(idea=vote.idea, voter=vote.user, value=vote.value)


@events.subscribe("idea.status_changed")
def status_changed(event: events.Event) -> None:
    change = event.subject
    points_status_changed(idea=change.idea, status=change.to_status)


@events.subscribe("comment.approved")
def comment_approved(event: events.Event) -> None:
    points_comment_published(comment=event.subject)
