"""Transactional outbox: an event is written in the same transaction as the state it describes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared.events import Event, to_envelope
from shared.messaging.schema import outbox

NOTIFY_CHANNEL = "relais_outbox"


def publish(session: Session, event: Event) -> None:
    """Add `event` to the caller's transaction; the relay sends it once committed.

    On PostgreSQL a NOTIFY in the same transaction wakes the relay at commit
    (and is dropped on rollback, like the row); one per transaction or savepoint
    is enough (PostgreSQL folds identical ones anyway, but each costs a round trip;
    a savepoint rolled back takes its NOTIFY with it, so it is not shared upwards).
    """
    session.execute(_INSERT, {
        "event_id": event.id,
        "exchange": f"{event.producer}.events",
        "routing_key": event.type,
        "envelope": json.dumps(to_envelope(event), separators=(",", ":")),
        "created_at": datetime.now(UTC),
    })
    if session.get_bind().dialect.name == "postgresql":
        transaction = session.get_nested_transaction() or session.get_transaction()
        if session.info.get("outbox_notified") is not transaction:
            session.execute(_NOTIFY)
            session.info["outbox_notified"] = transaction


# Built once: parameters passed at execution reuse one compiled statement.
_INSERT = outbox.insert()
_NOTIFY = text(f"NOTIFY {NOTIFY_CHANNEL}")
