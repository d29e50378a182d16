"""Organisations in the registry database; every change goes out through the outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from services.registry.domain.organisations import Organisation
from services.registry.store.tables import organisations
from shared.events import new_event
from shared.messaging.outbox import publish


def _event(organisation: Organisation, verb: str):
    return new_event(
        f"registry.organisation.{verb}",
        {"id": organisation.id, "name": organisation.name, "kind": organisation.kind,
         "active": organisation.active, "version": organisation.version},
        subject=str(organisation.id),
    )


def add(session: Session, organisation: Organisation) -> None:
    now = datetime.now(UTC)
    session.execute(insert(organisations).values(
        id=organisation.id, name=organisation.name, kind=organisation.kind,
        active=organisation.active, version=organisation.version,
        created_at=now, updated_at=now))
    publish(session, _event(organisation, "created"))


def save(session: Session, organisation: Organisation) -> None:
    session.execute(
        update(organisations).where(organisations.c.id == organisation.id).values(
            name=organisation.name, kind=organisation.kind, active=organisation.active,
            version=organisation.version, updated_at=datetime.now(UTC)))
    publish(session, _event(organisation, "updated"))


def get(session: Session, organisation_id: uuid.UUID, *, for_update=False) -> Organisation | None:
    query = select(organisations).where(organisations.c.id == organisation_id)
    if for_update:
        query = query.with_for_update()
    row = session.execute(query).first()
    return _from_row(row) if row else None


def page(session: Session, *, after: uuid.UUID | None, limit: int,
         kind: str | None = None) -> list[Organisation]:
    """Keyset pagination by id: the cost does not grow with the page number."""
    query = select(organisations).order_by(organisations.c.id).limit(limit)
    if after is not None:
        query = query.where(organisations.c.id > after)
    if kind:
        query = query.where(organisations.c.kind == kind)
    return [_from_row(row) for row in session.execute(query)]


def _from_row(row) -> Organisation:
    return Organisation(id=row.id, name=row.name, kind=row.kind, active=row.active,
                        version=row.version)
