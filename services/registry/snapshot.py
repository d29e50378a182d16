"""Re-publish the registry's whole state as events, so a consumer can rebuild
its read models from scratch (a new service, a lost database, a bug fixed).

Each entity goes out as an `.updated` event at its current version: read models
apply it only if it is newer than what they hold, so re-publishing is harmless.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.registry.store import (
    contracts,
    members,
    need_categories,
    organisations,
    pathways,
    routing,
)
from shared.messaging.outbox import publish

# Referenced entities first, so a consumer that checks references finds them.
SOURCES = (need_categories, organisations, members, contracts, routing, pathways)


def republish_snapshot(session: Session) -> int:
    """Write every entity's current state to the outbox; return how many events."""
    count = 0
    for source in SOURCES:
        for event in source.snapshot_events(session):
            publish(session, event)
            count += 1
    return count
