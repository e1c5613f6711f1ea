"""Domain events: every fact the product records, named in `events.catalogue`, published by
the service that records it and heard by subscribers in their own apps (`events.bus`).
The bottom layer: it imports no app (docs/architecture.md, "Layers")."""

from events.bus import ALL, COMMIT, RECORD, is_muted, muted, subscribe
from events.catalogue import CATALOGUE, Event, EventType, VoteFact, publish, publish_many

__all__ = [
    "ALL",
    "CATALOGUE",
    "COMMIT",
    "RECORD",
    "Event",
    "EventType",
    "VoteFact",
    "is_muted",
    "muted",
    "publish",
    "publish_many",
    "subscribe",
]
