"""Every idea or comment posted or edited goes through moderation: its revision is recorded
for the check in the transaction that saved it (`moderation_submit`)."""

from __future__ import annotations

import events
from community.moderation.services import moderation_submit


@events.subscribe("idea.posted", "idea.edited", "comment.posted", "comment.edited")
def content_submitted(event: events.Event) -> None:
    moderation_submit(content=event.subject, client=event.context.get("client"))
