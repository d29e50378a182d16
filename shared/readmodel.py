"""Read models of another service's data, kept from its events.

Events may arrive late, twice or out of order; a row changes only when the
event carries a newer version than the one held.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, insert, update
from sqlalchemy.orm import Session

from shared.events import Event


def upsert_if_newer(session: Session, table: Table, key: dict[str, Any],
                    values: dict[str, Any]) -> bool:
    """Insert the row, or update it if `values["version"]` is newer. True if applied."""
    conditions = [table.c[name] == value for name, value in key.items()]
    updated = session.execute(
        update(table).where(*conditions, table.c.version < values["version"]).values(**values)
    ).rowcount
    if updated:
        return True
    exists = session.execute(table.select().where(*conditions)).first()
    if exists:
        return False  # we hold this version or a newer one
    session.execute(insert(table).values(**key, **values))
    return True


def organisation_handlers(table: Table) -> dict:
    """Consumer handlers keeping `table` (see shared.readmodel_tables) up to date."""

    def apply_organisation_changed(session: Session, event: Event) -> None:
        data = event.data
        upsert_if_newer(session, table, {"id": uuid.UUID(data["id"])}, {
            "name": data["name"], "kind": data["kind"], "active": data["active"],
            "version": data["version"], "updated_at": datetime.now(UTC)})

    return {"registry.organisation.created": apply_organisation_changed,
            "registry.organisation.updated": apply_organisation_changed}
