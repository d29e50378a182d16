"""Routing reads only local tables (the registry's copy): it works while the registry is down."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from weakref import WeakKeyDictionary

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
    read_model_state,
    routing_rules,
)


def _contract(row) -> Contract:
    return Contract(row.id, row.status, frozenset(row.communes or ()),
                    row.fallback_organisation_id,
                    row.reminder_after_days or DEFAULT_REMINDER_DAYS,
                    row.expire_after_days or DEFAULT_EXPIRY_DAYS)


@dataclass(frozen=True)
class RoutingTables:
    """The read models routing needs, as of one generation (see tables.read_model_state)."""
    generation: int
    contracts: dict[uuid.UUID, Contract]  # not deleted, any status
    rules: tuple[Rule, ...]  # not deleted
    categories: frozenset[str]  # active need categories
    unavailable: frozenset[uuid.UUID]  # organisations the registry said are inactive

    @property
    def in_force(self) -> list[Contract]:
        return [c for c in self.contracts.values() if c.status in IN_FORCE]


# Per engine (one per database): the tables change only when the worker applies a registry
# event, which bumps the generation; every intake checks it with one small read.
_held: WeakKeyDictionary = WeakKeyDictionary()


def tables(session: Session) -> RoutingTables:
    """The routing tables, checked once per transaction."""
    transaction = session.get_transaction()
    checked = session.info.get("routing_tables")
    if checked is not None and checked[0] is transaction:
        return checked[1]
    generation = session.execute(_GENERATION).scalar() or 0
    engine = session.get_bind()
    held = _held.get(engine)
    if held is None or held.generation != generation:
        held = _held[engine] = _load(session, generation)
    session.info["routing_tables"] = (transaction, held)
    return held


_GENERATION = select(read_model_state.c.generation).where(read_model_state.c.id == 1)


def _load(session: Session, generation: int) -> RoutingTables:
    contracts = session.execute(select(contract_directory).where(
        contract_directory.c.deleted.is_(False))).all()
    rules = session.execute(select(routing_rules).where(routing_rules.c.deleted.is_(False)))
    categories = session.execute(select(need_categories.c.code).where(
        need_categories.c.active.is_(True))).scalars()
    # Unknown organisations are not excluded: their event may simply not have arrived yet.
    unavailable = session.execute(select(organisation_directory.c.id).where(
        organisation_directory.c.active.is_(False))).scalars()
    return RoutingTables(
        generation, {row.id: _contract(row) for row in contracts},
        tuple(Rule(r.id, r.contract_id, frozenset(r.communes or ()), r.need_category,
                   r.organisation_id, r.precedence or 0, bool(r.active)) for r in rules),
        frozenset(categories), frozenset(unavailable))


def contract(session: Session, contract_id) -> Contract | None:
    return tables(session).contracts.get(uuid.UUID(str(contract_id)))


def destination(session: Session, commune: str, need_category: str) -> Destination:
    """Raises NoDestination (see domain.routing)."""
    held = tables(session)
    covering = [c for c in held.in_force if commune in c.communes]
    covering_ids = {c.id for c in covering}
    rules = [r for r in held.rules
             if r.need_category == need_category and r.contract_id in covering_ids]
    return route(commune, need_category, covering, rules, unavailable=held.unavailable)


def need_category_is_known(session: Session, code: str) -> bool:
    return code in tables(session).categories


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
