"""Axes and fiches actions in the registry database; fiche changes go out through the outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from services.registry.domain.plan import Action, Axis, Party
from services.registry.store.plan_tables import lineage_links, plan_actions, plan_axes
from shared.events import new_event
from shared.messaging.outbox import publish


def _now() -> datetime:
    return datetime.now(UTC)


# -- axes ---------------------------------------------------------------------------------

def _axis(row) -> Axis:
    return Axis(id=row.id, contract_id=row.contract_id, parent_id=row.parent_id, code=row.code,
                title=row.title, position=row.position, version=row.version)


def _axis_values(axis: Axis) -> dict:
    return {"contract_id": axis.contract_id, "parent_id": axis.parent_id, "code": axis.code,
            "title": axis.title, "position": axis.position, "version": axis.version}


def add_axis(session: Session, axis: Axis) -> None:
    now = _now()
    session.execute(insert(plan_axes).values(id=axis.id, **_axis_values(axis), created_at=now,
                                             updated_at=now))


def save_axis(session: Session, axis: Axis) -> None:
    session.execute(update(plan_axes).where(plan_axes.c.id == axis.id)
                    .values(**_axis_values(axis), updated_at=_now()))


def get_axis(session: Session, axis_id: uuid.UUID, *, for_update=False) -> Axis | None:
    query = select(plan_axes).where(plan_axes.c.id == axis_id)
    row = session.execute(query.with_for_update() if for_update else query).first()
    return _axis(row) if row else None


def axes_of(session: Session, contract_id: uuid.UUID) -> list[Axis]:
    rows = session.execute(select(plan_axes).where(plan_axes.c.contract_id == contract_id)
                           .order_by(plan_axes.c.position, plan_axes.c.code))
    return [_axis(row) for row in rows]


def parent_map(session: Session, contract_id: uuid.UUID) -> dict:
    query = select(plan_axes.c.id, plan_axes.c.parent_id).where(
        plan_axes.c.contract_id == contract_id)
    return {axis_id: parent_id for axis_id, parent_id in session.execute(query)}


def axis_code_taken(session: Session, contract_id, code, except_id=None) -> bool:
    query = select(plan_axes.c.id).where(plan_axes.c.contract_id == contract_id,
                                         plan_axes.c.code == code)
    if except_id:
        query = query.where(plan_axes.c.id != except_id)
    return session.execute(query).first() is not None


def axis_in_use(session: Session, axis_id: uuid.UUID) -> bool:
    """True while sub-axes, fiches or lineage links hang on the axis."""
    checks = (select(plan_axes.c.id).where(plan_axes.c.parent_id == axis_id),
              select(plan_actions.c.id).where(plan_actions.c.axis_id == axis_id),
              select(lineage_links.c.id).where((lineage_links.c.source_id == axis_id)
                                               | (lineage_links.c.target_id == axis_id)))
    return any(session.execute(query.limit(1)).first() for query in checks)


def delete_axis(session: Session, axis_id: uuid.UUID) -> None:
    session.execute(delete(plan_axes).where(plan_axes.c.id == axis_id))


# -- fiches actions -----------------------------------------------------------------------

def _parties(parties) -> list[dict]:
    return [{"organisation_id": str(p.organisation_id) if p.organisation_id else None,
             "name": p.name} for p in parties]


def _party_tuple(values) -> tuple[Party, ...]:
    return tuple(Party(organisation_id=uuid.UUID(v["organisation_id"])
                       if v.get("organisation_id") else None, name=v.get("name"))
                 for v in values or ())


def _action(row) -> Action:
    return Action(
        id=row.id, contract_id=row.contract_id, axis_id=row.axis_id, code=row.code,
        title=row.title, objectives=row.objectives, target_public=row.target_public,
        pilots=_party_tuple(row.pilots), carriers=_party_tuple(row.carriers),
        status=row.status, priority=row.priority, starts_on=row.starts_on,
        ends_on=row.ends_on, budget_amount=row.budget_amount, budget_period=row.budget_period,
        funders=tuple(row.funders or ()), version=row.version)


def _action_values(action: Action) -> dict:
    return {
        "contract_id": action.contract_id, "axis_id": action.axis_id, "code": action.code,
        "title": action.title, "objectives": action.objectives,
        "target_public": action.target_public, "pilots": _parties(action.pilots),
        "carriers": _parties(action.carriers), "status": action.status,
        "priority": action.priority, "starts_on": action.starts_on, "ends_on": action.ends_on,
        "budget_amount": action.budget_amount, "budget_period": action.budget_period,
        "funders": list(action.funders), "version": action.version,
    }


def _event(action: Action, verb: str):
    return new_event(f"registry.action.{verb}", {
        "id": action.id, "version": action.version, "contract_id": action.contract_id,
        "code": action.code, "title": action.title, "status": action.status,
    }, subject=str(action.id))


def add_action(session: Session, action: Action) -> None:
    now = _now()
    session.execute(insert(plan_actions).values(id=action.id, **_action_values(action),
                                                created_at=now, updated_at=now))
    publish(session, _event(action, "created"))


def save_action(session: Session, action: Action) -> None:
    session.execute(update(plan_actions).where(plan_actions.c.id == action.id)
                    .values(**_action_values(action), updated_at=_now()))
    publish(session, _event(action, "updated"))


def delete_action(session: Session, action: Action) -> None:
    """Delete the fiche (its indicators and decision links go with it)."""
    session.execute(delete(plan_actions).where(plan_actions.c.id == action.id))
    publish(session, new_event("registry.action.deleted",
                               {"id": action.id, "version": action.version + 1},
                               subject=str(action.id)))


def get_action(session: Session, action_id: uuid.UUID, *, for_update=False) -> Action | None:
    query = select(plan_actions).where(plan_actions.c.id == action_id)
    row = session.execute(query.with_for_update() if for_update else query).first()
    return _action(row) if row else None


def actions_by_id(session: Session, ids) -> dict[uuid.UUID, Action]:
    ids = set(ids)
    if not ids:
        return {}
    rows = session.execute(select(plan_actions).where(plan_actions.c.id.in_(ids)))
    return {row.id: _action(row) for row in rows}


def action_code_taken(session: Session, contract_id, code, except_id=None) -> bool:
    query = select(plan_actions.c.id).where(plan_actions.c.contract_id == contract_id,
                                            plan_actions.c.code == code)
    if except_id:
        query = query.where(plan_actions.c.id != except_id)
    return session.execute(query).first() is not None


def action_in_lineage(session: Session, action_id: uuid.UUID) -> bool:
    return session.execute(select(func.count()).select_from(lineage_links).where(
        (lineage_links.c.source_id == action_id) | (lineage_links.c.target_id == action_id)
    )).scalar_one() > 0


def page_actions(session: Session, contract_id: uuid.UUID, *, after: str | None, limit: int,
                 axis_ids: set | None = None, status: str | None = None,
                 priority: str | None = None) -> list[Action]:
    """Keyset pagination by code (unique within a contract): stable and human-ordered."""
    query = (select(plan_actions).where(plan_actions.c.contract_id == contract_id)
             .order_by(plan_actions.c.code).limit(limit))
    if after is not None:
        query = query.where(plan_actions.c.code > after)
    if axis_ids is not None:
        query = query.where(plan_actions.c.axis_id.in_(axis_ids))
    if status:
        query = query.where(plan_actions.c.status == status)
    if priority:
        query = query.where(plan_actions.c.priority == priority)
    return [_action(row) for row in session.execute(query)]


def all_actions(session: Session, contract_id: uuid.UUID) -> list[Action]:
    rows = session.execute(select(plan_actions).where(plan_actions.c.contract_id == contract_id)
                           .order_by(plan_actions.c.code))
    return [_action(row) for row in rows]


def find_axis(session: Session, contract_id: uuid.UUID, code: str) -> Axis | None:
    row = session.execute(select(plan_axes).where(plan_axes.c.contract_id == contract_id,
                                                  plan_axes.c.code == code)).first()
    return _axis(row) if row else None


def find_action(session: Session, contract_id: uuid.UUID, code: str) -> Action | None:
    row = session.execute(select(plan_actions).where(plan_actions.c.contract_id == contract_id,
                                                     plan_actions.c.code == code)).first()
    return _action(row) if row else None
