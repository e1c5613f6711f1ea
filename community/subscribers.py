"""What visitors see changes with these facts: the community's shared pages and reads are
dropped (`community.cache.content_changed`, at once and again after the commit).

Writes that change a page without a fact of their own (a follow, a thumbnail, a status's
listing columns) bump the version where they happen.
"""

from __future__ import annotations

import events
from community.cache import content_changed

PAGE_FACTS = (
    "idea.posted",
    "vote.cast",
    "vote.withdrawn",
    "comment.posted",
    "comment.edited",
    "comment.hidden",
    "comment.deleted",
)


@events.subscribe(*PAGE_FACTS)
def pages_changed(event: events.Event) -> None:
    content_changed(event.community_id)
