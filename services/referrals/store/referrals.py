"""Referral rows and their events: every change bumps `version`, records a transition
and publishes its event through the outbox, in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from services.referrals.store.referral_tables import consent_withdrawals, referrals, transitions
from shared.events import new_event
from shared.messaging.outbox import publish

EVENT_FIELDS = ("id", "version", "contract_id", "action_id", "pathway_id", "pathway_run_id",
                "step_position", "beneficiary_id", "need_category", "commune", "urgency",
                "status", "referrer_member_id", "referrer_organisation_id",
                "receiving_organisation_id", "assignee_member_id", "reason_code",
                "outcome_code")


class StaleVersion(Exception):
    """The referral changed since the version the caller saw."""


_EMPTY_ROW = {column.name: None for column in referrals.c}


def as_stored(referral: dict) -> dict:
    """`referral` as `get` would read it back: the columns it leaves out are NULL."""
    return {**_EMPTY_ROW, **referral}


def get(session: Session, referral_id: uuid.UUID, *, for_update: bool = False):
    query = select(referrals).where(referrals.c.id == referral_id)
    if for_update:
        query = query.with_for_update()
    row = session.execute(query).first()
    return dict(row._mapping) if row else None


def withdrawal(session: Session, referral_id) -> dict | None:
    """The person's consent withdrawal on this referral, if recorded."""
    row = session.execute(select(consent_withdrawals).where(
        consent_withdrawals.c.referral_id == referral_id)).first()
    return dict(row._mapping) if row else None


def publish_change(session: Session, referral: dict, verb: str, *, occurred_at: datetime,
                   actor_member_id=None, previous_status=None,
                   previous_organisation_id=None) -> None:
    """The event of a change: ids, codes, communes, statuses, dates; never identity."""
    data = {name: referral[name] for name in EVENT_FIELDS}
    data.update(previous_status=previous_status, actor_member_id=actor_member_id,
                previous_organisation_id=previous_organisation_id, occurred_at=occurred_at)
    publish(session, new_event(f"referrals.referral.{verb}", data, subject=str(referral["id"])))


def change(session: Session, referral: dict, expected_version: int, **values) -> dict:
    """Apply `values` if the row is still at `expected_version`; the new row."""
    values = {**values, "version": expected_version + 1}
    updated = session.execute(
        update(referrals).where(referrals.c.id == referral["id"],
                                referrals.c.version == expected_version).values(**values))
    if updated.rowcount != 1:
        raise StaleVersion()
    return {**referral, **values}


def record_transition(session: Session, referral: dict, action: str, *, from_status,
                      occurred_at: datetime, actor=None, comment_enc=None, reason_code=None,
                      outcome_code=None, from_organisation_id=None,
                      to_organisation_id=None) -> dict:
    """The transition row written."""
    row = dict(
        id=uuid.uuid4(), referral_id=referral["id"], version=referral["version"],
        action=action, from_status=from_status, to_status=referral["status"],
        actor_member_id=actor.member_id if actor else None,
        actor_organisation_id=actor.organisation_id if actor else None,
        reason_code=reason_code, outcome_code=outcome_code,
        from_organisation_id=from_organisation_id, to_organisation_id=to_organisation_id,
        comment_enc=comment_enc, occurred_at=occurred_at)
    session.execute(_INSERT_TRANSITION, row)
    return row


# Built once: parameters passed at execution reuse one compiled statement.
_INSERT_TRANSITION = insert(transitions)
