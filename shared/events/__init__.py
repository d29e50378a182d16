"""Event envelope, schemas per type, and the type registry.

Importing this package registers every producer's event types.
"""

from shared.events import (  # noqa: F401  (importing registers each producer's types)
    notifications,
    referrals,
    registry,
)
from shared.events.catalog import UnknownEventType, event_type, known_types, schema_for
from shared.events.envelope import EnvelopeSchema, Event, new_event, parse_event, to_envelope

__all__ = [
    "Event", "EnvelopeSchema", "UnknownEventType", "event_type", "known_types",
    "new_event", "parse_event", "schema_for", "to_envelope",
]
