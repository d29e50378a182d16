"""Routing rules in the registry database; every change goes out through the outbox.

Each event carries the whole rule (its communes included), and contract events
carry the territory and the fallback: from those two streams alone a consumer
rebuilds where every need goes.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from services.registry.domain.routing import RoutingRule
from services.registry.store.contract_tables import routing_rule_communes, routing_rules
from shared.events import Event, new_event
from shared.messaging.outbox import publish

_SNAPSHOT_BATCH = 500


def _event(rule: RoutingRule, verb: str) -> Event:
    return new_event(f"registry.routing_rule.{verb}", {
        "id": rule.id, "version": rule.version, "contract_id": rule.contract_id,
        "communes": list(rule.communes), "need_category": rule.need_category,
        "organisation_id": rule.organisation_id, "precedence": rule.precedence,
        "active": rule.active,
    }, subject=str(rule.id))


def _columns(rule: RoutingRule) -> dict:
    return {"contract_id": rule.contract_id, "need_category": rule.need_category,
            "organisation_id": rule.organisation_id, "precedence": rule.precedence,
            "active": rule.active, "version": rule.version}


def add(session: Session, rule: RoutingRule) -> None:
    now = datetime.now(UTC)
    session.execute(insert(routing_rules).values(id=rule.id, created_at=now, updated_at=now,
                                                 **_columns(rule)))
    _write_communes(session, rule)
    publish(session, _event(rule, "created"))


def save(session: Session, rule: RoutingRule) -> None:
    session.execute(update(routing_rules).where(routing_rules.c.id == rule.id)
                    .values(updated_at=datetime.now(UTC), **_columns(rule)))
    session.execute(delete(routing_rule_communes).where(routing_rule_communes.c.rule_id == rule.id))
    _write_communes(session, rule)
    publish(session, _event(rule, "updated"))


def remove(session: Session, rule: RoutingRule) -> None:
    session.execute(delete(routing_rule_communes).where(routing_rule_communes.c.rule_id == rule.id))
    session.execute(delete(routing_rules).where(routing_rules.c.id == rule.id))
    publish(session, new_event("registry.routing_rule.deleted",
                               {"id": rule.id, "version": rule.version + 1},
                               subject=str(rule.id)))


def _write_communes(session: Session, rule: RoutingRule) -> None:
    if rule.communes:
        session.execute(insert(routing_rule_communes),
                        [{"rule_id": rule.id, "commune": code} for code in rule.communes])


def get(session: Session, contract_id: uuid.UUID, rule_id: uuid.UUID, *,
        for_update=False) -> RoutingRule | None:
    """The rule if it belongs to this contract (a rule is reached through its contract)."""
    query = select(routing_rules).where(routing_rules.c.id == rule_id,
                                        routing_rules.c.contract_id == contract_id)
    if for_update:
        query = query.with_for_update()
    row = session.execute(query).first()
    return _with_communes(session, [row])[0] if row else None


def page(session: Session, *, contract_id: uuid.UUID | None, after: uuid.UUID | None,
         limit: int | None, need_category: str | None = None,
         active: bool | None = None) -> list[RoutingRule]:
    """Keyset pagination by id (`limit=None`: every rule, for the coverage report)."""
    query = select(routing_rules).order_by(routing_rules.c.id)
    if contract_id is not None:
        query = query.where(routing_rules.c.contract_id == contract_id)
    if limit is not None:
        query = query.limit(limit)
    if after is not None:
        query = query.where(routing_rules.c.id > after)
    if need_category:
        query = query.where(routing_rules.c.need_category == need_category)
    if active is not None:
        query = query.where(routing_rules.c.active == active)
    return _with_communes(session, list(session.execute(query)))


def rules_of(session: Session, contract_id: uuid.UUID) -> list[RoutingRule]:
    return page(session, contract_id=contract_id, after=None, limit=None)


def communes_in_use(session: Session, contract_id: uuid.UUID) -> set[str]:
    """Communes named by some rule of the contract (they must stay in its territory)."""
    return set(session.execute(
        select(routing_rule_communes.c.commune).join(
            routing_rules, routing_rules.c.id == routing_rule_communes.c.rule_id)
        .where(routing_rules.c.contract_id == contract_id)).scalars())


def snapshot_events(session: Session) -> Iterator[Event]:
    """An `updated` event per rule at its current version (read-model rebuilds)."""
    after = None
    while batch := page(session, contract_id=None, after=after, limit=_SNAPSHOT_BATCH):
        for rule in batch:
            yield _event(rule, "updated")
        after = batch[-1].id


def _with_communes(session: Session, rows: list) -> list[RoutingRule]:
    ids = [row.id for row in rows]
    communes = defaultdict(list)
    if ids:
        for link in session.execute(select(routing_rule_communes).where(
                routing_rule_communes.c.rule_id.in_(ids))):
            communes[link.rule_id].append(link.commune)
    return [RoutingRule(id=row.id, contract_id=row.contract_id, need_category=row.need_category,
                        organisation_id=row.organisation_id, communes=tuple(communes[row.id]),
                        precedence=row.precedence, active=row.active, version=row.version)
            for row in rows]
