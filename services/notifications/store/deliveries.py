"""Deliveries: one row per (event, recipient, channel), the unique key that makes
a redelivered event send nothing twice; their life is pending -> sending -> sent,
or failed (retried when `next_attempt_at` is due) -> dead."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.notifications import metrics
from services.notifications.domain.ids import new_id
from services.notifications.domain.retry import DeliveryRetryPolicy
from services.notifications.store.tables import deliveries, inbox_items
from shared.events import new_event
from shared.messaging.outbox import publish

PENDING, SENDING, SENT, FAILED, DEAD = "pending", "sending", "sent", "failed", "dead"
DEFERRED, DIGESTED = "deferred", "digested"
STATUSES = (PENDING, SENDING, SENT, FAILED, DEAD, DEFERRED, DIGESTED)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; everything here is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def insert_ignoring_duplicates(session: Session, table, values: dict) -> bool:
    """INSERT .. ON CONFLICT DO NOTHING; True when the row is new."""
    dialect = session.get_bind().dialect.name
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = session.execute(dialect_insert(table).values(**values).on_conflict_do_nothing()
                             .returning(table.c.id))
    return result.first() is not None


def add_inbox_item(session: Session, *, member_id: uuid.UUID, event_id: str, kind: str,
                   title: str, summary: dict, critical: bool, now: datetime) -> bool:
    return insert_ignoring_duplicates(session, inbox_items, {
        "id": new_id(), "member_id": member_id, "event_id": event_id, "kind": kind,
        "title": title, "summary": summary, "critical": critical, "created_at": now})


def add_delivery(session: Session, *, event_id: str, event_type: str, kind: str, channel: str,
                 recipient_key: str, status: str, summary: dict, now: datetime,
                 recipient_member_id: uuid.UUID | None = None,
                 organisation_id: uuid.UUID | None = None,
                 subscription_id: uuid.UUID | None = None) -> dict | None:
    """The new delivery, or None when this (event, recipient, channel) already has one."""
    values = {
        "id": new_id(), "event_id": event_id, "event_type": event_type, "kind": kind,
        "channel": channel, "recipient_key": recipient_key,
        "recipient_member_id": recipient_member_id, "organisation_id": organisation_id,
        "subscription_id": subscription_id, "status": status,
        "attempts": 1 if status == SENT else 0,
        "next_attempt_at": now if status == PENDING else None, "summary": summary,
        "created_at": now, "updated_at": now, "sent_at": now if status == SENT else None}
    if not insert_ignoring_duplicates(session, deliveries, values):
        return None
    metrics.deliveries_total.labels(channel, status).inc()
    if status == SENT:
        announce(session, values, "delivered", now)
    return values


def announce(session: Session, delivery, verb: str, now: datetime) -> None:
    """notifications.delivery.<verb> through the outbox, in the caller's transaction."""
    row = delivery if isinstance(delivery, dict) else dict(delivery._mapping)
    publish(session, new_event(f"notifications.delivery.{verb}", {
        "id": row["id"], "event_id": row["event_id"], "event_type": row["event_type"],
        "channel": row["channel"], "recipient_member_id": row["recipient_member_id"],
        "organisation_id": row["organisation_id"], "attempts": row["attempts"],
        "occurred_at": now}, subject=str(row["id"])))


@dataclass(frozen=True)
class Claimed:
    """A delivery taken for sending; `attempts` guards its outcome against a second taker."""

    id: uuid.UUID
    attempts: int
    row: dict


def claim_due(session: Session, *, now: datetime, lease_seconds: float,
              limit: int) -> list[Claimed]:
    """Take due deliveries: pending or failed whose time has come, and `sending` ones
    whose lease ran out (their worker crashed). SKIP LOCKED lets workers share the work."""
    due = or_(
        (deliveries.c.status.in_((PENDING, FAILED))) & (deliveries.c.next_attempt_at <= now),
        (deliveries.c.status == SENDING) & (deliveries.c.lease_expires_at <= now),
    )
    rows = session.execute(
        select(deliveries).where(due).order_by(deliveries.c.next_attempt_at).limit(limit)
        .with_for_update(skip_locked=True)).all()
    claimed = []
    for row in rows:
        attempts = row.attempts + 1
        session.execute(update(deliveries).where(deliveries.c.id == row.id).values(
            status=SENDING, attempts=attempts, updated_at=now,
            lease_expires_at=now + timedelta(seconds=lease_seconds)))
        claimed.append(Claimed(row.id, attempts, {**row._mapping, "attempts": attempts}))
    return claimed


def finish(session: Session, claimed: Claimed, *, error: str | None, permanent: bool,
           now: datetime, policy: DeliveryRetryPolicy) -> str | None:
    """Record a sending's outcome; None if another worker took the delivery meanwhile."""
    if error is None:
        status, values = SENT, {"sent_at": now, "last_error": None, "next_attempt_at": None}
    elif permanent or policy.gives_up(claimed.attempts):
        status, values = DEAD, {"last_error": error[:500], "next_attempt_at": None}
    else:
        due = now + timedelta(seconds=policy.delay(claimed.attempts))
        status, values = FAILED, {"last_error": error[:500], "next_attempt_at": due}
    changed = session.execute(update(deliveries).where(
        deliveries.c.id == claimed.id, deliveries.c.status == SENDING,
        deliveries.c.attempts == claimed.attempts,
    ).values(status=status, lease_expires_at=None, updated_at=now, **values)).rowcount
    if not changed:
        return None
    metrics.deliveries_total.labels(claimed.row["channel"], status).inc()
    verb = {SENT: "delivered", FAILED: "failed", DEAD: "dead_lettered"}[status]
    announce(session, claimed.row, verb, now)
    return status


def get(session: Session, delivery_id: uuid.UUID):
    return session.execute(select(deliveries).where(deliveries.c.id == delivery_id)).first()


def replay(session: Session, delivery_id: uuid.UUID, now: datetime) -> bool:
    """A dead delivery goes back to pending, due now, with its attempts reset."""
    changed = session.execute(update(deliveries).where(
        deliveries.c.id == delivery_id, deliveries.c.status == DEAD,
    ).values(status=PENDING, attempts=0, next_attempt_at=now, updated_at=now)).rowcount
    if changed:
        channel = session.execute(select(deliveries.c.channel)
                                  .where(deliveries.c.id == delivery_id)).scalar()
        metrics.deliveries_total.labels(channel, "replayed").inc()
    return bool(changed)


def page(session: Session, *, limit: int, after: uuid.UUID | None = None, **filters) -> list:
    """The delivery log, oldest first (ids are time-ordered), keyset-paginated."""
    query = select(deliveries).order_by(deliveries.c.id).limit(limit)
    if after is not None:
        query = query.where(deliveries.c.id > after)
    for name, value in filters.items():
        if value is not None:
            query = query.where(deliveries.c[name] == (str(value) if name == "event_id"
                                                       else value))
    return session.execute(query).all()


def counts_by_channel_and_status(session: Session) -> list:
    return session.execute(select(deliveries.c.channel, deliveries.c.status, func.count())
                           .group_by(deliveries.c.channel, deliveries.c.status)).all()
