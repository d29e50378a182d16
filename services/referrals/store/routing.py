"""Routing reads only local tables (the registry's copy): it works while the registry is down."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.referrals.domain.routing import (
    DEFAULT_EXPIRY_DAYS,
    DEFAULT_REMINDER_DAYS,
    IN_FORCE,
    Contract,
    Destination,
    Rule,
    route,
)
from services.referrals.store.tables import (
    actions,
    contract_directory,
    need_categories,
    organisation_directory,
    pathways,
    routing_rules,
)


def _contract(row) -> Contract:
    return Contract(row.id, row.status, frozenset(row.communes or ()),
                    row.fallback_organisation_id,
                    row.reminder_after_days or DEFAULT_REMINDER_DAYS,
                    row.expire_after_days or DEFAULT_EXPIRY_DAYS)


def contracts_in_force(session: Session) -> list[Contract]:
    rows = session.execute(select(contract_directory).where(
        contract_directory.c.deleted.is_(False), contract_directory.c.status.in_(IN_FORCE)))
    return [_contract(row) for row in rows]


def contract(session: Session, contract_id) -> Contract | None:
    row = session.execute(select(contract_directory).where(
        contract_directory.c.id == contract_id, contract_directory.c.deleted.is_(False))).first()
    return _contract(row) if row else None


def unavailable_organisations(session: Session) -> frozenset[uuid.UUID]:
    """Organisations the registry said are inactive (unknown ones are not excluded:
    their event may simply not have arrived yet)."""
    return frozenset(session.execute(select(organisation_directory.c.id).where(
        organisation_directory.c.active.is_(False))).scalars())


def destination(session: Session, commune: str, need_category: str) -> Destination:
    """Raises NoDestination (see domain.routing)."""
    covering = [c for c in contracts_in_force(session) if commune in c.communes]
    rows = session.execute(select(routing_rules).where(
        routing_rules.c.deleted.is_(False), routing_rules.c.need_category == need_category,
        routing_rules.c.contract_id.in_([c.id for c in covering])))
    rules = [Rule(r.id, r.contract_id, frozenset(r.communes or ()), r.need_category,
                  r.organisation_id, r.precedence or 0, bool(r.active)) for r in rows]
    return route(commune, need_category, covering, rules,
                 unavailable=unavailable_organisations(session))


def need_category_is_known(session: Session, code: str) -> bool:
    return session.execute(select(need_categories.c.id).where(
        need_categories.c.code == code, need_categories.c.active.is_(True))).first() is not None


def pathway(session: Session, pathway_id) -> dict | None:
    row = session.execute(select(pathways).where(
        pathways.c.id == pathway_id, pathways.c.deleted.is_(False),
        pathways.c.active.is_(True))).first()
    return dict(row._mapping) if row else None


def organisation_is_active(session: Session, organisation_id) -> bool:
    return session.execute(select(organisation_directory.c.id).where(
        organisation_directory.c.id == organisation_id,
        organisation_directory.c.active.is_(True))).first() is not None


def action_is_known(session: Session, action_id) -> bool:
    return session.execute(select(actions.c.id).where(
        actions.c.id == action_id, actions.c.deleted.is_(False))).first() is not None
