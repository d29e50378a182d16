"""Tables every service holds for messaging: outbox, processed events, retries, dead letters.

They live in each service's own database and are created by each service's
first Alembic migration (`create_messaging_tables`).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY.
_sequence = BigInteger().with_variant(Integer(), "sqlite")

outbox = Table(
    "outbox",
    metadata,
    Column("seq", _sequence, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("exchange", String(100), nullable=False),
    Column("routing_key", String(200), nullable=False),
    Column("envelope", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True)),
)
Index(
    "ix_outbox_pending",
    outbox.c.seq,
    postgresql_where=outbox.c.published_at.is_(None),
    sqlite_where=outbox.c.published_at.is_(None),
)
Index("ix_outbox_published_at", outbox.c.published_at)

processed_events = Table(
    "processed_events",
    metadata,
    Column("consumer", String(100), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("consumer", "event_id"),
)

event_retries = Table(
    "event_retries",
    metadata,
    Column("consumer", String(100), nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("envelope", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("consumer", "event_id"),
)
Index("ix_event_retries_due", event_retries.c.consumer, event_retries.c.next_attempt_at)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", _sequence, primary_key=True, autoincrement=True),
    Column("consumer", String(100), nullable=False),
    Column("event_id", String(36)),
    Column("event_type", String(200)),
    # The received body as text: a malformed message is kept as it came.
    Column("envelope", Text, nullable=False),
    Column("reason", String(30), nullable=False),
    Column("error", Text),
    Column("attempts", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("replayed_at", DateTime(timezone=True)),
)
Index("ix_dead_letters_consumer", dead_letters.c.consumer, dead_letters.c.replayed_at)


def create_messaging_tables(bind) -> None:
    """Create the messaging tables (used by each service's first migration)."""
    metadata.create_all(bind)


def drop_messaging_tables(bind) -> None:
    metadata.drop_all(bind)
