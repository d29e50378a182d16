"""Organisations in the registry database; every change goes out through the outbox.

Deactivation is an `updated` event with `active: false`: the organisation stays
in every read model (referrals already sent to it must still name it), and the
event carries the whole entity as read models need it. `deleted` is never sent.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from services.registry.domain.organisations import Organisation
from services.registry.store.tables import (
    organisation_communes,
    organisation_need_categories,
    organisations,
)
from shared.events import Event, new_event
from shared.messaging.outbox import publish

_SNAPSHOT_BATCH = 500


def _event(organisation: Organisation, verb: str) -> Event:
    return new_event(
        f"registry.organisation.{verb}",
        {"id": organisation.id, "name": organisation.name, "kind": organisation.kind,
         "active": organisation.active, "version": organisation.version,
         "communes": list(organisation.communes),
         "need_categories": list(organisation.need_categories)},
        subject=str(organisation.id),
    )


def add(session: Session, organisation: Organisation) -> None:
    now = datetime.now(UTC)
    session.execute(insert(organisations).values(
        id=organisation.id, name=organisation.name, kind=organisation.kind,
        active=organisation.active, version=organisation.version,
        phone=organisation.phone, email=organisation.email,
        created_at=now, updated_at=now))
    _write_links(session, organisation)
    publish(session, _event(organisation, "created"))


def save(session: Session, organisation: Organisation) -> None:
    session.execute(
        update(organisations).where(organisations.c.id == organisation.id).values(
            name=organisation.name, kind=organisation.kind, active=organisation.active,
            phone=organisation.phone, email=organisation.email,
            version=organisation.version, updated_at=datetime.now(UTC)))
    for table in (organisation_communes, organisation_need_categories):
        session.execute(delete(table).where(table.c.organisation_id == organisation.id))
    _write_links(session, organisation)
    publish(session, _event(organisation, "updated"))


def _write_links(session: Session, organisation: Organisation) -> None:
    if organisation.communes:
        session.execute(insert(organisation_communes), [
            {"organisation_id": organisation.id, "commune": code}
            for code in organisation.communes])
    if organisation.need_categories:
        session.execute(insert(organisation_need_categories), [
            {"organisation_id": organisation.id, "need_category": code}
            for code in organisation.need_categories])


def get(session: Session, organisation_id: uuid.UUID, *, for_update=False) -> Organisation | None:
    query = select(organisations).where(organisations.c.id == organisation_id)
    if for_update:
        query = query.with_for_update()
    row = session.execute(query).first()
    return _with_links(session, [row])[0] if row else None


def organisation_exists(session: Session, organisation_id: uuid.UUID) -> bool:
    """True if the organisation exists (active or not): other parts check references with it."""
    return session.execute(select(organisations.c.id).where(
        organisations.c.id == organisation_id)).first() is not None


def find_by_name(session: Session, name: str) -> Organisation | None:
    """The first organisation with this exact name (demo loaders' natural key)."""
    row = session.execute(select(organisations).where(organisations.c.name == name)
                          .order_by(organisations.c.created_at).limit(1)).first()
    return _with_links(session, [row])[0] if row else None


def page(session: Session, *, after: uuid.UUID | None, limit: int, kind: str | None = None,
         commune: str | None = None, need_category: str | None = None,
         active: bool | None = None) -> list[Organisation]:
    """Keyset pagination by id: the cost does not grow with the page number."""
    query = select(organisations).order_by(organisations.c.id).limit(limit)
    if after is not None:
        query = query.where(organisations.c.id > after)
    if kind:
        query = query.where(organisations.c.kind == kind)
    if active is not None:
        query = query.where(organisations.c.active == active)
    if commune:
        query = query.where(organisations.c.id.in_(
            select(organisation_communes.c.organisation_id)
            .where(organisation_communes.c.commune == commune)))
    if need_category:
        query = query.where(organisations.c.id.in_(
            select(organisation_need_categories.c.organisation_id)
            .where(organisation_need_categories.c.need_category == need_category)))
    return _with_links(session, list(session.execute(query)))


def snapshot_events(session: Session) -> Iterator[Event]:
    """An `updated` event per organisation at its current version (read-model rebuilds)."""
    after = None
    while batch := page(session, after=after, limit=_SNAPSHOT_BATCH):
        for organisation in batch:
            yield _event(organisation, "updated")
        after = batch[-1].id


def _with_links(session: Session, rows: list) -> list[Organisation]:
    """Organisations of `rows` with their communes and categories (two queries in all)."""
    ids = [row.id for row in rows]
    communes, categories = defaultdict(list), defaultdict(list)
    if ids:
        for link in session.execute(select(organisation_communes).where(
                organisation_communes.c.organisation_id.in_(ids))):
            communes[link.organisation_id].append(link.commune)
        for link in session.execute(select(organisation_need_categories).where(
                organisation_need_categories.c.organisation_id.in_(ids))):
            categories[link.organisation_id].append(link.need_category)
    return [Organisation(id=row.id, name=row.name, kind=row.kind, active=row.active,
                         version=row.version, phone=row.phone, email=row.email,
                         communes=tuple(communes[row.id]),
                         need_categories=tuple(categories[row.id])) for row in rows]


def organisation_active(session: Session, organisation_id: uuid.UUID) -> bool:
    """True if the organisation exists and is active (its members may sign in)."""
    return bool(session.execute(select(organisations.c.active).where(
        organisations.c.id == organisation_id)).scalar())
