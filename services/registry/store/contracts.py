"""Contracts in the registry database; every change goes out through the outbox.

A contract's territory, EPCIs, amendments and partners live in their own tables
and are rewritten as a whole on each change: a contract is edited as one thing
and its event carries it whole.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from services.registry.domain.contracts import Amendment, Contract, Partner
from services.registry.store.contract_tables import (
    contract_amendments,
    contract_communes,
    contract_epcis,
    contract_partners,
    contracts,
)
from shared.events import Event, new_event
from shared.messaging.outbox import publish

_SNAPSHOT_BATCH = 200
_CHILDREN = (contract_communes, contract_epcis, contract_amendments, contract_partners)


def _event(contract: Contract, verb: str) -> Event:
    return new_event(f"registry.contract.{verb}", {
        "id": contract.id, "version": contract.version, "name": contract.name,
        "status": contract.status, "communes": list(contract.communes),
        "coordinator_member_id": contract.coordinator_member_id,
        "fallback_organisation_id": contract.fallback_organisation_id,
        "reminder_after_days": contract.reminder_after_days,
        "expire_after_days": contract.expire_after_days,
    }, subject=str(contract.id))


def _columns(contract: Contract) -> dict:
    return {"name": contract.name, "status": contract.status, "version": contract.version,
            "generation": contract.generation, "predecessor_id": contract.predecessor_id,
            "starts_on": contract.starts_on, "ends_on": contract.ends_on,
            "signed_on": contract.signed_on,
            "coordinator_member_id": contract.coordinator_member_id,
            "fallback_organisation_id": contract.fallback_organisation_id,
            "reminder_after_days": contract.reminder_after_days,
            "expire_after_days": contract.expire_after_days}


def add(session: Session, contract: Contract) -> None:
    now = datetime.now(UTC)
    session.execute(insert(contracts).values(id=contract.id, created_at=now, updated_at=now,
                                             **_columns(contract)))
    _write_children(session, contract)
    publish(session, _event(contract, "created"))


def save(session: Session, contract: Contract) -> None:
    session.execute(update(contracts).where(contracts.c.id == contract.id)
                    .values(updated_at=datetime.now(UTC), **_columns(contract)))
    _delete_children(session, contract.id)
    _write_children(session, contract)
    publish(session, _event(contract, "updated"))


def remove(session: Session, contract: Contract) -> None:
    """Delete the contract row (its rules and pathways must be gone already)."""
    _delete_children(session, contract.id)
    session.execute(delete(contracts).where(contracts.c.id == contract.id))
    publish(session, new_event("registry.contract.deleted",
                               {"id": contract.id, "version": contract.deleted_version()},
                               subject=str(contract.id)))


def _delete_children(session: Session, contract_id: uuid.UUID) -> None:
    for table in _CHILDREN:
        session.execute(delete(table).where(table.c.contract_id == contract_id))


def _write_children(session: Session, contract: Contract) -> None:
    rows = {
        contract_communes: [{"commune": code} for code in contract.communes],
        contract_epcis: [{"epci": code} for code in contract.epcis],
        contract_amendments: [{"position": i, "signed_on": a.signed_on, "title": a.title,
                               "summary": a.summary} for i, a in enumerate(contract.amendments)],
        contract_partners: [{"organisation_id": p.organisation_id, "role": p.role}
                            for p in contract.partners],
    }
    for table, values in rows.items():
        if values:
            session.execute(insert(table), [{"contract_id": contract.id, **v} for v in values])


def get(session: Session, contract_id: uuid.UUID, *, for_update=False) -> Contract | None:
    query = select(contracts).where(contracts.c.id == contract_id)
    if for_update:
        query = query.with_for_update()
    row = session.execute(query).first()
    return _with_children(session, [row])[0] if row else None


def find_by_name(session: Session, name: str) -> Contract | None:
    """The first contract with this exact name (the demo loader's natural key)."""
    row = session.execute(select(contracts).where(contracts.c.name == name)
                          .order_by(contracts.c.created_at).limit(1)).first()
    return _with_children(session, [row])[0] if row else None


def page(session: Session, *, after: uuid.UUID | None, limit: int, status: str | None = None,
         commune: str | None = None) -> list[Contract]:
    """Keyset pagination by id, optionally only contracts in a status or covering a commune."""
    query = select(contracts).order_by(contracts.c.id).limit(limit)
    if after is not None:
        query = query.where(contracts.c.id > after)
    if status:
        query = query.where(contracts.c.status == status)
    if commune:
        query = query.where(contracts.c.id.in_(
            select(contract_communes.c.contract_id).where(contract_communes.c.commune == commune)))
    return _with_children(session, list(session.execute(query)))


def successors_of(session: Session, contract_id: uuid.UUID) -> list[uuid.UUID]:
    return list(session.execute(select(contracts.c.id).where(
        contracts.c.predecessor_id == contract_id)).scalars())


def snapshot_events(session: Session) -> Iterator[Event]:
    """An `updated` event per contract at its current version (read-model rebuilds)."""
    after = None
    while batch := page(session, after=after, limit=_SNAPSHOT_BATCH):
        for contract in batch:
            yield _event(contract, "updated")
        after = batch[-1].id


def _with_children(session: Session, rows: list) -> list[Contract]:
    """Contracts of `rows` with their territory, EPCIs, amendments and partners
    (one query per child table, whatever the number of contracts)."""
    ids = [row.id for row in rows]
    children: dict = {table: defaultdict(list) for table in _CHILDREN}
    if ids:
        for table in _CHILDREN:
            for child in session.execute(select(table).where(table.c.contract_id.in_(ids))):
                children[table][child.contract_id].append(child)
    amendments = {i: sorted(children[contract_amendments][i], key=lambda a: a.position)
                  for i in ids}
    return [Contract(
        id=row.id, name=row.name, status=row.status, version=row.version,
        generation=row.generation, predecessor_id=row.predecessor_id,
        starts_on=row.starts_on, ends_on=row.ends_on, signed_on=row.signed_on,
        coordinator_member_id=row.coordinator_member_id,
        fallback_organisation_id=row.fallback_organisation_id,
        reminder_after_days=row.reminder_after_days, expire_after_days=row.expire_after_days,
        communes=tuple(c.commune for c in children[contract_communes][row.id]),
        epcis=tuple(e.epci for e in children[contract_epcis][row.id]),
        amendments=tuple(Amendment(a.signed_on, a.title, a.summary) for a in amendments[row.id]),
        partners=tuple(Partner(p.organisation_id, p.role)
                       for p in children[contract_partners][row.id]),
    ) for row in rows]
