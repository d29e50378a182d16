"""What the plan part reads of a contract: its name, coordinator, period and predecessor.

The contracts part owns the table; columns it may not have yet are read as None
(so the plan part works with any version of it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.registry.store.contract_tables import contracts
from services.registry.store.tables import metadata

_OPTIONAL = ("coordinator_member_id", "predecessor_id", "starts_on", "ends_on")


@dataclass(frozen=True)
class ContractRef:
    id: uuid.UUID
    name: str
    coordinator_member_id: uuid.UUID | None = None
    predecessor_id: uuid.UUID | None = None
    starts_on: date | None = None
    ends_on: date | None = None


def get_contract(session: Session, contract_id: uuid.UUID) -> ContractRef | None:
    present = [contracts.c[name] for name in _OPTIONAL if name in contracts.c]
    row = session.execute(select(contracts.c.id, contracts.c.name, *present)
                          .where(contracts.c.id == contract_id)).first()
    if row is None:
        return None
    values = row._mapping
    return ContractRef(id=row.id, name=row.name,
                       **{name: values.get(name) for name in _OPTIONAL})


def contract_names(session: Session, ids) -> dict[uuid.UUID, str]:
    ids = set(ids)
    if not ids:
        return {}
    query = select(contracts.c.id, contracts.c.name).where(contracts.c.id.in_(ids))
    return {key: name for key, name in session.execute(query)}


def organisation_exists(session: Session, organisation_id: uuid.UUID) -> bool:
    table = metadata.tables["organisations"]
    return session.execute(select(table.c.id).where(table.c.id == organisation_id)).first() \
        is not None


def member_exists(session: Session, member_id: uuid.UUID) -> bool:
    """True when the directory holds that member (or has no member table yet)."""
    table = metadata.tables.get("members")
    if table is None:
        return True
    return session.execute(select(table.c.id).where(table.c.id == member_id)).first() \
        is not None


def organisation_names(session: Session, ids) -> dict[uuid.UUID, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    table = metadata.tables["organisations"]
    query = select(table.c.id, table.c.name).where(table.c.id.in_(ids))
    return {key: name for key, name in session.execute(query)}


def contract_id_by_name(session: Session, name: str) -> uuid.UUID | None:
    """The first contract of that exact name (the demo loaders' natural key)."""
    return session.execute(select(contracts.c.id).where(contracts.c.name == name)
                           .order_by(contracts.c.created_at).limit(1)).scalar()


def organisation_id_by_name(session: Session, name: str) -> uuid.UUID | None:
    table = metadata.tables["organisations"]
    return session.execute(select(table.c.id).where(table.c.name == name)
                           .order_by(table.c.created_at).limit(1)).scalar()
