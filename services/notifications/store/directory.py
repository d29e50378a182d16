"""Read models of the registry (members, contracts, categories, meetings) and queries on them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.notifications.store.tables import (
    contract_directory,
    meeting_directory,
    member_directory,
    need_category_labels,
    organisation_directory,
)
from shared.communes import ReferentialMissing, referential
from shared.events import Event
from shared.readmodel import upsert_if_newer


def _now() -> datetime:
    return datetime.now(UTC)


def apply_member_changed(session: Session, event: Event) -> None:
    data = event.data
    upsert_if_newer(session, member_directory, {"id": uuid.UUID(data["id"])}, {
        "organisation_id": uuid.UUID(data["organisation_id"]), "email": data["email"],
        "roles": sorted(data["roles"]), "active": data["active"], "version": data["version"],
        "updated_at": _now()})


def apply_member_deleted(session: Session, event: Event) -> None:
    """A deleted member is kept inactive (so late events cannot bring them back)."""
    session.execute(update(member_directory).where(
        member_directory.c.id == uuid.UUID(event.data["id"]),
        member_directory.c.version < event.data["version"],
    ).values(active=False, version=event.data["version"], updated_at=_now()))


def apply_contract_changed(session: Session, event: Event) -> None:
    data = event.data
    coordinator = data.get("coordinator_member_id")
    upsert_if_newer(session, contract_directory, {"id": uuid.UUID(data["id"])}, {
        "coordinator_member_id": uuid.UUID(coordinator) if coordinator else None,
        "version": data["version"], "updated_at": _now()})


def apply_need_category_changed(session: Session, event: Event) -> None:
    data = event.data
    upsert_if_newer(session, need_category_labels, {"id": uuid.UUID(data["id"])}, {
        "code": data["code"], "label": data["label"], "version": data["version"],
        "updated_at": _now()})


def apply_meeting_changed(session: Session, event: Event) -> bool:
    """True when the event is newer than what we hold (an older one notifies nobody)."""
    data = event.data
    return upsert_if_newer(session, meeting_directory, {"id": uuid.UUID(data["id"])}, {
        "body_id": uuid.UUID(data["body_id"]), "member_ids": [str(m) for m in data["member_ids"]],
        "status": event.type.rsplit(".", 1)[1], "version": data["version"],
        "updated_at": _now()})


class SqlDirectory:
    """The domain's Directory over the read models, in the caller's transaction."""

    def __init__(self, session: Session):
        self.session = session

    def handlers_of(self, organisation_id: uuid.UUID | None) -> list[uuid.UUID]:
        if organisation_id is None:
            return []
        rows = self.session.execute(
            select(member_directory.c.id, member_directory.c.roles)
            .where(member_directory.c.organisation_id == organisation_id,
                   member_directory.c.active.is_(True))
            .order_by(member_directory.c.id))
        return [row.id for row in rows if "handler" in row.roles]

    def coordinator_of(self, contract_id: uuid.UUID | None) -> uuid.UUID | None:
        if contract_id is None:
            return None
        return self.session.execute(
            select(contract_directory.c.coordinator_member_id)
            .where(contract_directory.c.id == contract_id)).scalar()

    def members(self, member_ids: list[uuid.UUID]) -> dict[uuid.UUID, object]:
        """Known members by id (unknown ids are absent: their event may still be on its way)."""
        if not member_ids:
            return {}
        rows = self.session.execute(
            select(member_directory).where(member_directory.c.id.in_(member_ids)))
        return {row.id: row for row in rows}

    def organisation_name(self, organisation_id) -> str | None:
        if not organisation_id:
            return None
        return self.session.execute(
            select(organisation_directory.c.name)
            .where(organisation_directory.c.id == uuid.UUID(str(organisation_id)))).scalar()

    def category_label(self, code: str) -> str:
        label = self.session.execute(
            select(need_category_labels.c.label).where(need_category_labels.c.code == code)
            .order_by(need_category_labels.c.version.desc()).limit(1)).scalar()
        return label or code


def commune_name(code: str) -> str:
    try:
        commune = referential().get(code)
    except ReferentialMissing:
        return code
    return commune.name if commune else code


def member_email(session: Session, member_id: uuid.UUID) -> str | None:
    """The address of an active member, None if unknown or inactive."""
    row = session.execute(select(member_directory.c.email, member_directory.c.active)
                          .where(member_directory.c.id == member_id)).first()
    return row.email if row and row.active else None
