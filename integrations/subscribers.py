"""What this app hears of the domain events: every one, at the RECORD moment."""

from __future__ import annotations

import events
from events import Event
from integrations.services import deliveries_record

# Events about content nobody outside may see (held, hidden) whose payload names the item
# without quoting it (events/catalogue.py): the brand's own endpoints get them when they chose
# them (a team alert that something waits; a moderation log that something was hidden).
CONTENT_FREE = frozenset({"moderation.held", "idea.hidden", "comment.hidden"})


def may_leave(event: Event) -> bool:
    """Whether the event may be sent outside the site at all.

    Never an internal fact (`member.erased`), nor one about content nobody outside may see
    yet (`public` false: held or hidden) unless its payload quotes nothing of it
    (CONTENT_FREE), nor one recorded inside `events.muted()` (a demo seed or an import of
    history, which the brand's systems did not live through)."""
    if event.kind.internal or event.community_id is None:
        return False
    return event.public or event.type in CONTENT_FREE


@events.subscribe(events.ALL, when=events.RECORD, many=True)
def record_deliveries(batch: list[Event]) -> None:
    """Deliveries for the communities' endpoints, written with the change."""
    if events.is_muted():
        return
    deliveries_record(batch=[event for event in batch if may_leave(event)])
