"""Governance bodies, their seats and meetings; meeting changes go out through the outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.orm import Session

from services.registry.domain.governance import Body, BodyMember, Decision, Meeting
from services.registry.store.plan_tables import (
    body_members,
    decision_actions,
    decisions,
    governance_bodies,
    meetings,
)
from shared.events import new_event
from shared.messaging.outbox import publish


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes: they were stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- bodies -------------------------------------------------------------------------------

def _write_members(session: Session, body: Body) -> None:
    session.execute(delete(body_members).where(body_members.c.body_id == body.id))
    for position, seat in enumerate(body.members):
        session.execute(insert(body_members).values(
            id=uuid.uuid4(), body_id=body.id, position=position, member_id=seat.member_id,
            organisation_id=seat.organisation_id, role=seat.role))


def add_body(session: Session, body: Body) -> None:
    now = _now()
    session.execute(insert(governance_bodies).values(
        id=body.id, contract_id=body.contract_id, kind=body.kind, name=body.name,
        theme=body.theme, version=body.version, created_at=now, updated_at=now))
    _write_members(session, body)


def save_body(session: Session, body: Body) -> None:
    session.execute(update(governance_bodies).where(governance_bodies.c.id == body.id).values(
        kind=body.kind, name=body.name, theme=body.theme, version=body.version,
        updated_at=_now()))
    _write_members(session, body)


def delete_body(session: Session, body_id: uuid.UUID) -> None:
    session.execute(delete(governance_bodies).where(governance_bodies.c.id == body_id))


def _bodies(session: Session, rows) -> list[Body]:
    rows = list(rows)
    seats: dict[uuid.UUID, list[BodyMember]] = {row.id: [] for row in rows}
    if seats:
        for seat in session.execute(select(body_members)
                                    .where(body_members.c.body_id.in_(seats))
                                    .order_by(body_members.c.position)):
            seats[seat.body_id].append(BodyMember(role=seat.role, member_id=seat.member_id,
                                                  organisation_id=seat.organisation_id))
    return [Body(id=row.id, contract_id=row.contract_id, kind=row.kind, name=row.name,
                 theme=row.theme, members=tuple(seats[row.id]), version=row.version)
            for row in rows]


def get_body(session: Session, body_id: uuid.UUID, *, for_update=False) -> Body | None:
    query = select(governance_bodies).where(governance_bodies.c.id == body_id)
    found = _bodies(session, session.execute(query.with_for_update() if for_update else query))
    return found[0] if found else None


def page_bodies(session: Session, contract_id: uuid.UUID, *, after: uuid.UUID | None,
                limit: int, kind: str | None = None) -> list[Body]:
    query = (select(governance_bodies).where(governance_bodies.c.contract_id == contract_id)
             .order_by(governance_bodies.c.id).limit(limit))
    if after:
        query = query.where(governance_bodies.c.id > after)
    if kind:
        query = query.where(governance_bodies.c.kind == kind)
    return _bodies(session, session.execute(query))


# -- meetings -----------------------------------------------------------------------------

def _meeting_event(meeting: Meeting, body: Body, verb: str):
    return new_event(f"registry.meeting.{verb}", {
        "id": meeting.id, "version": meeting.version, "contract_id": meeting.contract_id,
        "body_id": body.id, "body_name": body.name, "starts_at": meeting.starts_at,
        "member_ids": body.member_ids,
    }, subject=str(meeting.id))


def _write_decisions(session: Session, meeting: Meeting) -> None:
    session.execute(delete(decisions).where(decisions.c.meeting_id == meeting.id))
    for position, decision in enumerate(meeting.decisions):
        decision_id = uuid.uuid4()
        session.execute(insert(decisions).values(id=decision_id, meeting_id=meeting.id,
                                                 position=position, text=decision.text))
        for action_id in dict.fromkeys(decision.action_ids):
            session.execute(insert(decision_actions).values(decision_id=decision_id,
                                                            action_id=action_id))


def add_meeting(session: Session, meeting: Meeting, body: Body) -> None:
    now = _now()
    session.execute(insert(meetings).values(
        id=meeting.id, body_id=meeting.body_id, contract_id=meeting.contract_id,
        starts_at=meeting.starts_at.astimezone(UTC), place=meeting.place,
        agenda=meeting.agenda, status=meeting.status, version=meeting.version,
        created_at=now, updated_at=now))
    _write_decisions(session, meeting)
    publish(session, _meeting_event(meeting, body, "scheduled"))


def save_meeting(session: Session, meeting: Meeting, body: Body, verb: str) -> None:
    session.execute(update(meetings).where(meetings.c.id == meeting.id).values(
        starts_at=meeting.starts_at.astimezone(UTC), place=meeting.place,
        agenda=meeting.agenda, status=meeting.status, version=meeting.version,
        updated_at=_now()))
    _write_decisions(session, meeting)
    publish(session, _meeting_event(meeting, body, verb))


def _meetings(session: Session, rows) -> list[Meeting]:
    rows = list(rows)
    found: dict[uuid.UUID, list] = {row.id: [] for row in rows}
    if found:
        decision_rows = list(session.execute(select(decisions)
                                             .where(decisions.c.meeting_id.in_(found))
                                             .order_by(decisions.c.position)))
        links: dict[uuid.UUID, list[uuid.UUID]] = {d.id: [] for d in decision_rows}
        if links:
            for link in session.execute(select(decision_actions)
                                        .where(decision_actions.c.decision_id.in_(links))
                                        .order_by(decision_actions.c.action_id)):
                links[link.decision_id].append(link.action_id)
        for d in decision_rows:
            found[d.meeting_id].append(Decision(text=d.text, action_ids=tuple(links[d.id])))
    return [Meeting(id=row.id, body_id=row.body_id, contract_id=row.contract_id,
                    starts_at=_aware(row.starts_at), place=row.place, agenda=row.agenda,
                    status=row.status, decisions=tuple(found[row.id]), version=row.version)
            for row in rows]


def get_meeting(session: Session, meeting_id: uuid.UUID, *, for_update=False) -> Meeting | None:
    query = select(meetings).where(meetings.c.id == meeting_id)
    found = _meetings(session, session.execute(query.with_for_update() if for_update else query))
    return found[0] if found else None


def page_meetings(session: Session, contract_id: uuid.UUID, *,
                  after: tuple[datetime, uuid.UUID] | None, limit: int,
                  body_id: uuid.UUID | None = None, status: str | None = None,
                  since: datetime | None = None) -> list[Meeting]:
    """Chronological; keyset on (starts_at, id)."""
    query = (select(meetings).where(meetings.c.contract_id == contract_id)
             .order_by(meetings.c.starts_at, meetings.c.id).limit(limit))
    if after is not None:
        starts_at, meeting_id = after
        query = query.where(tuple_(meetings.c.starts_at, meetings.c.id)
                            > tuple_(starts_at.astimezone(UTC), meeting_id))
    if body_id:
        query = query.where(meetings.c.body_id == body_id)
    if status:
        query = query.where(meetings.c.status == status)
    if since:
        query = query.where(meetings.c.starts_at >= since.astimezone(UTC))
    return _meetings(session, session.execute(query))


def body_has_meetings(session: Session, body_id: uuid.UUID) -> bool:
    return session.execute(select(meetings.c.id).where(meetings.c.body_id == body_id)
                           .limit(1)).first() is not None


def find_body(session: Session, contract_id: uuid.UUID, name: str) -> Body | None:
    query = select(governance_bodies).where(governance_bodies.c.contract_id == contract_id,
                                            governance_bodies.c.name == name)
    found = _bodies(session, session.execute(query))
    return found[0] if found else None


def has_upcoming_meeting(session: Session, body_id: uuid.UUID, now: datetime) -> bool:
    return session.execute(select(meetings.c.id).where(
        meetings.c.body_id == body_id, meetings.c.status == "scheduled",
        meetings.c.starts_at > now.astimezone(UTC)).limit(1)).first() is not None
