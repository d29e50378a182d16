"""Deliveries: one row per (event, recipient, channel), the unique key that makes
a redelivered event send nothing twice.

Their life: pending -> claimed (leased, nothing sent) -> sending (the attempt is
recorded and committed, then the message transmitted) -> sent, or failed (retried
when `next_attempt_at` is due) -> dead. A `claimed` row whose lease ran out is taken
again; a `sending` one becomes `uncertain`: it may have arrived, so only a person
replays it. Sending is thus at most once per (event, recipient, channel)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services.notifications import metrics
from services.notifications.domain.ids import new_id
from services.notifications.domain.retry import DeliveryRetryPolicy
from services.notifications.store.tables import deliveries, inbox_items
from shared.events import new_event
from shared.messaging.outbox import publish

PENDING, CLAIMED, SENDING, SENT = "pending", "claimed", "sending", "sent"
FAILED, DEAD, UNCERTAIN = "failed", "dead", "uncertain"
DEFERRED, DIGESTED = "deferred", "digested"
STATUSES = (PENDING, CLAIMED, SENDING, SENT, FAILED, DEAD, UNCERTAIN, DEFERRED, DIGESTED)
# What a person looks at and may send again (the dead letters, and those that may have
# arrived already).
REPLAYABLE = (DEAD, UNCERTAIN)
INTERRUPTED = "interrupted while sending; may have been delivered"


def aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; everything here is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def insert_ignoring_duplicates(session: Session, table, values: dict) -> bool:
    """INSERT .. ON CONFLICT DO NOTHING; True when the row is new."""
    dialect = session.get_bind().dialect.name
    statement = _INSERTS.get((dialect, table.name))
    if statement is None:  # built once per table: executions reuse its compiled form
        dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = _INSERTS[(dialect, table.name)] = (
            dialect_insert(table).on_conflict_do_nothing().returning(table.c.id))
    return session.execute(statement, values).first() is not None


_INSERTS: dict = {}


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
    """A delivery taken for sending. `claim_id` fences every later write: once the lease
    ran out and someone else took the row, this taker's writes change nothing.
    `attempts` is the number this attempt will have (written when it is made)."""

    id: uuid.UUID
    claim_id: uuid.UUID
    attempts: int
    row: dict


def claim_due(session: Session, *, now: datetime, lease_seconds: float,
              limit: int) -> list[Claimed]:
    """Take due deliveries: pending or failed whose time has come, and `claimed` ones
    whose lease ran out (their worker died before sending anything: safe to take again).
    SKIP LOCKED lets workers share the work; nothing is sent yet."""
    due = or_(
        (deliveries.c.status.in_((PENDING, FAILED))) & (deliveries.c.next_attempt_at <= now),
        (deliveries.c.status == CLAIMED) & (deliveries.c.lease_expires_at <= now),
    )
    rows = session.execute(
        select(deliveries).where(due).order_by(deliveries.c.next_attempt_at).limit(limit)
        .with_for_update(skip_locked=True)).all()
    if not rows:
        return []
    claim_id = uuid.uuid4()
    session.execute(update(deliveries).where(deliveries.c.id.in_([row.id for row in rows]))
                    .values(status=CLAIMED, claim_id=claim_id, updated_at=now,
                            lease_expires_at=now + timedelta(seconds=lease_seconds)))
    return [Claimed(row.id, claim_id, row.attempts + 1,
                    {**row._mapping, "attempts": row.attempts + 1}) for row in rows]


def mark_sending(session: Session, claimed: Claimed, *, now: datetime,
                 lease_seconds: float) -> bool:
    """Record the attempt, committed just before the message itself is transmitted: from
    here on a crash leaves a `sending` row, which is never sent again blindly (see
    `expire_interrupted`). False if the claim was lost meanwhile (send nothing then)."""
    changed = session.execute(update(deliveries).where(
        deliveries.c.id == claimed.id, deliveries.c.claim_id == claimed.claim_id,
        deliveries.c.status == CLAIMED,
    ).values(status=SENDING, attempts=claimed.attempts, attempted_at=now, updated_at=now,
             lease_expires_at=now + timedelta(seconds=lease_seconds))).rowcount
    return bool(changed)


def expire_interrupted(session: Session, *, now: datetime, limit: int) -> list:
    """`sending` rows whose lease ran out: their worker died mid-conversation, and the
    message may have arrived. They become `uncertain` (terminal, listed with the dead,
    replayed only by a person), announced like a dead letter. The claim id stays, so a
    worker that was only slow can still record the outcome it learnt."""
    rows = session.execute(
        select(deliveries).where(deliveries.c.status == SENDING,
                                 deliveries.c.lease_expires_at <= now)
        .order_by(deliveries.c.lease_expires_at).limit(limit)
        .with_for_update(skip_locked=True)).all()
    for row in rows:
        session.execute(update(deliveries).where(deliveries.c.id == row.id).values(
            status=UNCERTAIN, lease_expires_at=None, next_attempt_at=None, updated_at=now,
            last_error=INTERRUPTED))
        metrics.deliveries_total.labels(row.channel, UNCERTAIN).inc()
        # No event type of its own in the catalogue (shared/events): a person must look
        # at it, which is what `dead_lettered` tells its readers.
        announce(session, row, "dead_lettered", now)
    return rows


def finish(session: Session, claimed: Claimed, *, error: str | None, permanent: bool,
           now: datetime, policy: DeliveryRetryPolicy) -> str | None:
    """Record an attempt's outcome; None if the claim was lost (another worker took the
    delivery, or a person replayed it). From `claimed` (refused before transmitting:
    nothing left), `sending`, or `uncertain` (it outlived its lease but learnt the answer)."""
    if error is None:
        status, values = SENT, {"sent_at": now, "last_error": None, "next_attempt_at": None}
    elif permanent or policy.gives_up(claimed.attempts):
        status, values = DEAD, {"last_error": error[:500], "next_attempt_at": None}
    else:
        due = now + timedelta(seconds=policy.delay(claimed.attempts))
        status, values = FAILED, {"last_error": error[:500], "next_attempt_at": due}
    changed = session.execute(update(deliveries).where(
        deliveries.c.id == claimed.id, deliveries.c.claim_id == claimed.claim_id,
        deliveries.c.status.in_((CLAIMED, SENDING, UNCERTAIN)),
    ).values(status=status, attempts=claimed.attempts, lease_expires_at=None, updated_at=now,
             # refused before transmitting (never marked `sending`): the attempt is now
             attempted_at=case((deliveries.c.status == CLAIMED, now),
                               else_=deliveries.c.attempted_at),
             **values)).rowcount
    if not changed:
        return None
    metrics.deliveries_total.labels(claimed.row["channel"], status).inc()
    verb = {SENT: "delivered", FAILED: "failed", DEAD: "dead_lettered"}[status]
    announce(session, claimed.row, verb, now)
    return status


def get(session: Session, delivery_id: uuid.UUID):
    return session.execute(select(deliveries).where(deliveries.c.id == delivery_id)).first()


def replay(session: Session, delivery_id: uuid.UUID, now: datetime) -> bool:
    """A dead or uncertain delivery goes back to pending, due now, attempts reset. For an
    uncertain one this is a person's decision: the recipient may get it twice."""
    changed = session.execute(update(deliveries).where(
        deliveries.c.id == delivery_id, deliveries.c.status.in_(REPLAYABLE),
    ).values(status=PENDING, attempts=0, next_attempt_at=now, lease_expires_at=None,
             claim_id=None, updated_at=now)).rowcount
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
        if isinstance(value, list | tuple | set | frozenset):  # any of these (statuses)
            query = query.where(deliveries.c[name].in_(value)) if value else query
        elif value is not None:
            query = query.where(deliveries.c[name] == (str(value) if name == "event_id"
                                                       else value))
    return session.execute(query).all()


def counts_by_channel_and_status(session: Session) -> list:
    return session.execute(select(deliveries.c.channel, deliveries.c.status, func.count())
                           .group_by(deliveries.c.channel, deliveries.c.status)).all()
