"""Members in the registry database; every change goes out through the outbox.

Deactivation is an `updated` event with `active: false` (the row stays: who did
what remains answerable); `deleted` is never sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from services.registry.domain.members import Member, email_key
from services.registry.store.tables import members
from shared.events import Event, new_event
from shared.messaging.outbox import publish

_SNAPSHOT_BATCH = 500


def _event(member: Member, verb: str) -> Event:
    return new_event(
        f"registry.member.{verb}",
        {"id": member.id, "version": member.version, "organisation_id": member.organisation_id,
         "roles": list(member.roles), "active": member.active, "email": member.email,
         "display_name": member.display_name},
        subject=str(member.id))


def _values(member: Member) -> dict:
    return {"organisation_id": member.organisation_id, "email": member.email,
            "email_key": member.email_key, "display_name": member.display_name,
            "roles": " ".join(member.roles), "rpps": member.rpps, "phone": member.phone,
            "active": member.active, "version": member.version}


def add(session: Session, member: Member) -> None:
    """Insert; a duplicate e-mail raises IntegrityError (unique `email_key`)."""
    now = datetime.now(UTC)
    session.execute(insert(members).values(id=member.id, created_at=now, updated_at=now,
                                           **_values(member)))
    publish(session, _event(member, "created"))


def save(session: Session, member: Member) -> None:
    session.execute(update(members).where(members.c.id == member.id)
                    .values(updated_at=datetime.now(UTC), **_values(member)))
    publish(session, _event(member, "updated"))


def get(session: Session, member_id: uuid.UUID, *, for_update=False) -> Member | None:
    query = select(members).where(members.c.id == member_id)
    if for_update:
        query = query.with_for_update()
    row = session.execute(query).first()
    return _from_row(row) if row else None


def find_by_email(session: Session, email: str) -> Member | None:
    row = session.execute(select(members).where(members.c.email_key == email_key(email))).first()
    return _from_row(row) if row else None


def email_taken(session: Session, email: str, *, other_than: uuid.UUID | None = None) -> bool:
    query = select(members.c.id).where(members.c.email_key == email_key(email))
    if other_than is not None:
        query = query.where(members.c.id != other_than)
    return session.execute(query).first() is not None


def page(session: Session, *, after: uuid.UUID | None, limit: int,
         organisation_id: uuid.UUID | None = None, role: str | None = None,
         active: bool | None = None) -> list[Member]:
    """Keyset pagination by id."""
    query = select(members).order_by(members.c.id).limit(limit)
    if after is not None:
        query = query.where(members.c.id > after)
    if organisation_id is not None:
        query = query.where(members.c.organisation_id == organisation_id)
    if active is not None:
        query = query.where(members.c.active == active)
    if role:
        # Roles are stored space-separated; pad so "admin" cannot match inside another word.
        query = query.where((" " + members.c.roles + " ").contains(f" {role} "))
    return [_from_row(row) for row in session.execute(query)]


def snapshot_events(session: Session) -> Iterator[Event]:
    """An `updated` event per member at its current version (read-model rebuilds)."""
    after = None
    while batch := page(session, after=after, limit=_SNAPSHOT_BATCH):
        for member in batch:
            yield _event(member, "updated")
        after = batch[-1].id


def _from_row(row) -> Member:
    return Member(id=row.id, organisation_id=row.organisation_id, email=row.email,
                  display_name=row.display_name, roles=tuple(row.roles.split()),
                  rpps=row.rpps, phone=row.phone, active=row.active, version=row.version)
