"""Stored preferences: a member's own choices and their organisation's defaults."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from services.notifications.domain.preferences import Preference
from services.notifications.store.tables import member_preferences, organisation_preferences


def _modes(session: Session, table, owner_column, owner_id) -> dict[tuple[str, str], str]:
    if owner_id is None:
        return {}
    rows = session.execute(select(table.c.kind, table.c.channel, table.c.mode)
                           .where(owner_column == owner_id))
    return {(row.kind, row.channel): row.mode for row in rows}


def member_modes(session: Session, member_id: uuid.UUID) -> dict[tuple[str, str], str]:
    return _modes(session, member_preferences, member_preferences.c.member_id, member_id)


def organisation_modes(session: Session, organisation_id) -> dict[tuple[str, str], str]:
    return _modes(session, organisation_preferences, organisation_preferences.c.organisation_id,
                  organisation_id)


def _save(session: Session, table, owner: dict, preference: Preference) -> None:
    now = datetime.now(UTC)
    key = [table.c[name] == value for name, value in owner.items()]
    key += [table.c.kind == preference.kind, table.c.channel == preference.channel]
    if not session.execute(update(table).where(*key)
                           .values(mode=preference.mode, updated_at=now)).rowcount:
        session.execute(table.insert().values(**owner, kind=preference.kind,
                                              channel=preference.channel,
                                              mode=preference.mode, updated_at=now))


def save_member(session: Session, member_id: uuid.UUID, preference: Preference) -> None:
    _save(session, member_preferences, {"member_id": member_id}, preference)


def save_organisation(session: Session, organisation_id: uuid.UUID,
                      preference: Preference) -> None:
    _save(session, organisation_preferences, {"organisation_id": organisation_id}, preference)


def forget_member(session: Session, member_id: uuid.UUID, kind: str, channel: str) -> bool:
    return bool(session.execute(delete(member_preferences).where(
        member_preferences.c.member_id == member_id, member_preferences.c.kind == kind,
        member_preferences.c.channel == channel)).rowcount)
