"""Pathways in the registry database; every change goes out through the outbox."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from services.registry.domain.pathways import Pathway, Step
from services.registry.store.contract_tables import pathway_steps, pathways
from shared.events import Event, new_event
from shared.messaging.outbox import publish

_SNAPSHOT_BATCH = 500


def _event(pathway: Pathway, verb: str) -> Event:
    return new_event(f"registry.pathway.{verb}", {
        "id": pathway.id, "version": pathway.version, "contract_id": pathway.contract_id,
        "name": pathway.name, "active": pathway.active,
        "steps": [{"position": s.position, "name": s.name, "need_category": s.need_category,
                   "organisation_id": s.organisation_id} for s in pathway.steps],
    }, subject=str(pathway.id))


def add(session: Session, pathway: Pathway) -> None:
    now = datetime.now(UTC)
    session.execute(insert(pathways).values(
        id=pathway.id, contract_id=pathway.contract_id, name=pathway.name,
        active=pathway.active, version=pathway.version, created_at=now, updated_at=now))
    _write_steps(session, pathway)
    publish(session, _event(pathway, "created"))


def save(session: Session, pathway: Pathway) -> None:
    session.execute(update(pathways).where(pathways.c.id == pathway.id).values(
        name=pathway.name, active=pathway.active, version=pathway.version,
        updated_at=datetime.now(UTC)))
    session.execute(delete(pathway_steps).where(pathway_steps.c.pathway_id == pathway.id))
    _write_steps(session, pathway)
    publish(session, _event(pathway, "updated"))


def remove(session: Session, pathway: Pathway) -> None:
    session.execute(delete(pathway_steps).where(pathway_steps.c.pathway_id == pathway.id))
    session.execute(delete(pathways).where(pathways.c.id == pathway.id))
    publish(session, new_event("registry.pathway.deleted",
                               {"id": pathway.id, "version": pathway.version + 1},
                               subject=str(pathway.id)))


def _write_steps(session: Session, pathway: Pathway) -> None:
    session.execute(insert(pathway_steps), [
        {"pathway_id": pathway.id, "position": s.position, "name": s.name,
         "need_category": s.need_category, "organisation_id": s.organisation_id}
        for s in pathway.steps])


def get(session: Session, contract_id: uuid.UUID, pathway_id: uuid.UUID, *,
        for_update=False) -> Pathway | None:
    query = select(pathways).where(pathways.c.id == pathway_id,
                                   pathways.c.contract_id == contract_id)
    if for_update:
        query = query.with_for_update()
    row = session.execute(query).first()
    return _with_steps(session, [row])[0] if row else None


def name_taken(session: Session, contract_id: uuid.UUID, name: str,
               except_id: uuid.UUID | None = None) -> bool:
    query = select(pathways.c.id).where(pathways.c.contract_id == contract_id,
                                        pathways.c.name == name)
    if except_id is not None:
        query = query.where(pathways.c.id != except_id)
    return session.execute(query).first() is not None


def find_by_name(session: Session, contract_id: uuid.UUID, name: str) -> Pathway | None:
    row = session.execute(select(pathways).where(pathways.c.contract_id == contract_id,
                                                 pathways.c.name == name)).first()
    return _with_steps(session, [row])[0] if row else None


def page(session: Session, *, contract_id: uuid.UUID | None, after: uuid.UUID | None,
         limit: int | None, active: bool | None = None) -> list[Pathway]:
    query = select(pathways).order_by(pathways.c.id)
    if contract_id is not None:
        query = query.where(pathways.c.contract_id == contract_id)
    if after is not None:
        query = query.where(pathways.c.id > after)
    if limit is not None:
        query = query.limit(limit)
    if active is not None:
        query = query.where(pathways.c.active == active)
    return _with_steps(session, list(session.execute(query)))


def snapshot_events(session: Session) -> Iterator[Event]:
    """An `updated` event per pathway at its current version (read-model rebuilds)."""
    after = None
    while batch := page(session, contract_id=None, after=after, limit=_SNAPSHOT_BATCH):
        for pathway in batch:
            yield _event(pathway, "updated")
        after = batch[-1].id


def _with_steps(session: Session, rows: list) -> list[Pathway]:
    ids = [row.id for row in rows]
    steps = defaultdict(list)
    if ids:
        for step in session.execute(select(pathway_steps).where(
                pathway_steps.c.pathway_id.in_(ids)).order_by(pathway_steps.c.position)):
            steps[step.pathway_id].append(Step(step.position, step.name, step.need_category,
                                               step.organisation_id))
    return [Pathway(id=row.id, contract_id=row.contract_id, name=row.name, active=row.active,
                    version=row.version, steps=tuple(steps[row.id])) for row in rows]
