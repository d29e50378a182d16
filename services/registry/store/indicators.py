"""Indicators, their measurements, and the referral facts computed indicators count from."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import delete, insert, select, tuple_, update
from sqlalchemy.orm import Session

from services.registry.domain.indicators import (
    CurrentValue,
    Indicator,
    Measurement,
    ReferralFact,
    computed_value,
    manual_value,
)
from services.registry.store.plan_tables import plan_indicators, plan_measurements, referral_facts
from shared.readmodel import upsert_if_newer


def _now() -> datetime:
    return datetime.now(UTC)


def _indicator(row) -> Indicator:
    return Indicator(id=row.id, action_id=row.action_id, name=row.name, unit=row.unit,
                     baseline=row.baseline, target=row.target, source=row.source,
                     metric=row.metric, metric_status=row.metric_status, version=row.version)


def _values(indicator: Indicator) -> dict:
    return {"action_id": indicator.action_id, "name": indicator.name, "unit": indicator.unit,
            "baseline": indicator.baseline, "target": indicator.target,
            "source": indicator.source, "metric": indicator.metric,
            "metric_status": indicator.metric_status, "version": indicator.version}


def add(session: Session, indicator: Indicator) -> None:
    now = _now()
    session.execute(insert(plan_indicators).values(id=indicator.id, **_values(indicator),
                                                   created_at=now, updated_at=now))


def save(session: Session, indicator: Indicator) -> None:
    session.execute(update(plan_indicators).where(plan_indicators.c.id == indicator.id)
                    .values(**_values(indicator), updated_at=_now()))


def remove(session: Session, indicator_id: uuid.UUID) -> None:
    session.execute(delete(plan_indicators).where(plan_indicators.c.id == indicator_id))


def get(session: Session, indicator_id: uuid.UUID, *, for_update=False) -> Indicator | None:
    query = select(plan_indicators).where(plan_indicators.c.id == indicator_id)
    row = session.execute(query.with_for_update() if for_update else query).first()
    return _indicator(row) if row else None


def of_actions(session: Session, action_ids) -> dict[uuid.UUID, list[Indicator]]:
    found: dict[uuid.UUID, list[Indicator]] = {action_id: [] for action_id in action_ids}
    if not found:
        return found
    rows = session.execute(select(plan_indicators)
                           .where(plan_indicators.c.action_id.in_(found))
                           .order_by(plan_indicators.c.created_at, plan_indicators.c.id))
    for row in rows:
        found[row.action_id].append(_indicator(row))
    return found


# -- measurements --------------------------------------------------------------------------

def _measurement(row) -> Measurement:
    return Measurement(id=row.id, indicator_id=row.indicator_id, measured_on=row.measured_on,
                       value=row.value, note=row.note)


def add_measurement(session: Session, measurement: Measurement, recorded_by: str) -> None:
    session.execute(insert(plan_measurements).values(
        id=measurement.id, indicator_id=measurement.indicator_id,
        measured_on=measurement.measured_on, value=measurement.value, note=measurement.note,
        recorded_by=recorded_by, created_at=_now()))


def page_measurements(session: Session, indicator_id: uuid.UUID, *,
                      after: tuple[date, uuid.UUID] | None, limit: int) -> list[Measurement]:
    """Newest first; keyset on (measured_on, id)."""
    key = tuple_(plan_measurements.c.measured_on, plan_measurements.c.id)
    query = (select(plan_measurements).where(plan_measurements.c.indicator_id == indicator_id)
             .order_by(plan_measurements.c.measured_on.desc(), plan_measurements.c.id.desc())
             .limit(limit))
    if after is not None:
        query = query.where(key < tuple_(*after))
    return [_measurement(row) for row in session.execute(query)]


def latest_measurements(session: Session, indicator_ids) -> dict[uuid.UUID, Measurement]:
    latest: dict[uuid.UUID, Measurement] = {}
    if not indicator_ids:
        return latest
    rows = session.execute(select(plan_measurements)
                           .where(plan_measurements.c.indicator_id.in_(set(indicator_ids)))
                           .order_by(plan_measurements.c.measured_on, plan_measurements.c.id))
    for row in rows:  # ascending: the last one per indicator wins
        latest[row.indicator_id] = _measurement(row)
    return latest


# -- referral facts (kept by the worker) --------------------------------------------------

def record_referral(session: Session, data: dict) -> bool:
    """Keep the referral's latest state; an older or repeated version changes nothing."""
    return upsert_if_newer(session, referral_facts, {"referral_id": uuid.UUID(data["id"])}, {
        "contract_id": _uuid(data.get("contract_id")),
        "action_id": _uuid(data.get("action_id")),
        "beneficiary_id": uuid.UUID(data["beneficiary_id"]),
        "referrer_member_id": uuid.UUID(data["referrer_member_id"]),
        "status": data["status"],
        "occurred_at": datetime.fromisoformat(data["occurred_at"]).astimezone(UTC),
        "version": data["version"],
    })


def _uuid(value) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


def facts_of_actions(session: Session, action_ids) -> dict[uuid.UUID, list[ReferralFact]]:
    found: dict[uuid.UUID, list[ReferralFact]] = {action_id: [] for action_id in action_ids}
    if not found:
        return found
    rows = session.execute(select(referral_facts).where(referral_facts.c.action_id.in_(found)))
    for row in rows:
        found[row.action_id].append(ReferralFact(row.beneficiary_id, row.referrer_member_id,
                                                 row.status, row.occurred_at))
    return found


def current_values(session: Session, indicators: list[Indicator]) -> dict[uuid.UUID,
                                                                            CurrentValue]:
    """The value each indicator shows now: the latest measurement, or the count."""
    manual = [i.id for i in indicators if not i.computed]
    latest = latest_measurements(session, manual)
    facts = facts_of_actions(session, {i.action_id for i in indicators if i.computed})
    return {i.id: computed_value(i, facts[i.action_id]) if i.computed
            else manual_value(latest.get(i.id)) for i in indicators}


def find_by_name(session: Session, action_id: uuid.UUID, name: str) -> Indicator | None:
    row = session.execute(select(plan_indicators).where(plan_indicators.c.action_id == action_id,
                                                        plan_indicators.c.name == name)).first()
    return _indicator(row) if row else None
