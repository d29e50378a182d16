"""Dead letters an operator can list and replay (Redis has no dead-letter queue of its own)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from shared.messaging.schema import dead_letters, event_retries


def list_dead_letters(session: Session, *, consumer: str | None = None,
                      include_replayed: bool = False, limit: int = 100) -> list[dict]:
    query = select(dead_letters).order_by(dead_letters.c.id).limit(limit)
    if consumer:
        query = query.where(dead_letters.c.consumer == consumer)
    if not include_replayed:
        query = query.where(dead_letters.c.replayed_at.is_(None))
    return [dict(row._mapping) for row in session.execute(query)]


def replay_dead_letter(session: Session, dead_letter_id: int,
                       now: datetime | None = None) -> bool:
    """Hand a dead letter back to its consumer's retry loop, due now, attempts reset.

    Returns False when it does not exist or was replayed already. A replayed
    message that still fails comes back as a new dead letter.
    """
    row = session.execute(
        select(dead_letters).where(dead_letters.c.id == dead_letter_id,
                                   dead_letters.c.replayed_at.is_(None))
    ).first()
    if row is None:
        return False
    now = now or datetime.now(UTC)
    existing = session.execute(select(event_retries.c.event_id).where(
        event_retries.c.consumer == row.consumer,
        event_retries.c.event_id == (row.event_id or f"dead-letter-{row.id}"),
    )).first()
    if existing is None:
        session.execute(insert(event_retries).values(
            consumer=row.consumer,
            event_id=row.event_id or f"dead-letter-{row.id}",
            envelope=row.envelope,
            attempts=0,
            next_attempt_at=now,
            last_error=f"replay of dead letter {row.id}",
            created_at=now,
        ))
    session.execute(update(dead_letters).where(dead_letters.c.id == row.id).values(replayed_at=now))
    return True
