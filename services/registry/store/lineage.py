"""Generation lineage links between a contract's axes/fiches and its predecessor's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from services.registry.domain.lineage import Link
from services.registry.store.plan_tables import lineage_links


def _link(row) -> Link:
    return Link(id=row.id, contract_id=row.contract_id, predecessor_id=row.predecessor_id,
                kind=row.kind, source_id=row.source_id, target_id=row.target_id,
                relation=row.relation, note=row.note)


def add(session: Session, link: Link) -> None:
    session.execute(insert(lineage_links).values(
        id=link.id, contract_id=link.contract_id, predecessor_id=link.predecessor_id,
        kind=link.kind, source_id=link.source_id, target_id=link.target_id,
        relation=link.relation, note=link.note, created_at=datetime.now(UTC)))


def get(session: Session, link_id: uuid.UUID) -> Link | None:
    row = session.execute(select(lineage_links).where(lineage_links.c.id == link_id)).first()
    return _link(row) if row else None


def remove(session: Session, link_id: uuid.UUID) -> None:
    session.execute(delete(lineage_links).where(lineage_links.c.id == link_id))


def touching(session: Session, ids: set[uuid.UUID]) -> list[Link]:
    """Links whose source or target is one of `ids` (the history walk's lookup)."""
    if not ids:
        return []
    rows = session.execute(select(lineage_links).where(or_(
        lineage_links.c.source_id.in_(ids), lineage_links.c.target_id.in_(ids))))
    return [_link(row) for row in rows]


def page(session: Session, contract_id: uuid.UUID, *, after: uuid.UUID | None, limit: int,
         kind: str | None = None) -> list[Link]:
    query = (select(lineage_links).where(lineage_links.c.contract_id == contract_id)
             .order_by(lineage_links.c.id).limit(limit))
    if after:
        query = query.where(lineage_links.c.id > after)
    if kind:
        query = query.where(lineage_links.c.kind == kind)
    return [_link(row) for row in session.execute(query)]


def exists(session: Session, source_id: uuid.UUID, target_id: uuid.UUID | None) -> bool:
    query = select(lineage_links.c.id).where(lineage_links.c.source_id == source_id)
    query = query.where(lineage_links.c.target_id.is_(None) if target_id is None
                        else lineage_links.c.target_id == target_id)
    return session.execute(query.limit(1)).first() is not None
