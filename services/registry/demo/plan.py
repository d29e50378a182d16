"""Demo data of the registry's plan part (idempotent): the seeds' action plans.

Runs after the contracts demo and finds its contracts by name (a contract it
does not find is skipped). Natural keys: an axis's or fiche's (contract, code),
an indicator's (fiche, name), a body's (contract, name), a link's (source,
target). Fiches go through the same store as the API, so their events reach
the outbox. A comité de pilotage gets a meeting in the coming weeks unless one
is already upcoming, so a demo always has one to remind people of.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy.orm import Session

from services.registry.demo.plan_seeds import LINEAGE, PLANS
from services.registry.domain.governance import Body, BodyMember, Meeting
from services.registry.domain.indicators import Indicator, Measurement
from services.registry.domain.lineage import Link
from services.registry.domain.plan import Action, Axis, Party
from services.registry.store import governance as governance_store
from services.registry.store import indicators as indicator_store
from services.registry.store import lineage as lineage_store
from services.registry.store import plan as plan_store
from services.registry.store.contract_refs import (
    contract_id_by_name,
    get_contract,
    organisation_id_by_name,
)
from shared.logging import get_logger

log = get_logger(__name__)
MEETING_IN_DAYS = 30


def load(session: Session, settings) -> None:
    """Create what is missing of the seeds' plans; what exists is left as it is."""
    del settings
    for contract_name, plan in PLANS.items():
        contract_id = contract_id_by_name(session, contract_name)
        if contract_id is None:
            log.warning("demo.plan.contract_missing", contract=contract_name)
            continue
        axes = _axes(session, contract_id, plan["axes"])
        fiches = _fiches(session, contract_id, axes, plan["fiches"])
        for spec in plan.get("indicators", ()):
            _indicator(session, fiches[spec[0]], spec[1:])
        for spec in plan.get("bodies", ()):
            _body(session, contract_id, *spec)
        if "meeting" in plan:
            _meeting(session, contract_id, *plan["meeting"])
    for spec in LINEAGE:
        _lineage(session, *spec)


def _axes(session, contract_id, specs) -> dict:
    found = {}
    for position, (code, title, parent) in enumerate(specs):
        axis = plan_store.find_axis(session, contract_id, code)
        if axis is None:
            axis = Axis(contract_id=contract_id, code=code, title=title, position=position,
                        parent_id=found[parent].id if parent else None)
            plan_store.add_axis(session, axis)
        found[code] = axis
    return found


def _party(session, name: str) -> Party:
    """The organisation of that name when the directory holds one, else the name."""
    organisation_id = organisation_id_by_name(session, name)
    return Party(organisation_id=organisation_id) if organisation_id else Party(name=name)


def _fiches(session, contract_id, axes, specs) -> dict:
    found = {}
    for axis_code, code, title, extra in specs:
        action = plan_store.find_action(session, contract_id, code)
        if action is None:
            values = dict(extra)
            for key in ("pilots", "carriers"):
                values[key] = tuple(_party(session, name) for name in values.get(key, ()))
            values["funders"] = tuple(values.get("funders", ()))
            if values.get("budget_amount") is not None:
                values["budget_amount"] = Decimal(values["budget_amount"])
            action = Action(contract_id=contract_id, axis_id=axes[axis_code].id, code=code,
                            title=title, **values)
            plan_store.add_action(session, action)
        found[code] = action
    return found


def _indicator(session, action: Action, spec: tuple) -> None:
    name, unit, *rest = spec
    if indicator_store.find_by_name(session, action.id, name) is not None:
        return
    if len(rest) == 1:  # a metric: computed from the referrals raised under the fiche
        indicator_store.add(session, Indicator(action_id=action.id, name=name, unit=unit,
                                               source="computed", metric=rest[0]))
        return
    baseline, target, measurements = rest
    indicator = Indicator(action_id=action.id, name=name, unit=unit,
                          baseline=None if baseline is None else Decimal(baseline),
                          target=None if target is None else Decimal(target))
    indicator_store.add(session, indicator)
    for measured_on, value, note in measurements:
        indicator_store.add_measurement(session, Measurement(
            indicator_id=indicator.id, measured_on=measured_on, value=Decimal(value),
            note=note), recorded_by="demo")


def _body(session, contract_id, kind, name, theme, organisation_names) -> None:
    if governance_store.find_body(session, contract_id, name) is not None:
        return
    seats = [BodyMember(role="membre", organisation_id=organisation_id)
             for organisation_id in (organisation_id_by_name(session, n)
                                     for n in organisation_names) if organisation_id]
    coordinator = get_contract(session, contract_id).coordinator_member_id
    if coordinator and kind == "steering_committee":
        seats.insert(0, BodyMember(role="coordination du CLS", member_id=coordinator))
    governance_store.add_body(session, Body(contract_id=contract_id, kind=kind, name=name,
                                            theme=theme, members=tuple(seats)))


def _meeting(session, contract_id, body_name, offset, place, agenda) -> None:
    body = governance_store.find_body(session, contract_id, body_name)
    now = datetime.now(UTC)
    if body is None or governance_store.has_upcoming_meeting(session, body.id, now):
        return
    hours, minutes = (int(part) for part in offset[1:].split(":"))
    zone = timezone(timedelta(hours=hours, minutes=minutes) * (-1 if offset[0] == "-" else 1))
    day = (now + timedelta(days=MEETING_IN_DAYS)).date()
    while day.weekday() >= 5:  # a working day
        day += timedelta(days=1)
    meeting = Meeting(body_id=body.id, contract_id=contract_id,
                      starts_at=datetime.combine(day, time(14, 0), tzinfo=zone),
                      place=place, agenda=agenda)
    governance_store.add_meeting(session, meeting, body)


def _lineage(session, predecessor_name, successor_name, kind, pairs) -> None:
    predecessor = contract_id_by_name(session, predecessor_name)
    successor = contract_id_by_name(session, successor_name)
    if predecessor is None or successor is None:
        log.warning("demo.plan.lineage_skipped", successor=successor_name)
        return
    find = plan_store.find_axis if kind == "axis" else plan_store.find_action
    for source_code, target_code, relation, note in pairs:
        source = find(session, predecessor, source_code)
        target = find(session, successor, target_code)
        if source is None or target is None or lineage_store.exists(session, source.id,
                                                                    target.id):
            continue
        lineage_store.add(session, Link(contract_id=successor, predecessor_id=predecessor,
                                        kind=kind, source_id=source.id, target_id=target.id,
                                        relation=relation, note=note))
