"""Handlers keeping the local copy of the registry (routing, categories, pathways, members).

Each applies an event only if it is newer than the row held (`upsert_if_newer`),
so events arriving late, twice or replayed from a snapshot change nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from services.referrals.store.tables import (
    READ_MODELS,
    actions,
    contract_directory,
    member_directory,
    need_categories,
    organisation_directory,
    pathways,
    read_model_state,
    routing_rules,
)
from shared.events import Event, parse_event
from shared.readmodel import organisation_handlers, upsert_if_newer


def _apply(table: Table, values_of):
    def handler(session: Session, event: Event) -> None:
        data = event.data
        upsert_if_newer(session, table, {"id": uuid.UUID(data["id"])},
                        {"version": data["version"], **values_of(data)})
    return handler


def _uuid(value):
    return uuid.UUID(value) if value else None


def _contract(data):
    return {"deleted": False, "name": data["name"], "status": data["status"],
            "communes": sorted(data["communes"]),
            "coordinator_member_id": _uuid(data.get("coordinator_member_id")),
            "fallback_organisation_id": _uuid(data.get("fallback_organisation_id")),
            "reminder_after_days": data["reminder_after_days"],
            "expire_after_days": data["expire_after_days"]}


def _rule(data):
    return {"deleted": False, "contract_id": uuid.UUID(data["contract_id"]),
            "communes": sorted(data["communes"]), "need_category": data["need_category"],
            "organisation_id": uuid.UUID(data["organisation_id"]),
            "precedence": data["precedence"], "active": data["active"]}


def _category(data):
    return {"code": data["code"], "label": data["label"], "active": data["active"]}


def _pathway(data):
    steps = sorted(data["steps"], key=lambda s: s["position"])
    return {"deleted": False, "contract_id": uuid.UUID(data["contract_id"]),
            "name": data["name"], "active": data["active"],
            "steps": [{**s, "organisation_id": str(s["organisation_id"])} for s in steps]}


def _member(data):
    return {"deleted": False, "organisation_id": uuid.UUID(data["organisation_id"]),
            "roles": sorted(data["roles"]), "active": data["active"]}


def _action(data):
    # The title is not needed here: the fiche is shown by the registry.
    return {"deleted": False, "contract_id": uuid.UUID(data["contract_id"]),
            "code": data["code"], "status": data["status"]}


def _deleted(_data):
    return {"deleted": True}


def _organisation_deleted(session: Session, event: Event) -> None:
    # The shared directory has no tombstone column: a deleted organisation stays, inactive.
    table, key = organisation_directory, uuid.UUID(event.data["id"])
    version, now = event.data["version"], datetime.now(UTC)
    changed = session.execute(update(table).where(table.c.id == key, table.c.version < version)
                              .values(active=False, version=version, updated_at=now)).rowcount
    if not changed and session.execute(select(table.c.id).where(table.c.id == key)).first() \
            is None:
        session.execute(insert(table).values(id=key, name="(supprimée)", kind="other",
                                             active=False, version=version, updated_at=now))


def bump_generation(session: Session) -> None:
    """Tell API processes their cached routing tables are stale (store.routing)."""
    bumped = session.execute(update(read_model_state).where(read_model_state.c.id == 1)
                             .values(generation=read_model_state.c.generation + 1)).rowcount
    if not bumped:
        session.execute(insert(read_model_state).values(id=1, generation=1))


def _bumping(handler):
    def handler_then_bump(session: Session, event: Event) -> None:
        handler(session, event)
        bump_generation(session)
    return handler_then_bump


_HANDLERS = {
    **organisation_handlers(organisation_directory),
    "registry.organisation.deleted": _organisation_deleted,
    "registry.contract.created": _apply(contract_directory, _contract),
    "registry.contract.updated": _apply(contract_directory, _contract),
    "registry.contract.deleted": _apply(contract_directory, _deleted),
    "registry.routing_rule.created": _apply(routing_rules, _rule),
    "registry.routing_rule.updated": _apply(routing_rules, _rule),
    "registry.routing_rule.deleted": _apply(routing_rules, _deleted),
    "registry.need_category.created": _apply(need_categories, _category),
    "registry.need_category.updated": _apply(need_categories, _category),
    "registry.pathway.created": _apply(pathways, _pathway),
    "registry.pathway.updated": _apply(pathways, _pathway),
    "registry.pathway.deleted": _apply(pathways, _deleted),
    "registry.action.created": _apply(actions, _action),
    "registry.action.updated": _apply(actions, _action),
    "registry.action.deleted": _apply(actions, _deleted),
    "registry.member.created": _apply(member_directory, _member),
    "registry.member.updated": _apply(member_directory, _member),
    "registry.member.deleted": _apply(member_directory, _deleted),
}
HANDLERS = {event_type: _bumping(handler) for event_type, handler in _HANDLERS.items()}


def replay(session: Session, envelopes, *, reset: bool = False) -> int:
    """Rebuild the read models from a registry snapshot (its events, in any order).
    `reset` empties them first, so what the snapshot no longer holds disappears."""
    if reset:
        for table in (*READ_MODELS, organisation_directory):
            session.execute(table.delete())
        bump_generation(session)
    applied = 0
    for envelope in envelopes:
        event = parse_event(envelope)
        handler = HANDLERS.get(event.type)
        if handler is not None:
            handler(session, event)
            applied += 1
    return applied
