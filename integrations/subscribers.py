"""What this app hears of the domain events: every one, at the RECORD moment."""

from __future__ import annotations

import events
from events import Event
from integrations.services import deliveries_record


@events.subscribe(events.ALL, when=events.RECORD)
def record_deliveries(event: Event) -> None:
    """Deliveries for the community's endpoints, written with the change.

    Never for an event about content nobody outside may see yet (`public` false: held or
    hidden), nor inside `events.muted()` (a demo seed or an import of history, which the
    brand's systems did not live through)."""
    if not event.public or events.is_muted():
        return
    deliveries_record(event=event)
