"""What visitors see changes with these facts.

A vote or a comment changes one idea's page and the counters of the listings that show it:
that idea's pages and reads are keyed anew, listings within LISTING_COUNTS_SECONDS, and the
member who acted reads their listings afresh meanwhile (`community.cache.idea_changed`). A new
idea changes listings everywhere, and no other idea's page: listings are keyed anew, idea
pages stay (`community.cache.ideas_listed_changed`, at once and again after the commit).

Writes that change a page without a fact of their own (a follow, a thumbnail, a status's
listing columns) bump the version where they happen.
"""

from __future__ import annotations

import events
from community.cache import idea_changed, ideas_listed_changed

IDEA_FACTS = (
    "vote.cast",
    "vote.withdrawn",
    "comment.posted",
    "comment.edited",
    "comment.hidden",
    "comment.deleted",
)


@events.subscribe("idea.posted")
def idea_posted(event: events.Event) -> None:
    ideas_listed_changed(event.community_id, [event.subject.pk])  # no other idea's page shows it


@events.subscribe(*IDEA_FACTS)
def idea_counters_changed(event: events.Event) -> None:
    subject = event.subject
    idea_id = subject.idea.pk if isinstance(subject, events.VoteFact) else subject.idea_id
    acted = {event.actor, getattr(subject, "recorded_by", None)} - {None}
    comments = not isinstance(subject, events.VoteFact)
    idea_changed(event.community_id, idea_id, counts=True, comments=comments, actors=[member.pk for member in acted])
